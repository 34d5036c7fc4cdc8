"""Crawl orchestration: scope, depth, the frontier, fetchers, batching into the index.

The crawl process owns the database (one writer): it admits URLs (canonical, de-duplicated,
in scope, within depth), hands them to fetchers (hosts sharded over them), and indexes each
batch of results in one transaction — after the fetchers flushed the WARC records.
"""
from __future__ import annotations

import asyncio
import collections
import fcntl
import json
import logging
import os
import secrets
import sqlite3
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from ..attribution import PublisherHosts
from ..config import Config, Source
from ..errors import ArchiveError, ConfigError, InputError, WarcError
from ..model import Capture, CrawlStats, FetchFailure, iso, utcnow
from ..urls import canonicalize, check_http_url, host_of
from .engine import EngineOptions, Result, Task
from .frontier import Frontier, write_batch
from .originals import pick_originals
from .ssrf import address_url
from .ssrf import private_host as _private_host  # the guard's predicate (tests see one address as public)

log = logging.getLogger("archive.fetch")

Progress = Callable[[CrawlStats, int], None]
BATCH_RESULTS = 500
BATCH_SECONDS = 1.0


@dataclass
class CrawlOptions:
    """Overrides of a source's settings for one crawl (``None``: the source's own value)."""

    depth: int | None = None
    max_pages: int | None = None
    follow_original: bool | None = None
    concurrency: int | None = None
    per_host: int | None = None
    delay: float | None = None
    rules: str | None = None
    override_politeness: bool | None = None  # None: True when per_host or delay is given
    fetchers: int | None = None  # None: one, plus a process when CPU-bound and overridden to no delay
    respect_robots: bool | None = None
    gzip_level: int | None = None
    max_body: int | None = None
    timeout: float | None = None
    deadline: float | None = None
    conditional_get: bool | None = None
    recover: bool = True  # recover .open WARC files of killed crawls first
    resume: bool = True  # continue this source's unfinished crawl instead of starting anew


# ---------------------------------------------------------------------------- scope

def _scope_entries(source: Source) -> list[str]:
    entries = []
    for s in source.scope:
        s = s.strip().lower()
        if "://" in s:
            s = s.split("://", 1)[1]
        if s:
            entries.append(s)
    if not entries:
        entries = sorted({host_of(u) for u in source.seeds})
    return entries


def in_scope(url: str, entries: Sequence[str]) -> bool:
    parts = urlsplit(url)
    host = host_of(url)
    key = host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lkey = key.lower()
    for e in entries:
        if "/" in e:
            if lkey.startswith(e):
                return True
        elif host == e:
            return True
    return False


# ---------------------------------------------------------------------------- sources

def resolve_source(config: Config, source: str | None, seeds: Sequence[str],
                   options: CrawlOptions) -> tuple[Source, list[tuple[str, str]]]:
    """The source to crawl (a synthetic one for ``--seed``) and its seed (url, kind) list."""
    if source and seeds:
        raise InputError("give --source or --seed, not both")
    if not source and not seeds:
        raise InputError("nothing to crawl: give --source NAME or --seed URL")
    if source:
        src = config.source(source)
    else:
        urls = [check_http_url(s) for s in seeds]
        for u in urls:
            canonicalize(u)
        rules = options.rules
        if rules is not None and rules not in config.rules:
            raise ConfigError(f"no rules block named {rules!r} (known: {', '.join(sorted(config.rules)) or 'none'})",
                              path=str(config.path), field="--rules")
        src = Source(name="seed", start=tuple(urls), scope=tuple(sorted({host_of(u) for u in urls})),
                     rules=rules, ssrf_guard=False)
    if options.rules is not None and source:
        if options.rules not in config.rules:
            raise ConfigError(f"no rules block named {options.rules!r} (known: {', '.join(sorted(config.rules)) or 'none'})",
                              path=str(config.path), field="--rules")
        src = replace(src, rules=options.rules)
    changes: dict[str, Any] = {}
    for name in ("depth", "max_pages", "follow_original", "concurrency", "per_host", "delay",
                 "respect_robots", "max_body", "timeout", "deadline", "conditional_get"):
        value = getattr(options, name)
        if value is not None:
            changes[name] = value
    if changes.get("depth", 0) < 0 or changes.get("concurrency", 1) < 1 or changes.get("per_host", 1) < 1 \
            or changes.get("delay", 0) < 0 or (changes.get("max_pages") or 1) < 1:
        raise InputError(f"bad crawl option in {changes}")
    if not source and options.concurrency is None and options.per_host is not None:
        # a seed crawl has no configured total: let every seed host have its --per-host connections
        changes["concurrency"] = max(src.concurrency, options.per_host * len(src.scope))
    src = replace(src, **changes)
    seed_list = [(canonicalize(u), "seed") for u in src.start] + [(canonicalize(u), "feed") for u in src.feeds] + \
        [(canonicalize(u), "sitemap") for u in src.sitemaps]
    return src, seed_list


