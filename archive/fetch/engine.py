"""The fetch engine: robots, politeness, retries, WARC writing and link discovery for one task.

One engine runs in each fetcher process (or in the crawl's own process). It owns an
``httpx.AsyncClient``, a :class:`~archive.fetch.politeness.Politeness`, the robots.txt cache of
its hosts and one :class:`archive.warc.writer.WarcWriter` (its own file prefix). It never writes
the database: results go back to the crawler, which indexes them after the records are flushed.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin

from ..content import ContentDecodeError, decode_bytes
from ..errors import FetchError, InputError, WarcError
from ..model import Capture, Exchange, FetchFailure, iso, utcnow
from ..urls import canonicalize, host_of
from .client import ClientPool, Conditional, fetch_exchange, retry_after
from .discover import discover
from .politeness import Politeness
from .robots import MAX_ROBOTS_BYTES, Robots, policy_for_status, robots_url
from .tasks import EngineOptions, Result, Task, fatal_of

__all__ = ["Engine", "EngineOptions", "Result", "Task", "fatal_of"]

log = logging.getLogger("archive.fetch")

ROBOTS_RETRY_SECONDS = 60.0
MAX_ROBOTS_REDIRECTS = 5
MAX_REDIRECTS = 10


def _prev_lookup(conn: sqlite3.Connection | None, url: str) -> Capture | None:
    """The URL's last capture that carries a payload (a 304 carries none)."""
    if conn is None:
        return None
    from ..index.captures import previous_capture

    try:
        return previous_capture(conn, url)
    except sqlite3.Error:
        return None


def _previous_capture(prev: Capture | None) -> Any:
    if prev is None:
        return None
    from ..warc.writer import PreviousCapture

    return PreviousCapture.from_capture(prev)


