"""The incremental batch runner: new captures → articles / digest items / recorded errors.

Which captures: ``response`` records with a 2xx status and an HTML type that are not yet in the
``extract_done`` ledger (nor in ``articles`` / ``extract_errors``); every read and write of the
index goes through ``archive/index/extraction.py``. Work goes to a process pool
(both cores) in batches; each batch's results are written in one transaction as it comes back,
so a crash or Ctrl-C costs at most the batches in flight, and a rerun adds nothing.

Which rules: the crawl's recorded rules (``crawls.rules``) for pages on that crawl's seed hosts,
else the rules block whose ``hosts`` cover the page's host, else none.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from ..errors import ArchiveError
from ..index import extraction as ledger
from ..model import Article, DigestItem, utcnow, iso
from ..urls import host_of
from .rules import RuleSet, load_rules

if TYPE_CHECKING:
    import sqlite_utils

    from ..config import Config

HTML_MIMES = ("text/html", "application/xhtml+xml")
Progress = Callable[[int, int], None]


@dataclass
class ExtractStats:
    seen: int = 0
    articles: int = 0
    digests: int = 0          # digest pages
    digest_items: int = 0
    errors: int = 0
    skipped: int = 0
    batches: int = 0
    workers: int = 0          # processes used (0: extracted in this process)
    worker_pids: set[int] = field(default_factory=set)

    def summary(self) -> str:
        return (f"{self.seen} captures: {self.articles} articles, {self.digests} digest pages "
                f"({self.digest_items} items), {self.skipped} skipped, {self.errors} errors")

    def __str__(self) -> str:
        return self.summary()


@dataclass
class Job:
    capture_id: str
    url: str
    captured: str
    source: str | None
    warc_path: str
    warc_offset: int
    rules: str | None
    truncated: str | None = None  # the capture's WARC-Truncated reason, if any


@dataclass
class Outcome:
    job: Job
    kind: str  # article, digest, skipped, error
    article: Article | None = None
    items: list[DigestItem] = field(default_factory=list)
    detail: str = ""
    charset: str | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- worker side
_RULESET: RuleSet | None = None


def _init_worker(ruleset: RuleSet, barrier: Any = None) -> None:
    global _RULESET
    _RULESET = ruleset
    if barrier is not None:  # every worker up before any takes work: the pool really spreads it
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass


PAGE_TIME_LIMIT = 60.0  # seconds of extraction for one page before it is recorded as an error


class _PageTimeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM-based limit, only where it can work (the main thread, on Unix); else no limit.
    A timer someone else armed (e.g. pytest-timeout) is left to fire first or re-armed after."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    prev_delay, prev_interval = signal.getitimer(signal.ITIMER_REAL)
    if prev_delay and prev_delay <= seconds:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise _PageTimeout()

    prev_handler = signal.signal(signal.SIGALRM, _raise)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, prev_handler)
        if prev_delay:
            signal.setitimer(signal.ITIMER_REAL, max(prev_delay - (time.monotonic() - start), 1e-3), prev_interval)


def extract_one(job: Job, ruleset: RuleSet, time_limit: float = PAGE_TIME_LIMIT) -> Outcome:
    """Read one capture's payload from its WARC and extract it; every failure is an Outcome."""
    from ..warc.reader import read_record
    from .article import extract_page

    try:
        with _time_limit(time_limit):
            with read_record(job.warc_path, job.warc_offset) as view:
                headers = list(view.http_headers)
                body = view.read_payload()
            res = extract_page(body, url=job.url, headers=headers, rules=ruleset.get(job.rules),
                               captured=job.captured, publishers=ruleset.publishers,
                               capture_id=job.capture_id, source=job.source)
    except _PageTimeout:
        return Outcome(job, "error", detail=f"ExtractError: extraction took more than {time_limit:g} s (abandoned)")
    except ArchiveError as exc:
        return Outcome(job, "error", detail=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a parser bug on one page must not stop the run: record it
        return Outcome(job, "error", detail=f"unexpected {type(exc).__name__}: {exc}")
    if job.truncated:
        res.notes.append(f"payload truncated by the crawler ({job.truncated}): the text may be incomplete")
    if res.article is not None:
        return Outcome(job, "article", article=res.article, charset=res.charset, notes=res.notes)
    if res.digest_items:
        return Outcome(job, "digest", items=res.digest_items, charset=res.charset, notes=res.notes)
    return Outcome(job, "skipped", detail=res.skipped or "nothing extracted", charset=res.charset,
                   notes=res.notes)


def extract_batch(jobs: list[Job]) -> tuple[int, list[Outcome]]:
    """Pool task: one batch, in a worker process (its pid comes back for the stats)."""
    assert _RULESET is not None, "worker not initialised"
    return os.getpid(), [extract_one(j, _RULESET) for j in jobs]


# --------------------------------------------------------------------------- selection
def _crawl_rules(db: "sqlite_utils.Database", config: "Config") -> dict[str, tuple[str, set[str]]]:
    """crawl id -> (rules name, hosts of its seeds) for crawls that recorded rules."""
    out: dict[str, tuple[str, set[str]]] = {}
    for cid, source, rules, seeds in ledger.crawls_with_rules(db.conn):
        urls: list[str] = []
        if seeds:
            try:
                urls = [u for u in json.loads(seeds) if isinstance(u, str)]
            except ValueError:
                urls = []
        if not urls and source in config.sources:
            urls = list(config.sources[source].seeds)
        out[cid] = (rules, {host_of(u) for u in urls})
    return out


def _jobs(db: "sqlite_utils.Database", warcs: Path, ruleset: RuleSet, crawl_rules: dict[str, tuple[str, set[str]]],
          capture_ids: Sequence[str] | None, chunk: int) -> Iterator[Job]:
    for _, cid, url, ts, source, crawl_id, wfile, woff, truncated in ledger.iter_pending(db.conn, capture_ids, chunk):
        name: str | None = None
        recorded = crawl_rules.get(crawl_id or "")
        if recorded and recorded[0] in ruleset.rules and host_of(url) in recorded[1]:
            name = recorded[0]
        else:
            by_host = ruleset.by_host(url)
            name = by_host.name if by_host else None
        yield Job(cid, url, ts, source, str(warcs / wfile), int(woff), name, truncated)


def count_pending(db: "sqlite_utils.Database", capture_ids: Sequence[str] | None = None) -> int:
    return ledger.count_pending(db.conn, capture_ids)


# --------------------------------------------------------------------------- storing
def store(db: "sqlite_utils.Database", outcomes: list[Outcome], stats: ExtractStats) -> None:
    """Write one batch's results in one transaction (articles, digest items, errors, ledger)."""
    now = iso(utcnow())
    with db.conn:
        for o in outcomes:
            stats.seen += 1
            if o.kind == "article" and o.article is not None:
                row = asdict(o.article)
                row["charset"] = o.charset
                row["notes"] = "; ".join(o.notes) or None
                ledger.add_article(db.conn, row)
                stats.articles += 1
            elif o.kind == "digest":
                ledger.add_digest_items(db.conn, o.job.capture_id, o.items)
                stats.digests += 1
                stats.digest_items += len(o.items)
            elif o.kind == "error":
                ledger.record_error(db.conn, o.job.capture_id, o.job.url, now, o.detail)
                stats.errors += 1
            else:
                stats.skipped += 1
            detail = o.detail or ("; ".join(o.notes) if o.notes else None)
            ledger.mark_done(db.conn, o.job.capture_id, o.kind, o.job.rules, detail, now)


# --------------------------------------------------------------------------- the run
def _batches(jobs: Iterator[Job], size: int) -> Iterator[list[Job]]:
    batch: list[Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def forget_errors(db: "sqlite_utils.Database", capture_ids: Sequence[str] | None = None) -> int:
    """Drop recorded extraction errors (all, or those of ``capture_ids``) so the next run retries
    them — e.g. after a WARC file came back or a rule was fixed. Returns how many."""
    return ledger.forget_errors(db.conn, capture_ids)


def run_extract(data_dir: Path, config: "Config", *, workers: int = 2, batch_size: int = 64,
                progress: Progress | None = None, capture_ids: Sequence[str] | None = None,
                retry_errors: bool = False) -> ExtractStats:
    """Extract every capture not handled yet; returns the counts of this run.

    ``retry_errors`` first forgets the recorded errors (of ``capture_ids`` when given), so those
    captures are tried again."""
    from ..index import open_db

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, not {batch_size}")
    ruleset = load_rules(config)
    data_dir = Path(data_dir)
    db = open_db(data_dir)
    stats = ExtractStats()
    try:
        if retry_errors:
            forget_errors(db, capture_ids)
        total = count_pending(db, capture_ids)
        if total == 0:
            return stats
        jobs = _jobs(db, data_dir / "warcs", ruleset, _crawl_rules(db, config), capture_ids,
                     chunk=batch_size * max(workers, 1) * 4)
        n_batches = -(-total // batch_size)
        use = min(max(workers, 1), n_batches)
        if use <= 1:
            for batch in _batches(jobs, batch_size):
                store(db, [extract_one(j, ruleset) for j in batch], stats)
                stats.batches += 1
                if progress:
                    progress(stats.seen, total)
            return stats
        _run_pool(db, ruleset, jobs, batch_size, use, total, stats, progress)
        return stats
    finally:
        db.conn.close()


def _start_method() -> str:
    """``fork`` where there is one (fast, and callers' scripts need no ``__main__`` guard, which
    ``spawn`` would re-import); ``ARCHIVE_MP_START`` overrides (fork, forkserver, spawn)."""
    import multiprocessing

    wanted = os.environ.get("ARCHIVE_MP_START", "").strip().lower()
    methods = multiprocessing.get_all_start_methods()
    if wanted:
        if wanted not in methods:
            raise ValueError(f"ARCHIVE_MP_START={wanted!r}: not one of {', '.join(methods)}")
        return wanted
    return "fork" if "fork" in methods else "spawn"


def _run_pool(db: "sqlite_utils.Database", ruleset: RuleSet, jobs: Iterator[Job], batch_size: int,
              use: int, total: int, stats: ExtractStats, progress: Progress | None) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context(_start_method())
    if ctx.get_start_method() == "fork":
        from .ensemble import warm_up

        warm_up()  # imports and first-call set-up once here, shared by the forked workers
    barrier = ctx.Barrier(use)
    stats.workers = use
    pool = ProcessPoolExecutor(max_workers=use, mp_context=ctx, initializer=_init_worker,
                               initargs=(ruleset, barrier))
    inflight: set[Future[tuple[int, list[Outcome]]]] = set()
    batches = _batches(jobs, batch_size)
    try:
        exhausted = False
        while True:
            while not exhausted and len(inflight) < use * 2:
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                    break
                inflight.add(pool.submit(extract_batch, batch))
            if not inflight:
                break
            done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                pid, outcomes = fut.result()
                stats.worker_pids.add(pid)
                store(db, outcomes, stats)
                stats.batches += 1
                if progress:
                    progress(stats.seen, total)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