# ---------------------------------------------------------------------------- crash safety

class CrawlLock:
    """``warcs/.crawls/CRAWL_ID.lock`` held (flock) while a crawl runs: recovery touches
    ``.open`` files only when no other crawl is running, and a live crawl is never resumed."""

    def __init__(self, warcs: Path) -> None:
        self.dir = warcs / ".crawls"
        self.fh: Any = None

    def others_running(self) -> set[str]:
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
    from ..warc.recovery import recover_open_files
    from ..warc.reindex import index_new_files

    recovered = [r.path for r in recover_open_files(warcs) if r.path is not None]
    stats = index_new_files(data_dir, recover=False)
    if recovered or stats.files:
        log.warning("recovered %d .open WARC file(s) of a killed crawl; indexed %d unregistered file(s): "
                    "%d captures, %d failures", len(recovered), stats.files, stats.captures, stats.failures)
    return recovered


def register_files(db: Any, closed: Sequence[Any]) -> None:
    """Record WARC files a crawl closed, all of whose captures are indexed, in ``warc_files``
    (so the next start does not read them again). ``closed``: ``writer.ClosedFile`` items."""
    if not closed:
        return
    from ..warc.reindex import ensure_schema

    ensure_schema(db)
    now = iso(utcnow())
    with db.conn:
        db.conn.executemany(
            "INSERT OR REPLACE INTO warc_files (name, size, records, captures, failures, problem, indexed) "
            "VALUES (?, ?, ?, ?, ?, NULL, ?)",
            [(c.name, c.size, c.records, c.captures, c.failures, now) for c in closed])