class Engine:
    def __init__(self, opts: EngineOptions, private: Callable[[str], bool] | None = None) -> None:
        from .ssrf import Guard

        self.opts = opts
        self.guard = Guard(private)  # for guarded tasks: checks before and while connecting
        self.politeness = Politeness(per_host=opts.per_host, delay=opts.delay,
                                     concurrency=opts.concurrency, override=opts.override_politeness)
        self._robots: dict[str, tuple[Robots, float]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self.clients: dict[tuple[str, bool], ClientPool] = {}  # per host (and guard): no connection churn
        self.writer: Any = None
        self.closed_files: list[Any] = []  # the writer's ClosedFile list, once closed
        self.db: sqlite3.Connection | None = None
        self.extra: list[Capture] = []  # robots captures, handed to the next result
        self._canon: dict[str, str | None] = {}  # absolute link -> canonical form (bounded)
        # the first failed WARC write (disk full, file too large …): the writer has cut the file
        # back to its last complete record and closed it; from then on nothing is written (no new
        # file is opened) and every task ends at once with this error
        self.broken: WarcError | None = None

    async def start(self) -> None:
        from ..index import connect, db_path
        from ..warc.writer import WarcWriter

        warcs = Path(self.opts.data_dir) / "warcs"
        warcs.mkdir(parents=True, exist_ok=True)
        self.writer = WarcWriter(warcs, self.opts.prefix, source=self.opts.source, crawl_id=self.opts.crawl_id,
                                 max_size=self.opts.warc_max_size, gzip_level=self.opts.gzip_level,
                                 info=self.opts.info)
        path = db_path(Path(self.opts.data_dir))
        self.db = connect(path, readonly=True) if path.exists() else None

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        self.clients = {}
        if self.writer is not None:
            writer, self.writer = self.writer, None
            try:
                writer.close()
            finally:
                self.closed_files = list(writer.closed)
        if self.db is not None:
            self.db.close()
            self.db = None

    def pool_for(self, url: str, guard: bool = False) -> ClientPool:
        """The clients of this URL's scheme and host (an http pool never makes TLS connections:
        redirects are followed by the crawler, not by httpx); ``guard``: clients whose
        connections go only to checked public addresses (a guarded task's)."""
        https = url.startswith("https:")
        key = (("https://" if https else "http://") + host_of(url), guard)
        pool = self.clients.get(key)
        if pool is None:
            pool = self.clients[key] = ClientPool(user_agent=self.opts.user_agent, timeout=self.opts.timeout,
                                                  tls=https, guard=self.guard if guard else None,
                                                  ca_bundle=self.opts.ca_bundle)
        return pool

    # ------------------------------------------------------------------ robots
    async def robots_for(self, url: str, guard: bool = False) -> Robots:
        host = host_of(url)
        cached = self._robots.get(host)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        lock = self._robots_locks.setdefault(host, asyncio.Lock())
        async with lock:
            cached = self._robots.get(host)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            robots, ttl = await self._fetch_robots(url, guard)
            self._robots[host] = (robots, time.monotonic() + ttl)
            self.politeness.set_robots_delay(host, robots.crawl_delay(self.opts.user_agent))
            return robots

    async def _fetch_robots(self, url: str, guard: bool = False) -> tuple[Robots, float]:
        target = robots_url(url)
        host = host_of(url)
        for _ in range(MAX_ROBOTS_REDIRECTS + 1):
            try:
                async with self.politeness.slot(host_of(target)):
                    with self.pool_for(target, guard).lend() as client:
                        ex = await fetch_exchange(client, target, max_body=MAX_ROBOTS_BYTES,
                                                  deadline=self.opts.deadline)
            except FetchError as exc:
                log.warning("%s: robots.txt unavailable (%s): no page of this host is fetched for %g s",
                            host, exc.kind, ROBOTS_RETRY_SECONDS)
                blocked = Robots.disallow_all()
                blocked.reason = (exc.kind, f"robots.txt: {exc.detail}")
                return blocked, ROBOTS_RETRY_SECONDS
            self._write_extra(ex)
            loc = ex.header("location")
            if 300 <= ex.status < 400 and loc:
                try:
                    target = canonicalize(urljoin(target, loc))
                except InputError:
                    return Robots.allow_all(), 3600.0
                continue
            robots = policy_for_status(ex.status, ex.body if not ex.header("content-encoding") else
                                       _decoded(ex))
            if ex.status >= 500:
                log.warning("%s: robots.txt answered %d: treated as disallow-all for %g s",
                            host, ex.status, ROBOTS_RETRY_SECONDS)
                robots.reason = ("robots", f"robots.txt answered {ex.status}: host treated as disallowed")
                return robots, ROBOTS_RETRY_SECONDS
            return robots, 3600.0
        return Robots.allow_all(), 3600.0

    def _warc(self) -> Any:
        """The WARC writer, unless a write already failed (then that error again: a full disk
        must not make every later task open a new file)."""
        if self.broken is not None:
            raise self.broken
        return self.writer

    def _write_extra(self, ex: Exchange) -> None:
        prev = _prev_lookup(self.db, ex.url)
        cap = self._warc().write_exchange(ex, _previous_capture(prev))
        self.extra.append(cap)

    def _stored(self, prev: Capture) -> tuple[bytes, str | None, str | None] | None:
        """(payload as stored, Content-Type, Content-Encoding) of a previous capture; a revisit's
        payload is its original's."""
        from .stored import stored_response

        stored = stored_response(self.db, Path(self.opts.data_dir) / "warcs", prev)
        return (stored.payload, stored.content_type, stored.content_encoding) if stored else None

    def _conditional(self, prev: Capture | None) -> Conditional | None:
        """The validators to send for a URL last captured as ``prev``, if the source asks for
        conditional GETs (``conditional_get = true``). Off by default: an unchanged page is then
        fetched in full and stored as an identical-payload-digest revisit, which every replay tool
        shows as the page (pywb 2.10 replays a stored 304 as an empty 304, whatever its record
        type); on, a 304 saves the body's bandwidth and is stored as a server-not-modified
        revisit, which this archive's replay and snapshots resolve and pywb does not."""
        if not self.opts.conditional_get or prev is None or prev.status != 200:
            return None
        if not (prev.etag or prev.last_modified):
            return None
        return Conditional(prev.etag, prev.last_modified)

    # ------------------------------------------------------------------ one task
    def _failure(self, url: str, kind: str, detail: str = "") -> FetchFailure:
        f = FetchFailure(crawl_id=self.opts.crawl_id, url=url, timestamp=iso(utcnow()), error=kind, detail=detail)
        self._warc().write_failure(f)
        return f

    async def run(self, task: Task) -> Result:
        """Fetch one task. After a failed WARC write (now or before) the result carries
        ``fatal`` and nothing else: the records written for it are not to be indexed."""
        if self.broken is not None:
            return Result(task, fatal=fatal_of(self.broken))
        try:
            res = await self._run(task)
        except WarcError as exc:
            if self.broken is None:
                self.broken = exc
                log.debug("%s: WARC write failed, this fetcher stops: %s", task.url, exc)
            self.extra = []
            return Result(task, fatal=fatal_of(self.broken))
        if self.extra:
            res.extra_captures = len(self.extra)
            res.captures = self.extra + res.captures
            self.extra = []
        return res

    async def _run(self, task: Task) -> Result:
        res = Result(task)
        if await self._refused(task, res):
            return res
        prev = _prev_lookup(self.db, task.url)
        fetched = await self._fetch(task, res, prev)
        if fetched is None:
            return res
        ex, attempt, refused_wait = fetched
        res.captures.append(self._warc().write_exchange(ex, _previous_capture(prev)))
        res.status = ex.status
        res.bytes = len(ex.body)
        self._note_failures(res, ex, attempt, refused_wait)
        loc = ex.header("location")
        if 300 <= ex.status < 400 and loc:
            self._redirect(res, loc)
        elif (task.expand or (task.kind in ("requisite", "original") and self.opts.requisites)) and (
                200 <= ex.status < 300 or (ex.status == 304 and prev is not None)):
            if ex.status == 304:  # not modified: the links are those of the stored payload
                stored = self._stored(prev) if prev is not None else None
                body, ctype, cenc = stored if stored else (b"", None, None)
            else:
                body, ctype, cenc = ex.body, ex.header("content-type"), ex.header("content-encoding")
            res.links = self._links(task.url, body, ctype, cenc)
        return res

    async def _refused(self, task: Task, res: Result) -> bool:
        """True (with the failure in ``res``) when the SSRF guard or robots.txt refuses the URL."""
        url = task.url
        if task.guard:
            why = await self.guard.check(url)
            if why is not None:
                res.refused = True
                res.failures.append(self._failure(url, "ssrf", f"refused by the SSRF guard: {why}"
                                                  f"{f' (linked from {task.via})' if task.via else ''}"))
                return True
        if self.opts.respect_robots:
            robots = await self.robots_for(url, task.guard)
            if not robots.allowed(url, self.opts.user_agent):
                kind, detail = robots.reason or ("robots", "disallowed by robots.txt")
                res.refused = kind == "ssrf"
                res.failures.append(self._failure(url, kind, detail))
                return True
        return False

    async def _fetch(self, task: Task, res: Result,
                     prev: Capture | None) -> tuple[Exchange, int, float | None] | None:
        """The exchange, after retries of connection failures, timeouts, 429 and 503 (waiting
        Retry-After up to ``max_retry_after``): (exchange, retries, a Retry-After not waited for);
        None, with the failure in ``res``, when no answer came."""
        o = self.opts
        url, host = task.url, host_of(task.url)
        cond = self._conditional(prev)
        max_body = o.requisite_max_size if task.kind == "requisite" else o.max_body
        attempt = 0
        while True:
            try:
                async with self.politeness.slot(host):
                    with self.pool_for(url, task.guard).lend() as client:
                        ex = await fetch_exchange(client, url, max_body=max_body, deadline=o.deadline,
                                                  conditional=cond, depth=task.depth, via=task.via)
            except FetchError as exc:
                if exc.kind in ("connect", "timeout") and attempt < min(o.retries, 2):
                    attempt += 1
                    await asyncio.sleep(min(2.0 ** attempt, 10.0))
                    continue
                res.refused = exc.kind == "ssrf"
                res.failures.append(self._failure(url, exc.kind, exc.detail))
                return None
            if ex.status not in (429, 503):
                return ex, attempt, None
            wait = retry_after(ex.header("retry-after"))
            if wait is None:
                wait = min(2.0 ** attempt, 30.0)
            if attempt < o.retries and wait <= o.max_retry_after:
                attempt += 1
                log.info("%s: %d, waiting %.1f s (Retry-After) before retry %d", url, ex.status, wait, attempt)
                self.politeness.hold(host, wait)
                continue
            return ex, attempt, wait if wait > o.max_retry_after else None

    def _note_failures(self, res: Result, ex: Exchange, attempt: int, refused_wait: float | None) -> None:
        """A capture that is kept but is also an error: truncated, 5xx, or still 429."""
        url, o = res.task.url, self.opts
        if ex.truncated:  # kept, marked WARC-Truncated; listed with the errors too
            kind = {"length": "too-large", "time": "deadline"}.get(ex.truncated, ex.truncated)
            res.failures.append(self._failure(url, kind, f"body truncated ({ex.truncated}) after {len(ex.body)} bytes"))
        waited = (f"; Retry-After {ex.header('retry-after')!r} ({refused_wait:.0f} s) is beyond "
                  f"max_retry_after {o.max_retry_after:g} s: not waited" if refused_wait is not None else "")
        if ex.status >= 500:
            res.failures.append(self._failure(url, "http-5xx", f"status {ex.status} after {attempt} retries{waited}"))
        elif ex.status == 429:
            res.failures.append(self._failure(url, "http-429", f"still 429 after {attempt} retries{waited}"))

    def _redirect(self, res: Result, loc: str) -> None:
        """Where a 3xx points, unless it loops, goes too far or is no URL (a failure then)."""
        url, chain = res.task.url, res.task.chain
        try:
            target = canonicalize(urljoin(url, loc.strip()))
        except (InputError, ValueError) as exc:
            res.failures.append(self._failure(url, "invalid-url", f"redirect to {loc!r}: {exc}"))
            return
        if target == url or target in chain:
            res.failures.append(self._failure(url, "redirect-loop", f"redirects back to {target}"))
        elif len(chain) >= MAX_REDIRECTS:
            res.failures.append(self._failure(url, "too-many-redirects", f"more than {MAX_REDIRECTS} redirects"))
        else:
            res.redirect = target

    def _links(self, url: str, body: bytes, ctype: str | None, cenc: str | None) -> list[tuple[str, str]]:
        """The page's links, canonical and de-duplicated, in page order ((url, link kind))."""
        try:
            links = discover(body, url, ctype, cenc, requisites=self.opts.requisites, link_text=self.opts.link_text)
        except ContentDecodeError as exc:
            log.info("%s: no links discovered (%s)", url, exc)
            return []
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        cache = self._canon
        for link in links:
            if link.url in cache:
                c = cache[link.url]
            else:
                try:
                    c = canonicalize(link.url)
                except (InputError, ValueError):
                    c = None
                if len(cache) >= 20_000:
                    cache.clear()
                cache[link.url] = c
            if c is not None and c not in seen:
                seen.add(c)
                out.append((c, link.kind))
        return out


def _decoded(ex: Exchange) -> bytes:
    try:
        return decode_bytes(ex.body, ex.header("content-encoding"), limit=MAX_ROBOTS_BYTES)
    except ContentDecodeError:
        return b""
