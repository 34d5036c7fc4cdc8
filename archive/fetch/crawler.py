"""Crawl orchestration: admission of URLs, the frontier, fetchers, batching into the index.

The crawl process owns the database (one writer): it admits URLs (canonical, de-duplicated,
in scope, within depth), hands them to fetchers (:mod:`.dispatch`: hosts sharded over them), and
indexes each batch of results in one transaction — after the fetchers flushed the WARC records.
What a crawl fetches is :mod:`.options`'s, its scope :mod:`.scope`'s, its crash safety
:mod:`.restart`'s.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from ..config import Config, Source
from ..errors import ArchiveError, InputError, WarcError
from ..model import Capture, CrawlStats, FetchFailure, iso, utcnow
from .admission import Admission
from .dispatch import Dispatcher
from .tasks import EngineOptions, Result, Task
from ..index.warc_files import register_closed_files
from .frontier import Frontier, write_batch
from .loop import run_loop
from .options import CrawlOptions, link_text, resolve_source
from .restart import CrawlLock, recover_and_index, stopped_by_warc_failure
from .scope import in_scope
from .ssrf import address_url
from .ssrf import private_host as _private_host  # the guard's predicate (tests see one address as public)

__all__ = ["Crawl", "CrawlOptions", "crawl", "crawl_async", "in_scope", "recover_and_index", "resolve_source"]

log = logging.getLogger("archive.fetch")

Progress = Callable[[CrawlStats, int], None]
BATCH_RESULTS = 500
BATCH_SECONDS = 1.0


class Crawl:
    def __init__(self, config: Config, data_dir: Path, source: Source, seeds: list[tuple[str, str]],
                 options: CrawlOptions, progress: Progress | None, warc_prefix: str | None) -> None:
        self.config = config
        self.data_dir = Path(data_dir)
        self.src = source
        self.seeds = seeds
        self.options = options
        self.progress = progress
        self.prefix = warc_prefix or config.settings.warc_prefix
        self.override = options.override_politeness
        if self.override is None:
            self.override = options.per_host is not None or options.delay is not None
        self.link_text = link_text(config, source)  # a bad pattern is refused before any fetch
        self.dispatch = Dispatcher(source, override=bool(self.override))
        self.admission = Admission(config, source, self.dispatch)
        self.results: asyncio.Queue[Result | None] = asyncio.Queue()
        self.batch_caps: list[Capture] = []
        self.batch_fails: list[FetchFailure] = []
        self.batch_n = 0
        self.last_flush = time.monotonic()
        self.lost: list[Task] = []  # tasks of a fetcher process that died before answering
        self.fatal: tuple[str, int | None, str] | None = None  # a fetcher's WARC write failed
        self.abandoned = 0  # results not indexed since (their exchanges are fetched on resume)

    @property
    def fetchers(self) -> list[Any]:
        return self.dispatch.fetchers

    # ---- admission
    @staticmethod
    def _public_page(res: Result) -> bool:
        """Whether the SSRF guard applies to what ``res``'s page links to: a page found on a public
        page is public (its addresses were checked); any other page (a seed) is public unless its
        host, or the address it was fetched from, is private (an intranet name is no public page)."""
        t = res.task
        if t.guard:
            return True
        if _private_host(t.url):
            return False
        pages = res.captures[res.extra_captures:]
        ip = pages[0].ip if pages else None
        if ip:
            parts = urlsplit(t.url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            return not _private_host(address_url(ip, port))
        return True

    def _admit_links(self, res: Result) -> None:
        # links of a public page are guarded: their hosts and addresses are checked by the
        # fetcher before and while connecting, and a refusal is recorded (error kind "ssrf")
        self.admission.admit(res, guard=self.src.ssrf_guard and self._public_page(res))

    # ---- results
    def _handle(self, res: Result | None) -> None:
        if res is None:  # a fetcher became ready
            return
        self.dispatch.done(res.task)
        if res.fatal is not None or self.fatal is not None:
            # a WARC write failed (this task's or an earlier one): nothing more is indexed, the
            # task stays queued in the frontier and is fetched again when the crawl is resumed
            if self.fatal is None:
                self.fatal = res.fatal
            self.abandoned += 1
            return
        if res.lost:  # its fetcher process died: settled by _settle_lost
            self.dispatch.dispatched -= 1
            self.lost.append(res.task)
            return
        if res.refused:  # an SSRF refusal fetched nothing: not a page of the budget
            self.dispatch.dispatched -= 1
        pages = res.captures[res.extra_captures:]
        self.batch_caps.extend(res.captures)
        self.batch_fails.extend(res.failures)
        self.stats.pages += len(pages)
        self.stats.bytes += res.bytes
        self.stats.errors += len(res.failures)
        self.frontier.mark(res.task.url, "done" if pages else "failed")
        self._admit_links(res)
        self.batch_n += 1

    def _flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self.batch_n < BATCH_RESULTS and now - self.last_flush < BATCH_SECONDS:
            return
        from ..index.crawls import upsert_crawl

        write_batch(self.db, self.frontier, self.batch_caps, self.batch_fails)
        upsert_crawl(self.db, self.stats)
        self.batch_caps, self.batch_fails, self.batch_n = [], [], 0
        self.last_flush = now
        if self.progress is not None:
            self.progress(self.stats, self.dispatch.queued() + self.dispatch.outstanding)

    async def _settle_lost(self) -> None:
        """Tasks a dead fetcher process never answered: its ``.open`` file is recovered and
        indexed at once (the process is gone, so is its lock); a task whose capture (or fetch
        error) is in it is settled from that record, the others are queued again for the live
        fetchers. Nothing the dead fetcher wrote is fetched twice."""
        lost, self.lost = self.lost, []
        for f in self.fetchers:  # reaped: every file it had open is closed, its locks released
            if f.dead and getattr(f, "proc", None) is not None:
                await f.proc.wait()
        self._flush(force=True)  # the index first holds everything delivered so far
        recover_and_index(self.data_dir)
        from ..index.captures import url_totals
        from ..index.fetch_errors import has_fetch_error

        captured, failed, again = [], [], []
        for task in lost:
            n, size = url_totals(self.db, self.stats.id, task.url)
            if n:
                captured.append(task)
                self.stats.pages += 1
                self.stats.bytes += size
            elif has_fetch_error(self.db, self.stats.id, task.url):
                failed.append(task)
                self.frontier.mark(task.url, "failed")
                self.stats.errors += 1
            else:
                again.append(task)
                self.admission.queue(task, record=False)
        self._rediscover(captured)
        log.warning("a fetcher process died with %d task(s): %d found captured in its files, %d failed, "
                    "%d queued again", len(lost), len(captured), len(failed), len(again))

    def _rediscover(self, tasks: list[Task]) -> None:
        """Links of pages captured before a kill but not marked done: read from their WARC."""
        from ..index.captures import latest_in_crawl
        from ..content import ContentDecodeError
        from .stored import links_of, stored_response

        for task in tasks:
            cap = latest_in_crawl(self.db, self.stats.id, task.url)
            self.frontier.mark(task.url, "done")
            stored = stored_response(self.db, self.data_dir / "warcs", cap) if cap is not None else None
            if stored is None:
                continue
            try:
                self._admit_links(links_of(stored, task, requisites=self.src.requisites, link_text=self.link_text))
            except (ContentDecodeError, InputError, ValueError) as exc:
                log.warning("%s: links of its recovered capture not read (%s)", task.url, exc)

    # ---- the run
    def _pick_crawl(self) -> tuple[str, bool]:
        """(crawl id, resumed?): this source's unfinished crawl with the same seeds, if any."""
        from ..index.crawls import unfinished_crawls

        live = self.lock.others_running()
        if self.options.resume:
            for cid in unfinished_crawls(self.db, self.src.name, [u for u, _ in self.seeds]):
                if cid not in live:
                    return cid, True
        stamp = utcnow().strftime("%Y%m%d%H%M%S")
        return f"{self.src.name}-{stamp}-{secrets.token_hex(3)}", False

    def _engine_options(self, i: int, n: int) -> EngineOptions:
        src, s = self.src, self.config.settings
        prefix = self.prefix if n == 1 else f"{self.prefix}-f{i}"
        return EngineOptions(
            data_dir=str(self.data_dir), source=src.name, crawl_id=self.stats.id, prefix=prefix,
            user_agent=src.user_agent, timeout=src.timeout, deadline=src.deadline, max_body=src.max_body,
            retries=src.retries, max_retry_after=src.max_retry_after, respect_robots=src.respect_robots,
            per_host=src.per_host, delay=src.delay,
            concurrency=src.concurrency if self.dispatch.by_url else max(1, src.concurrency // n),
            override_politeness=bool(self.override), requisites=src.requisites,
            requisite_max_size=src.requisite_max_size, warc_max_size=s.warc_max_size,
            gzip_level=self.options.gzip_level if self.options.gzip_level is not None else s.warc_gzip_level,
            conditional_get=src.conditional_get, ca_bundle=src.ca_bundle or s.ca_bundle,
            link_text=self.link_text,
            info={"software": "syndication-archive", "source": src.name, "crawl_id": self.stats.id,
                  "rules": src.rules, "seeds": [u for u, _ in self.seeds], "user_agent": src.user_agent,
                  "robots": "obey" if src.respect_robots else "ignore",
                  "conditional-get": "on" if src.conditional_get else "off"},
        )

    async def run(self) -> CrawlStats:
        from ..index import open_db

        await self._spawn_fetchers()
        warcs = self.data_dir / "warcs"
        warcs.mkdir(parents=True, exist_ok=True)
        try:
            self.db = open_db(self.data_dir)
        except BaseException:
            for f in self.fetchers:
                await f.abort()
            raise
        self.lock = CrawlLock(warcs)
        try:
            if self.options.recover:
                recover_and_index(self.data_dir)
            self._begin()
            await self._fetch_all()
        finally:  # no-op for fetchers that finished; ends those never started
            await self._abort_fetchers()
            self.lock.release()
            self.db.conn.close()
        return self.stats

    async def _spawn_fetchers(self) -> None:
        from .worker import LocalFetcher, ProcessFetcher

        n = self.options.fetchers
        # auto: start with the fetcher in this process; add a fetcher process when this one is
        # CPU-bound (loopback, fast servers) and no per-host spacing needs a host in one process
        self.adaptive = n is None and bool(self.override) and self.src.delay == 0 and (os.cpu_count() or 1) >= 2
        n = max(1, n or 1)
        # fetcher 0 runs in this process (no start-up delay), the others in their own processes
        # the in-process fetcher asks this module's predicate (one source of truth for the guard)
        self.dispatch.fetchers[:] = [LocalFetcher(self.results.put_nowait, private=lambda url: _private_host(url))] + \
            [ProcessFetcher(self.results.put_nowait) for _ in range(n - 1)]
        for f in self.fetchers:
            await f.spawn()

    def _begin(self) -> None:
        """Pick (or resume) the crawl, write its row and the seeds' frontier rows."""
        from ..index.crawls import get_crawl, upsert_crawl

        crawl_id, resumed = self._pick_crawl()
        self.lock.acquire(crawl_id)
        row = get_crawl(self.db, crawl_id) if resumed else None
        self.stats = CrawlStats(id=crawl_id, source=self.src.name, started=row.started if row else iso(utcnow()),
                                rules=self.src.rules, seeds=[u for u, _ in self.seeds])
        self.frontier = self.admission.frontier = Frontier(self.db, self.src.name, crawl_id)
        if resumed:
            self._resume()
        for url, kind in self.seeds:
            if url not in self.admission.seen:
                self.admission.queue(Task(url=url, depth=0, kind=kind, expand=True))
        upsert_crawl(self.db, self.stats)  # first: a frontier never exists without its crawl row
        write_batch(self.db, self.frontier, [], [])

    def _resume(self) -> None:
        from ..index.captures import page_totals
        from ..index.fetch_errors import fetch_error_count

        state = self.frontier.load(expand=lambda u: in_scope(u, self.admission.scope))
        self.admission.seen = set(state.seen)
        self.stats.pages, self.stats.bytes = page_totals(self.db, self.stats.id)
        self.stats.errors = fetch_error_count(self.db, self.stats.id)
        for t in state.todo:
            self.admission.queue(t, record=False)
        self._rediscover(state.captured)
        self.dispatch.dispatched = self.stats.pages
        log.warning("resuming crawl %s: %d URLs known, %d to fetch, %d captured and %d failed before "
                    "the last batch was indexed", self.stats.id, len(state.seen), len(state.todo),
                    len(state.captured), len(state.failed))

    async def _maybe_add_fetcher(self, mark: tuple[float, float]) -> tuple[float, float]:
        """Start a fetcher process when this process was busy ≥ 85 % of the last second (a
        machine with a free core) and work is queued; URLs are then shared between the fetchers
        (the least busy takes one). ``ARCHIVE_HELPER_BUSY`` changes the threshold (measurement)."""
        from .worker import ProcessFetcher

        now, cpu = time.monotonic(), time.process_time()
        busy = (cpu - mark[1]) / max(now - mark[0], 1e-6)
        if busy >= float(os.environ.get("ARCHIVE_HELPER_BUSY", "0.85")) and self.dispatch.queued() >= 32:
            helper = ProcessFetcher(self.results.put_nowait)
            await helper.spawn()
            self.fetchers.append(helper)
            n = self.dispatch.n_fetchers
            await helper.start(self._engine_options(n - 1, n))
            log.info("CPU-bound (%.0f %% busy): a second fetcher process joins the crawl", busy * 100)
        return now, cpu

    async def _fetch_all(self) -> None:
        n = self.dispatch.n_fetchers
        finished = False
        try:
            for i, f in enumerate(self.fetchers):
                await f.start(self._engine_options(i, n))
            cpu_mark = (time.monotonic(), time.process_time())
            while True:
                if self.fatal is None:  # a WARC write failed: no new exchange is started
                    self.dispatch.pump()
                if self.dispatch.outstanding == 0 and not self.dispatch.waiting_for_fetchers():
                    break
                if self.adaptive and len(self.fetchers) < 2 and time.monotonic() - cpu_mark[0] >= 1.0:
                    cpu_mark = await self._maybe_add_fetcher(cpu_mark)
                try:
                    res = await asyncio.wait_for(self.results.get(), timeout=BATCH_SECONDS)
                except TimeoutError:
                    self._flush(force=True)
                    continue
                self._handle(res)
                while not self.results.empty():
                    self._handle(self.results.get_nowait())
                if self.fatal is not None:
                    raise self._stopped_by_warc_failure()
                if self.lost:
                    await self._settle_lost()
                self._flush()
            self.stats.finished = iso(utcnow())
            await asyncio.gather(*(f.finish(self.stats if i == 0 else None) for i, f in enumerate(self.fetchers)))
            finished = True
            self._flush(force=True)
            # every result is indexed: the files the fetchers closed need not be read again
            register_closed_files(self.db, [c for f in self.fetchers for c in f.closed_files])
        finally:
            if not finished:
                await self._abort_fetchers()
                while not self.results.empty():
                    self._handle(self.results.get_nowait())
                self.stats.finished = None
                if self.fatal is None:
                    self._flush(force=True)
                else:  # what was delivered before the failure is indexed, if the disk allows
                    try:
                        self._flush(force=True)
                    except (sqlite3.Error, OSError) as exc:
                        log.warning("the index was not updated either (%s): the next start indexes "
                                    "the WARC files", exc)

    async def _abort_fetchers(self) -> None:
        """End every fetcher. After a failed WARC write, closing another fetcher's file may fail
        on the same full disk: that is logged (recovery cuts the file back on the next start),
        the first error is the one the crawl raises."""
        for f in self.fetchers:
            if self.fatal is None:
                await f.abort()
                continue
            try:
                await f.abort()
            except (ArchiveError, OSError) as exc:
                log.warning("%s", exc)

    def _stopped_by_warc_failure(self) -> WarcError:
        assert self.fatal is not None
        return stopped_by_warc_failure(self.fatal, self.abandoned - 1 + self.dispatch.outstanding)


async def crawl_async(config: Config, data_dir: Path, *, source: str | None = None, seeds: Sequence[str] = (),
                      options: CrawlOptions | None = None, progress: Progress | None = None,
                      warc_prefix: str | None = None) -> CrawlStats:
    """Crawl one source (or seed URLs) into WARC files under ``DATA/warcs`` and the index."""
    options = options or CrawlOptions()
    src, seed_list = resolve_source(config, source, seeds, options)
    if options.override_politeness is None and (options.per_host is not None or options.delay is not None):
        log.warning("politeness overridden for this crawl: per_host %s, delay %s "
                    "(source settings and robots.txt Crawl-delay ignored)", options.per_host, options.delay)
    crawl = Crawl(config, Path(data_dir), src, seed_list, options, progress, warc_prefix)
    return await crawl.run()


def crawl(config: Config, data_dir: Path, *, source: str | None = None, seeds: Sequence[str] = (),
          options: CrawlOptions | None = None, progress: Progress | None = None,
          warc_prefix: str | None = None) -> CrawlStats:
    """Synchronous :func:`crawl_async` (its own event loop; uvloop when installed)."""
    return run_loop(crawl_async(config, data_dir, source=source, seeds=seeds, options=options,
                                progress=progress, warc_prefix=warc_prefix))