# ---------------------------------------------------------------------------- the crawl

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
        self.scope = _scope_entries(source)
        self.requisite_hosts = {h.lower() for h in source.requisite_hosts}
        self.publisher_hosts = PublisherHosts.from_config(config)  # evidence of an original
        self.override = options.override_politeness
        if self.override is None:
            self.override = options.per_host is not None or options.delay is not None
        self.pending: dict[str, collections.deque[Task]] = {}
        self.hosts_rr: collections.deque[str] = collections.deque()
        self.out_host: collections.Counter[str] = collections.Counter()
        self.outstanding = 0
        self.dispatched = 0
        self.seen: set[str] = set()
        self.waiting: dict[str, Task] = {}  # admitted, not yet handed to a fetcher
        self.host_shard: dict[str, int] = {}
        self.out_fetcher: collections.Counter[int] = collections.Counter()
        self.assigned: dict[str, int] = {}
        self.n_fetchers = 1
        self.fetchers: list[Any] = []
        self.results: asyncio.Queue[Result | None] = asyncio.Queue()
        self.batch_caps: list[Capture] = []
        self.batch_fails: list[FetchFailure] = []
        self.batch_n = 0
        self.last_flush = time.monotonic()
        self.lost: list[Task] = []  # tasks of a fetcher process that died before answering
        self.fatal: tuple[str, int | None, str] | None = None  # a fetcher's WARC write failed
        self.abandoned = 0  # results not indexed since (their exchanges are fetched on resume)

    # ---- admission
    def _queue(self, task: Task, *, record: bool = True) -> None:
        self.seen.add(task.url)
        self.waiting[task.url] = task
        if record:
            self.frontier.add(task)
        host = host_of(task.url)
        q = self.pending.get(host)
        if q is None:
            q = self.pending[host] = collections.deque()
        if not q:
            self.hosts_rr.append(host)
        q.append(task)

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
        t = res.task
        src = self.src
        # links of a public page are guarded: their hosts and addresses are checked by the
        # fetcher before and while connecting, and a refusal is recorded (error kind "ssrf")
        guard = src.ssrf_guard and self._public_page(res)
        if res.redirect:
            url = res.redirect  # the guard also holds for a public page redirecting elsewhere
            if url not in self.seen:
                expand = t.expand and in_scope(url, self.scope)
                self._queue(Task(url=url, depth=t.depth, kind="redirect", via=t.url, expand=expand,
                                 chain=t.chain + (t.url,), guard=guard))
        if not t.expand and t.kind not in ("requisite", "original"):  # an original: its requisites
            return
        page_host = host_of(t.url)
        originals = pick_originals(t.url, res.links, self.publisher_hosts) \
            if src.follow_original and t.expand else set()
        for url, kind in res.links:
            if url in self.seen:
                queued = self.waiting.get(url)
                if queued is not None and queued.depth > t.depth + 1 and kind != "requisite" and t.expand:
                    queued.depth = t.depth + 1  # found again on a shorter path before it was fetched
                continue
            if kind == "requisite":
                if not src.requisites:
                    continue
                h = host_of(url)
                if h == page_host or h in self.requisite_hosts or in_scope(url, self.scope):
                    self._queue(Task(url=url, depth=t.depth, kind="requisite", via=t.url, expand=False,
                                     guard=guard))
                continue
            if not t.expand:  # a stylesheet's own links: requisites only
                continue
            depth = t.depth if kind == "sitemap" and t.kind == "sitemap" else t.depth + 1
            if depth > src.depth:
                continue
            task_kind = kind if kind in ("feed", "sitemap") else "page"
            if in_scope(url, self.scope):
                self._queue(Task(url=url, depth=depth, kind=task_kind, via=t.url, expand=True, guard=guard))
            elif url in originals:
                # a link the in-scope page names as its original (archive/fetch/originals.py): one hop
                self._queue(Task(url=url, depth=depth, kind="original", via=t.url, expand=False,
                                 guard=guard))

    # ---- dispatch
    @property
    def _by_url(self) -> bool:
        """Shard URLs (not hosts) over fetchers: only when politeness is overridden with no
        delay, so no per-host spacing has to live in one process; each fetcher then gets an
        equal share of the per-host connections."""
        return self.n_fetchers > 1 and bool(self.override) and self.src.delay == 0

    def _shard(self, task: Task, host: str) -> int | None:
        """The fetcher for ``task``; None when every fetcher that may take it is busy."""
        n = self.n_fetchers
        if n == 1:
            return 0
        if self._by_url:  # the least busy fetcher that is ready
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

    def _pump(self) -> None:
        if self._by_url:  # fetchers share a host: the limits hold here, exactly
            host_limit = max(self.src.per_host, 1)
            total_limit = max(self.src.concurrency, 1)
        else:  # a host lives in one fetcher, whose politeness holds the limits: keep it fed
            host_limit = max(self.src.per_host, 1) * 2 + 2
            total_limit = max(self.src.concurrency, 1) * 2 * len(self.fetchers)
        budget = self.src.max_pages
        if self.fatal is not None:  # a WARC write failed: no new exchange is started
            return
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
            shard = self._shard(q[0], host)
            if shard is None:
                return
            task = q.popleft()
            self.waiting.pop(task.url, None)
            self.out_host[host] += 1
            self.out_fetcher[shard] += 1
            self.assigned[task.url] = shard
            self.outstanding += 1
            self.dispatched += 1
            self.fetchers[shard].submit(task)
            if not q:
                self.hosts_rr.popleft()
                rotations = len(self.hosts_rr)
            else:
                self.hosts_rr.rotate(-1)

    def _queued(self) -> int:
        return sum(len(q) for q in self.pending.values())

    def _handle(self, res: Result | None) -> None:
        if res is None:  # a fetcher became ready
            return
        host = host_of(res.task.url)
        self.out_host[host] -= 1
        self.out_fetcher[self.assigned.pop(res.task.url, 0)] -= 1
        self.outstanding -= 1
        if res.fatal is not None or self.fatal is not None:
            # a WARC write failed (this task's or an earlier one): nothing more is indexed, the
            # task stays queued in the frontier and is fetched again when the crawl is resumed
            if self.fatal is None:
                self.fatal = res.fatal
            self.abandoned += 1
            return
        if res.lost:  # its fetcher process died: settled by _settle_lost
            self.dispatched -= 1
            self.lost.append(res.task)
            return
        if res.refused:  # an SSRF refusal fetched nothing: not a page of the budget
            self.dispatched -= 1
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
        from ..index.captures import upsert_crawl

        write_batch(self.db, self.frontier, self.batch_caps, self.batch_fails)
        upsert_crawl(self.db, self.stats)
        self.batch_caps, self.batch_fails, self.batch_n = [], [], 0
        self.last_flush = now
        if self.progress is not None:
            self.progress(self.stats, self._queued() + self.outstanding)

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
        conn = self.db.conn
        captured, failed, again = [], [], []
        for task in lost:
            row = conn.execute("SELECT count(*), coalesce(sum(content_length), 0) FROM captures "
                               "WHERE crawl_id = ? AND url = ?", (self.stats.id, task.url)).fetchone()
            if row[0]:
                captured.append(task)
                self.stats.pages += 1
                self.stats.bytes += row[1]
            elif conn.execute("SELECT 1 FROM fetch_errors WHERE crawl_id = ? AND url = ? LIMIT 1",
                              (self.stats.id, task.url)).fetchone():
                failed.append(task)
                self.frontier.mark(task.url, "failed")
                self.stats.errors += 1
            else:
                again.append(task)
                self._queue(task, record=False)
        self._rediscover(captured)
        log.warning("a fetcher process died with %d task(s): %d found captured in its files, %d failed, "
                    "%d queued again", len(lost), len(captured), len(failed), len(again))

    def _pick_crawl(self) -> tuple[str, bool]:
        """(crawl id, resumed?): this source's unfinished crawl with the same seeds, if any."""
        live = self.lock.others_running()
        if self.options.resume:
            seeds_json = json.dumps([u for u, _ in self.seeds])
            for (cid,) in self.db.conn.execute(
                    "SELECT id FROM crawls WHERE source = ? AND finished IS NULL AND seeds = ? "
                    "ORDER BY started DESC", (self.src.name, seeds_json)):
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
            concurrency=src.concurrency if self._by_url else max(1, src.concurrency // n),
            override_politeness=bool(self.override), requisites=src.requisites,
            requisite_max_size=src.requisite_max_size, warc_max_size=s.warc_max_size,
            gzip_level=self.options.gzip_level if self.options.gzip_level is not None else s.warc_gzip_level,
            conditional_get=src.conditional_get, ca_bundle=src.ca_bundle or s.ca_bundle,
            link_text=self._link_text(),
            info={"software": "syndication-archive", "source": src.name, "crawl_id": self.stats.id,
                  "rules": src.rules, "seeds": [u for u, _ in self.seeds], "user_agent": src.user_agent,
                  "robots": "obey" if src.respect_robots else "ignore",
                  "conditional-get": "on" if src.conditional_get else "off"},
        )

    def _link_text(self) -> str | None:
        """The source's rules block's own ``link_text`` (None: the default; checked at load)."""
        return self.config.link_text(self.src.rules)

    def _rediscover(self, tasks: list[Task]) -> None:
        """Links of pages captured before a kill but not marked done: read from their WARC."""
        if not tasks:
            return
        from .discover import DecodeError, discover

        warcs = self.data_dir / "warcs"
        for task in tasks:
            row = self.db.conn.execute(
                "SELECT warc_file, warc_offset, status, mime FROM captures WHERE crawl_id = ? AND url = ? "
                "ORDER BY timestamp DESC LIMIT 1", (self.stats.id, task.url)).fetchone()
            self.frontier.mark(task.url, "done")
            if row is None:
                continue
            try:
                from warcio.archiveiterator import ArchiveIterator

                with (warcs / row[0]).open("rb") as fh:
                    fh.seek(row[1])
                    rec = next(iter(ArchiveIterator(fh)))
                    if rec.rec_type != "response" or rec.http_headers is None:
                        continue
                    status = int(rec.http_headers.get_statuscode() or 0)
                    body = rec.content_stream().read()
                    res = Result(task, status=status)
                    loc = rec.http_headers.get_header("Location")
                    if 300 <= status < 400 and loc:
                        from urllib.parse import urljoin

                        res.redirect = canonicalize(urljoin(task.url, loc))
                    elif 200 <= status < 300 and (task.expand or (
                            task.kind in ("requisite", "original") and self.src.requisites)):
                        links = discover(body, task.url, rec.http_headers.get_header("Content-Type"), None,
                                         requisites=self.src.requisites, link_text=self._link_text())
                        res.links = []
                        for link in links:
                            try:
                                res.links.append((canonicalize(link.url), link.kind))
                            except InputError:
                                continue
                    self._admit_links(res)
            except (OSError, StopIteration, DecodeError, InputError, ValueError) as exc:
                log.warning("%s: links of its recovered capture not read (%s)", task.url, exc)

    async def run(self) -> CrawlStats:
        from ..index import open_db

        from .worker import LocalFetcher, ProcessFetcher

        n = self.options.fetchers
        # auto: start with the fetcher in this process; add a fetcher process when this one is
        # CPU-bound (loopback, fast servers) and no per-host spacing needs a host in one process
        self.adaptive = n is None and bool(self.override) and self.src.delay == 0 and (os.cpu_count() or 1) >= 2
        self.n_fetchers = n = max(1, n or 1)
        # fetcher 0 runs in this process (no start-up delay), the others in their own processes
        # the in-process fetcher asks this module's predicate (one source of truth for the guard)
        self.fetchers = [LocalFetcher(self.results.put_nowait, private=lambda url: _private_host(url))] + \
            [ProcessFetcher(self.results.put_nowait) for _ in range(n - 1)]
        for f in self.fetchers:
            await f.spawn()
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
            crawl_id, resumed = self._pick_crawl()
            self.lock.acquire(crawl_id)
            started = iso(utcnow())
            if resumed:
                row = self.db.conn.execute("SELECT started, pages, bytes, errors FROM crawls WHERE id = ?",
                                           (crawl_id,)).fetchone()
                started = row[0]
            self.stats = CrawlStats(id=crawl_id, source=self.src.name, started=started, rules=self.src.rules,
                                    seeds=[u for u, _ in self.seeds])
            self.frontier = Frontier(self.db, self.src.name, crawl_id)
            if resumed:
                state = self.frontier.load(expand=lambda u: in_scope(u, self.scope))
                seen, todo, captured = state.seen, state.todo, state.captured
                self.seen = set(seen)
                c = self.db.conn.execute(
                    "SELECT count(*), coalesce(sum(content_length), 0) FROM captures WHERE crawl_id = ? "
                    "AND url NOT LIKE '%/robots.txt'", (crawl_id,)).fetchone()  # robots.txt is no page
                self.stats.pages = c[0]
                self.stats.bytes = c[1]
                self.stats.errors = self.db.conn.execute(
                    "SELECT count(*) FROM fetch_errors WHERE crawl_id = ?", (crawl_id,)).fetchone()[0]
                for t in todo:
                    self._queue(t, record=False)
                self._rediscover(captured)
                self.dispatched = self.stats.pages
                log.warning("resuming crawl %s: %d URLs known, %d to fetch, %d captured and %d failed before "
                            "the last batch was indexed", crawl_id, len(seen), len(todo), len(captured),
                            len(state.failed))
            for url, kind in self.seeds:
                if url not in self.seen:
                    self._queue(Task(url=url, depth=0, kind=kind, expand=True))
            from ..index.captures import upsert_crawl

            upsert_crawl(self.db, self.stats)  # first: a frontier never exists without its crawl row
            write_batch(self.db, self.frontier, [], [])
            await self._fetch_all()
        finally:  # no-op for fetchers that finished; ends those never started
            await self._abort_fetchers()
            self.lock.release()
            self.db.conn.close()
        return self.stats

    async def _maybe_add_fetcher(self, mark: tuple[float, float]) -> tuple[float, float]:
        """Start a fetcher process when this process was busy ≥ 85 % of the last second (a
        machine with a free core) and work is queued; URLs are then shared between the fetchers
        (the least busy takes one). ``ARCHIVE_HELPER_BUSY`` changes the threshold (measurement)."""
        from .worker import ProcessFetcher

        now, cpu = time.monotonic(), time.process_time()
        busy = (cpu - mark[1]) / max(now - mark[0], 1e-6)
        if busy >= float(os.environ.get("ARCHIVE_HELPER_BUSY", "0.85")) and self._queued() >= 32:
            helper = ProcessFetcher(self.results.put_nowait)
            await helper.spawn()
            self.fetchers.append(helper)
            self.n_fetchers = len(self.fetchers)
            await helper.start(self._engine_options(self.n_fetchers - 1, self.n_fetchers))
            log.info("CPU-bound (%.0f %% busy): a second fetcher process joins the crawl", busy * 100)
        return now, cpu

    def _waiting_for_fetchers(self) -> bool:
        """Work is queued but no fetcher may take it yet (process fetchers still starting)."""
        if not self.hosts_rr or (self.src.max_pages is not None and self.dispatched >= self.src.max_pages):
            return False
        return not all(f.ready or f.dead for f in self.fetchers)

    async def _fetch_all(self) -> None:
        n = self.n_fetchers
        finished = False
        try:
            for i, f in enumerate(self.fetchers):
                await f.start(self._engine_options(i, n))
            cpu_mark = (time.monotonic(), time.process_time())
            while True:
                self._pump()
                if self.outstanding == 0 and not self._waiting_for_fetchers():
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
            register_files(self.db, [c for f in self.fetchers for c in f.closed_files])
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
        """The error a crawl stops with when a fetcher could not write its WARC file."""
        assert self.fatal is not None
        path, offset, message = self.fatal
        if path.endswith(".open") and not os.path.exists(path) and os.path.exists(path[: -len(".open")]):
            path = path[: -len(".open")]  # the writer cut it back and closed it
        in_flight = self.abandoned - 1 + self.outstanding
        return WarcError(path, offset, f"{message}; the crawl stopped ({in_flight} exchange(s) in flight "
                                       "abandoned, not indexed): free space, then run the same crawl "
                                       "again to resume it")


