"""Per-host politeness: connections per host, spacing between requests, robots crawl-delay.

Rules, in order:

* ``per_host`` / ``delay`` given for one crawl (``CrawlOptions``, ``--per-host`` / ``--delay`` on
  the command line: ``override=True``) win over both the source's settings and robots.txt
  ``Crawl-delay`` (the override is logged once per host);
* otherwise a robots.txt ``Crawl-delay`` wins over the source's ``delay``;
* a delay above zero means one request at a time to that host, the next one starting ``delay``
  seconds after the previous one *finished* (so the server itself sees gaps ≥ delay);
  with no delay, up to ``per_host`` requests to the host run at once.

Global concurrency is bounded separately (a semaphore held around each exchange).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import AsyncIterator

log = logging.getLogger("archive.fetch")


@dataclass
class HostState:
    per_host: int
    delay: float
    sem: asyncio.Semaphore
    next_start: float = 0.0
    robots_delay: float | None = None
    active: int = 0
    waiting: int = 0
    notes: list[str] = field(default_factory=list)


class Politeness:
    def __init__(self, *, per_host: int, delay: float, concurrency: int, override: bool = False) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self.override = override
        self.global_sem = asyncio.Semaphore(max(1, concurrency))
        self.hosts: dict[str, HostState] = {}

    def _state(self, host: str) -> HostState:
        st = self.hosts.get(host)
        if st is None:
            limit = self.per_host if self.delay == 0 else 1
            st = HostState(per_host=limit, delay=self.delay, sem=asyncio.Semaphore(limit))
            self.hosts[host] = st
        return st

    def set_robots_delay(self, host: str, crawl_delay: float | None) -> None:
        """Apply a robots.txt Crawl-delay for ``host`` (before any page request to it)."""
        if crawl_delay is None:
            return
        st = self._state(host)
        st.robots_delay = crawl_delay
        if self.override:
            if crawl_delay != self.delay:
                log.warning("%s: robots.txt asks Crawl-delay %g s; overridden for this crawl "
                            "(delay %g, per_host %d)", host, crawl_delay, self.delay, self.per_host)
            return
        st.delay = crawl_delay
        if crawl_delay > 0 and st.per_host != 1:
            st.per_host = 1
            st.sem = asyncio.Semaphore(1)

    def effective_delay(self, host: str) -> float:
        return self._state(host).delay

    def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` (Retry-After)."""
        st = self._state(host)
        st.next_start = max(st.next_start, time.monotonic() + seconds)

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        st = self._state(host)
        st.waiting += 1
        sem = st.sem
        await sem.acquire()
        st.waiting -= 1
        try:
            while True:
                wait = st.next_start - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if st.delay > 0:
                st.next_start = time.monotonic() + st.delay
            async with self.global_sem:
                st.active += 1
                try:
                    yield
                finally:
                    st.active -= 1
                    if st.delay > 0:
                        st.next_start = max(st.next_start, time.monotonic() + st.delay)
        finally:
            sem.release()
