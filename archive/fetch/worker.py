"""Fetcher processes: an :class:`~archive.fetch.engine.Engine` behind a pipe.

The crawl shards hosts over fetchers (one host always in one fetcher, so its politeness holds).
Each fetcher writes its own WARC files (its own prefix); the crawl process alone writes the
database. Frames on the pipes are ``4-byte big-endian length + pickle``:

    crawl → fetcher   ("opts", EngineOptions) ("tasks", [Task, …]) … ("end", CrawlStats | None)
    fetcher → crawl   ("ready", None) ("results", [Result, …]) … ("closed", [ClosedFile, …])

After ``finish`` each fetcher's ``closed_files`` lists the WARC files its writer closed; the crawl
registers them as indexed (``warc_files``) once their captures are in the index.

``LocalFetcher`` runs the same engine inside the crawl's own event loop: it is always fetcher 0,
so a crawl starts fetching at once, and process fetchers join as soon as they report ready.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
import sys
import traceback
from typing import Any, Callable

from ..errors import WarcError
from ..model import CrawlStats, FetchFailure, iso, utcnow
from .engine import Engine
from .tasks import EngineOptions, Result, Task

log = logging.getLogger("archive.fetch")
_LEN = struct.Struct(">I")


def _internal_failure(engine: Engine, task: Task, exc: BaseException) -> Result:
    log.error("%s: internal error in the fetcher:\n%s", task.url,
              "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    f = FetchFailure(crawl_id=engine.opts.crawl_id, url=task.url, timestamp=iso(utcnow()),
                     error="internal", detail=f"{type(exc).__name__}: {exc}")
    try:
        engine._warc().write_failure(f)
    except Exception:  # the failure is still reported to the crawl
        pass
    return Result(task, failures=[f])


class LocalFetcher:
    """The engine in this process."""

    def __init__(self, deliver: Callable[[Result | None], None],
                 private: Callable[[str], bool] | None = None) -> None:
        self.engine: Engine | None = None
        self.deliver = deliver
        self.private = private  # the SSRF guard's predicate (default: ssrf.private_host)
        self.tasks: set[asyncio.Task[None]] = set()
        self.ready = False
        self.dead = False  # never: it is the crawl's own process
        self.closed_files: list[Any] = []

    async def spawn(self) -> None:
        pass

    async def start(self, opts: EngineOptions) -> None:
        self.engine = Engine(opts, self.private)
        await self.engine.start()
        self.ready = True

    async def _one(self, task: Task) -> None:
        assert self.engine is not None
        try:
            res = await self.engine.run(task)
        except Exception as exc:  # a bug must not stop the crawl
            res = _internal_failure(self.engine, task, exc)
        if res.fatal is not None:  # the WARC file cannot be written: the other exchanges are
            current = asyncio.current_task()  # abandoned (nothing of them would be indexed)
            for t in list(self.tasks):
                if t is not current:
                    t.cancel()
        self.deliver(res)

    def submit(self, task: Task) -> None:
        t = asyncio.create_task(self._one(task))
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    async def finish(self, stats: CrawlStats | None) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.engine is None:
            return
        try:
            if stats is not None and self.engine.broken is None and self.engine.writer is not None \
                    and hasattr(self.engine.writer, "write_crawl_end"):
                self.engine.writer.write_crawl_end(stats)
        finally:
            try:
                await self.engine.close()
            finally:
                self.closed_files = list(self.engine.closed_files)

    async def abort(self) -> None:
        for t in list(self.tasks):
            t.cancel()
        await self.finish(None)


async def _read_frame(reader: asyncio.StreamReader) -> Any:
    head = await reader.readexactly(_LEN.size)
    (n,) = _LEN.unpack(head)
    return pickle.loads(await reader.readexactly(n))


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _LEN.pack(len(data)) + data


class ProcessFetcher:
    """The engine in a child process (``python -m archive.fetch.worker``)."""

    def __init__(self, deliver: Callable[[Result | None], None]) -> None:
        self.opts: EngineOptions | None = None
        self.ready = False  # set when the process reports its engine started
        self.deliver = deliver
        self.proc: asyncio.subprocess.Process | None = None
        self.reader_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.outstanding: dict[str, Task] = {}
        self.batch: list[Task] = []
        self.dead = False
        self.closed_files: list[Any] = []

    async def spawn(self) -> None:
        """Start the process early: it imports its modules while the crawl opens the index."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "archive.fetch.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26)

    async def start(self, opts: EngineOptions) -> None:
        if self.proc is None:
            await self.spawn()
        assert self.proc is not None and self.proc.stdin is not None
        self.opts = opts
        self.proc.stdin.write(_frame(("opts", opts)))
        self.reader_task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while True:
                kind, payload = await _read_frame(self.proc.stdout)
                if kind == "results":
                    for res in payload:
                        self.outstanding.pop(res.task.url, None)
                        self.deliver(res)
                elif kind == "ready":
                    self.ready = True
                    self.deliver(None)  # wakes the crawl: this fetcher takes tasks now
                elif kind == "closed":
                    self.closed_files = list(payload or [])
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.dead = True
            self.ready = False
            # tasks the fetcher never answered go back to the crawl, which looks for their records
            # in the dead fetcher's files (recovered at once) and fetches the rest elsewhere
            for task in list(self.outstanding.values()):
                self.deliver(Result(task, lost=True))
            self.outstanding.clear()
            self.closed.set()

    def submit(self, task: Task) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        if self.dead:  # the fetcher process is gone: the task goes back to the crawl
            asyncio.get_running_loop().call_soon(self.deliver, Result(task, lost=True))
            return
        self.outstanding[task.url] = task
        # tasks of one loop iteration go in one frame: fewer wake-ups of the fetcher
        self.batch.append(task)
        if len(self.batch) == 1:
            asyncio.get_running_loop().call_soon(self._send_batch)

    def _send_batch(self) -> None:
        batch, self.batch = self.batch, []
        if batch and not self.dead and self.proc is not None and self.proc.stdin is not None:
            try:
                self.proc.stdin.write(_frame(("tasks", batch)))
            except (RuntimeError, ConnectionError) as exc:  # uvloop: RuntimeError on a closed pipe
                # the process died and _read has not seen it yet: these tasks are still outstanding
                # and go back to the crawl as lost when it does
                log.warning("fetcher process gone (%s): %d task(s) not sent", exc, len(batch))

    async def finish(self, stats: CrawlStats | None) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        try:
            self._send_batch()
            self.proc.stdin.write(_frame(("end", stats)))
            await self.proc.stdin.drain()
        except (ConnectionError, RuntimeError):  # the process is gone (uvloop: RuntimeError)
            pass
        await self.closed.wait()
        await self.proc.wait()

    async def abort(self, grace: float = 10.0) -> None:
        """End the fetcher: end of input first (it finishes its exchanges and closes its WARC
        file), SIGTERM if it has not exited within ``grace`` seconds."""
        proc = self.proc
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None and not proc.stdin.is_closing():
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                proc.terminate()
                await proc.wait()
        if self.reader_task is not None:
            try:
                await asyncio.wait_for(self.reader_task, 1.0)
            except (TimeoutError, asyncio.CancelledError):
                self.reader_task.cancel()


