"""The worker processes of a dedupe run (:class:`Pool`): sketches of the next rounds run in the
background while the main process decides and writes the current one."""
from __future__ import annotations

from collections import deque
from typing import Any, Callable


class Pool:
    """A process pool made on first use, with two queues: calls the main process waits for
    (``map``: verification, spinner checks) go before background calls (``submit``: the next
    rounds' sketches), and only ``workers + 1`` calls are handed to the executor at a time, so
    a verification waits for at most the sketch chunks already running, not for a whole queued
    round, and the workers still have sketches to do while the main process writes.

    Workers are spawned, not forked: a fork after rensa's Rust thread pool has started leaves
    the child deadlocked. (Spawn re-imports the caller's ``__main__``: scripts need the usual
    ``if __name__ == "__main__"`` guard.) Workers open their own read-only connections."""

    def __init__(self, workers: int) -> None:
        import threading

        self.workers = workers
        self.ex: Any = None
        self._lock = threading.Lock()
        self._urgent: deque[tuple[Any, Callable, tuple]] = deque()
        self._background: deque[tuple[Any, Callable, tuple]] = deque()
        self._running = 0

    def submit(self, fn: Callable, args: list[tuple], *, urgent: bool = False) -> list:
        """Queue the calls (first in, first out within their queue); returns their futures."""
        from concurrent.futures import Future

        if self.ex is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.ex = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        futures: list[Future] = [Future() for _ in args]
        with self._lock:
            (self._urgent if urgent else self._background).extend(
                (f, fn, a) for f, a in zip(futures, args))
        self._fill()
        return futures

    def _fill(self) -> None:
        while True:
            with self._lock:
                if self._running > self.workers or self.ex is None:
                    return
                queue = self._urgent or self._background
                if not queue:
                    return
                mine, fn, args = queue.popleft()
                if not mine.set_running_or_notify_cancel():
                    continue
                self._running += 1
            inner = self.ex.submit(fn, *args)
            inner.add_done_callback(lambda done, mine=mine: self._done(done, mine))

    def _done(self, done: Any, mine: Any) -> None:
        with self._lock:
            self._running -= 1
        if done.cancelled():
            mine.cancel()
        elif done.exception() is not None:
            mine.set_exception(done.exception())
        else:
            mine.set_result(done.result())
        self._fill()

    def map(self, fn: Callable, args: list[tuple]) -> list:
        return [f.result() for f in self.submit(fn, args, urgent=True)]

    def close(self) -> None:
        with self._lock:
            waiting = list(self._urgent) + list(self._background)
            self._urgent.clear()
            self._background.clear()
        for f, _, _ in waiting:
            f.cancel()
        if self.ex is not None:
            self.ex.shutdown(wait=True, cancel_futures=True)
            self.ex = None
