"""Crash safety of a crawl: the lock a running crawl holds, and what the next start repairs.

A crawl holds ``warcs/.crawls/CRAWL_ID.lock`` (flock) while it runs: recovery touches ``.open``
files only when no other crawl is running, and a live crawl is never resumed. At its start a
crawl recovers what killed crawls left (:func:`recover_and_index`).
"""
from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import Any

from ..errors import WarcError

__all__ = ["CrawlLock", "recover_and_index", "stopped_by_warc_failure"]

log = logging.getLogger("archive.fetch")


class CrawlLock:
    """``warcs/.crawls/CRAWL_ID.lock`` held (flock) while a crawl runs."""

    def __init__(self, warcs: Path) -> None:
        self.dir = warcs / ".crawls"
        self.fh: Any = None

    def others_running(self) -> set[str]:
        """Ids of the crawls whose lock another live process holds (stale locks are removed)."""
        live: set[str] = set()
        if not self.dir.exists():
            return live
        for p in self.dir.glob("*.lock"):
            if self.fh is not None and Path(self.fh.name) == p:
                continue
            try:
                with p.open("a") as fh:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        live.add(p.stem)
                        continue
                p.unlink(missing_ok=True)
            except OSError:
                continue
        return live

    def acquire(self, crawl_id: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fh = (self.dir / f"{crawl_id}.lock").open("a")
        fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self.fh is not None:
            path = Path(self.fh.name)
            self.fh.close()
            path.unlink(missing_ok=True)
            self.fh = None


def recover_and_index(data_dir: Path) -> list[Path]:
    """Recover ``.open`` WARC files of killed crawls (cut back to their last complete record,
    renamed; files a live writer holds are left alone), then index every WARC file the index has
    not registered as read (``warc_files``): the recovered ones, and closed files whose captures a
    killed crawl never indexed (rotated before the kill, closed by a fetcher process that outlived
    its crawl, renamed by a recovery that was itself killed). A crawl registers the files it
    closed once their captures are indexed, so after a clean run this reads nothing. Returns the
    recovered files."""
    warcs = Path(data_dir) / "warcs"
    if not warcs.is_dir():
        return []
    from ..index.rebuild import index_new_files
    from ..warc.recovery import recover_open_files

    recovered = [r.path for r in recover_open_files(warcs) if r.path is not None]
    stats = index_new_files(data_dir, recover=False)
    if recovered or stats.files:
        log.warning("recovered %d .open WARC file(s) of a killed crawl; indexed %d unregistered file(s): "
                    "%d captures, %d failures", len(recovered), stats.files, stats.captures, stats.failures)
    return recovered


def stopped_by_warc_failure(fatal: tuple[str, int | None, str], in_flight: int) -> WarcError:
    """The error a crawl stops with when a fetcher could not write its WARC file (``fatal``: the
    fetcher's WarcError as path, offset, message; ``in_flight``: exchanges abandoned with it)."""
    path, offset, message = fatal
    if path.endswith(".open") and not os.path.exists(path) and os.path.exists(path[: -len(".open")]):
        path = path[: -len(".open")]  # the writer cut it back and closed it
    return WarcError(path, offset, f"{message}; the crawl stopped ({in_flight} exchange(s) in flight "
                                   "abandoned, not indexed): free space, then run the same crawl "
                                   "again to resume it")