async def _serve(out_fd: int) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(0, "rb", buffering=0))
    out = os.fdopen(out_fd, "wb", buffering=0)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, out)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    # import what the engine needs while the crawl process is still opening the index
    import httpx  # noqa: F401
    from ..warc import writer as _warc_writer  # noqa: F401
    from .. import index as _index  # noqa: F401

    try:
        kind, opts = await _read_frame(reader)
    except asyncio.IncompleteReadError:
        return  # the crawl ended before it needed this fetcher
    assert kind == "opts"
    pending: list[Result] = []

    def flush() -> None:
        batch = pending[:]
        pending.clear()
        if batch:
            writer.write(_frame(("results", batch)))

    def deliver(res: Result | None) -> None:
        # results of one loop iteration go in one frame: fewer wake-ups of the crawl process
        if res is None:
            return
        pending.append(res)
        if len(pending) == 1:
            loop.call_soon(flush)

    fetcher = LocalFetcher(deliver)
    await fetcher.start(opts)
    writer.write(_frame(("ready", None)))
    stats: CrawlStats | None = None
    try:
        while True:
            try:
                kind, payload = await _read_frame(reader)
            except asyncio.IncompleteReadError:
                break  # the crawl process is gone: close our WARC cleanly
            if kind == "tasks":
                for task in payload:
                    fetcher.submit(task)
            elif kind == "end":
                stats = payload
                break
    finally:
        try:
            await fetcher.finish(stats)
        except WarcError as exc:  # closing its file failed too (disk full): the crawl is told
            log.warning("%s", exc)  # by the task that met it first; recovery cuts the file back
        flush()
        try:
            writer.write(_frame(("closed", fetcher.closed_files)))
            await writer.drain()
        except (ConnectionError, BrokenPipeError):
            pass


def main() -> None:
    from .loop import run_loop

    # stdout carries frames only: anything printed goes to stderr
    out_fd = os.dup(1)
    os.dup2(2, 1)
    logging.basicConfig(level=os.environ.get("ARCHIVE_LOG", "WARNING"), stream=sys.stderr,
                        format="fetcher %(process)d: %(levelname)s %(message)s")
    profile_dir = os.environ.get("ARCHIVE_PROFILE_DIR")  # measurement aid: cProfile each fetcher
    if profile_dir:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        try:
            run_loop(_serve(out_fd))
        finally:
            prof.disable()
            prof.dump_stats(os.path.join(profile_dir, f"fetcher-{os.getpid()}.prof"))
        return
    run_loop(_serve(out_fd))


if __name__ == "__main__":
    main()
