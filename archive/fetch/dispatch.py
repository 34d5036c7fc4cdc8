"""Handing a crawl's admitted URLs to its fetchers.

Each host has its own queue; hosts are served round robin, within a per-host and a total limit
of exchanges in flight, and up to the source's page budget (``max_pages``). With several
fetchers a host lives in one of them (so its politeness holds there), new hosts going to the
fetcher with the fewest; when politeness is overridden with no delay, URLs rather than hosts are
shared out, each to the least busy fetcher that is ready (:attr:`Dispatcher.by_url`).
"""
from __future__ import annotations

import collections
from typing import Any

from ..config import Source
from ..urls import host_of
from .tasks import Task

__all__ = ["Dispatcher"]


class Dispatcher:
    """The crawl's queues and what is in flight; ``fetchers`` is the crawl's list of fetchers."""

    def __init__(self, src: Source, *, override: bool) -> None:
        self.src = src
        self.override = override
        self.fetchers: list[Any] = []
        self.waiting: dict[str, Task] = {}  # admitted, not yet handed to a fetcher
        self.pending: dict[str, collections.deque[Task]] = {}
        self.hosts_rr: collections.deque[str] = collections.deque()
        self.out_host: collections.Counter[str] = collections.Counter()
        self.out_fetcher: collections.Counter[int] = collections.Counter()
        self.host_shard: dict[str, int] = {}
        self.assigned: dict[str, int] = {}
        self.outstanding = 0  # handed to a fetcher, no result yet
        self.dispatched = 0  # counted against the page budget

    @property
    def n_fetchers(self) -> int:
        return max(1, len(self.fetchers))

    @property
    def by_url(self) -> bool:
        """Shard URLs (not hosts) over fetchers: only when politeness is overridden with no
        delay, so no per-host spacing has to live in one process; each fetcher then gets an
        equal share of the per-host connections."""
        return self.n_fetchers > 1 and self.override and self.src.delay == 0

    def add(self, task: Task) -> None:
        self.waiting[task.url] = task
        host = host_of(task.url)
        q = self.pending.get(host)
        if q is None:
            q = self.pending[host] = collections.deque()
        if not q:
            self.hosts_rr.append(host)
        q.append(task)

    def queued(self) -> int:
        return sum(len(q) for q in self.pending.values())

    def done(self, task: Task) -> None:
        """A fetcher answered ``task`` (or gave it back)."""
        self.out_host[host_of(task.url)] -= 1
        self.out_fetcher[self.assigned.pop(task.url, 0)] -= 1
        self.outstanding -= 1

    def waiting_for_fetchers(self) -> bool:
        """Work is queued but no fetcher may take it yet (process fetchers still starting)."""
        if not self.hosts_rr or (self.src.max_pages is not None and self.dispatched >= self.src.max_pages):
            return False
        return not all(f.ready or f.dead for f in self.fetchers)

    def _shard(self, host: str) -> int | None:
        """The fetcher for the next task of ``host``; None when every one that may take it is busy."""
        n = self.n_fetchers
        if n == 1:
            return 0
        if self.by_url:  # the least busy fetcher that is ready
            cap = max(1, self.src.concurrency)
            best = None
            for i, f in enumerate(self.fetchers):
                if f.ready and self.out_fetcher[i] < cap and (best is None or self.out_fetcher[i] < self.out_fetcher[best]):
                    best = i
            return best
        shard = self.host_shard.get(host)
        if shard is None or self.fetchers[shard].dead:  # a new host (or one whose fetcher died)
            loads = collections.Counter(self.host_shard.values())  # goes to the one with the fewest
            live = [i for i in range(n) if not self.fetchers[i].dead]
            shard = self.host_shard[host] = min(live, key=lambda i: (loads[i], i))
        return shard

    def pump(self) -> None:
        """Hand queued tasks to fetchers, as far as the limits and the budget allow."""
        if self.by_url:  # fetchers share a host: the limits hold here, exactly
            host_limit = max(self.src.per_host, 1)
            total_limit = max(self.src.concurrency, 1)
        else:  # a host lives in one fetcher, whose politeness holds the limits: keep it fed
            host_limit = max(self.src.per_host, 1) * 2 + 2
            total_limit = max(self.src.concurrency, 1) * 2 * len(self.fetchers)
        budget = self.src.max_pages
        rotations = len(self.hosts_rr)
        while self.hosts_rr and rotations > 0 and self.outstanding < total_limit:
            if budget is not None and self.dispatched >= budget:
                return
            host = self.hosts_rr[0]
            q = self.pending[host]
            if not q:
                self.hosts_rr.popleft()
                rotations = len(self.hosts_rr)
                continue
            if self.out_host[host] >= host_limit:
                self.hosts_rr.rotate(-1)
                rotations -= 1
                continue
            shard = self._shard(host)
            if shard is None:
                return
            self._submit(q.popleft(), host, shard)
            if not q:
                self.hosts_rr.popleft()
                rotations = len(self.hosts_rr)
            else:
                self.hosts_rr.rotate(-1)

    def _submit(self, task: Task, host: str, shard: int) -> None:
        self.waiting.pop(task.url, None)
        self.out_host[host] += 1
        self.out_fetcher[shard] += 1
        self.assigned[task.url] = shard
        self.outstanding += 1
        self.dispatched += 1
        self.fetchers[shard].submit(task)