async def crawl_async(config: Config, data_dir: Path, *, source: str | None = None, seeds: Sequence[str] = (),
                      options: CrawlOptions | None = None, progress: Progress | None = None,
                      warc_prefix: str | None = None) -> CrawlStats:
    """Crawl one source (or seed URLs) into WARC files under ``DATA/warcs`` and the index."""
    options = options or CrawlOptions()
    src, seed_list = resolve_source(config, source, seeds, options)
    if options.override_politeness is None and (options.per_host is not None or options.delay is not None):
        log.warning("politeness overridden from the command line: --per-host %s --delay %s "
                    "(source settings and robots.txt Crawl-delay ignored)", options.per_host, options.delay)
    crawl = Crawl(config, Path(data_dir), src, seed_list, options, progress, warc_prefix)
    return await crawl.run()


def crawl(config: Config, data_dir: Path, *, source: str | None = None, seeds: Sequence[str] = (),
          options: CrawlOptions | None = None, progress: Progress | None = None,
          warc_prefix: str | None = None) -> CrawlStats:
    """Synchronous :func:`crawl_async` (its own event loop; uvloop when installed)."""
    return run_loop(crawl_async(config, data_dir, source=source, seeds=seeds, options=options,
                                progress=progress, warc_prefix=warc_prefix))


def run_loop(coro: Any) -> Any:
    """``asyncio.run`` on uvloop's event loop when it is installed (a faster loop and sockets:
    the crawl is CPU-bound on loopback), else on asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
