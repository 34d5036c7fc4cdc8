"""``SampleWeb``: the two-host sample web served from a background thread.

    with SampleWeb(articles=40, seed=1) as sw:
        sw.aggregator_url, sw.publisher_url   # "http://127.0.0.1:PORT", "http://127.0.0.2:PORT"
        sw.others_url                          # "http://127.0.0.3:PORT": share, sponsor, ad, other outlets
        sw.advance()                           # next generation: new stories, a few edits
        sw.request_log                         # what the servers saw
        sw.truth()                             # the ground truth extraction and dedupe score against
"""
from __future__ import annotations

import asyncio
import collections
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from . import markup as pages
from .markup import Page
from .pages import Renderer
from .server import Frozen, RequestRecord, SiteServer, Variant, crc_bucket
from .site import BASE_TIME, OUTLETS, Site
from .truth import DigestItemTruth, DigestTruth, StoryTruth, Truth, build_truth

__all__ = ["SampleWeb", "StoryTruth", "DigestItemTruth", "DigestTruth", "Truth"]

CACHE_ENTRIES = 4096
_STATIC = ("/static/", "/favicon.ico", "/robots.txt")
_TEXT_TYPES = ("text/html", "application/xml", "application/rss+xml", "text/css", "text/javascript")


@dataclass
class _State:
    # recently served pages, full bytes (LRU, ``cache_entries`` long)
    cache: collections.OrderedDict[tuple[str, str, str], Variant] = field(default_factory=collections.OrderedDict)
    # pages rendered ahead by prerender(), gzip-compressed (≈ 2–3 KB a page)
    store: dict[tuple[str, str, str], Frozen] = field(default_factory=dict)


class SampleWeb:
    def __init__(self, articles: int = 40, seed: int = 1, latency_ms: float = 0,
                 aggregator_host: str = "127.0.0.1", publisher_host: str = "127.0.0.2",
                 aggregator_port: int = 0, publisher_port: int = 0, keep_log: bool = True,
                 cache_entries: int = CACHE_ENTRIES, others_host: str = "127.0.0.3",
                 others_port: int = 0, ssl_context: Any = None) -> None:
        if articles < 1:
            raise InputError(f"articles: must be at least 1, got {articles}")
        if latency_ms < 0:
            raise InputError(f"latency_ms: must be >= 0, got {latency_ms}")
        for name, host in (("aggregator_host", aggregator_host), ("publisher_host", publisher_host),
                           ("others_host", others_host)):
            if not host.startswith("127."):
                raise InputError(f"{name}: the sample web serves on loopback only (127.0.0.0/8), got {host!r}")
        self.site = Site(articles=articles, seed=seed)
        self.ssl_context = ssl_context  # a server ssl.SSLContext: both hosts serve https
        self.scheme = "https" if ssl_context is not None else "http"
        self.latency_ms = latency_ms
        self.aggregator_host = aggregator_host
        self.publisher_host = publisher_host
        self.others_host = others_host
        self._ports = (aggregator_port, publisher_port, others_port)
        self.keep_log = keep_log
        self.cache_entries = max(16, cache_entries)
        self.request_log: list[RequestRecord] = []
        self._lock = threading.RLock()
        self._state = _State()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[SiteServer] = []
        self._renderer: Renderer | None = None

    # ---- life cycle ----------------------------------------------------------------------
    def start(self) -> "SampleWeb":
        if self._thread is not None:
            return self
        ready = threading.Event()
        error: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_servers())
            except BaseException as exc:  # report bind errors to the caller
                error.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._stop_servers())
                loop.close()

        self._thread = threading.Thread(target=run, name="sampleweb", daemon=True)
        self._thread.start()
        ready.wait()
        if error:
            self._thread.join()
            self._thread = None
            exc = error[0]
            raise InputError(f"sample web: cannot listen on {self.aggregator_host}:{self._ports[0]} / "
                             f"{self.publisher_host}:{self._ports[1]} / {self.others_host}:{self._ports[2]}: "
                             f"{exc}") from exc
        return self

    async def _start_servers(self) -> None:
        started: list[SiteServer] = []
        try:
            for role, host, port in zip(("aggregator", "publisher", "others"),
                                        (self.aggregator_host, self.publisher_host, self.others_host), self._ports):
                server = SiteServer(role, host, port, self._variant, self._control, self._log, self.latency_ms,
                                    self.ssl_context)
                await server.start()
                started.append(server)
        except BaseException:
            for server in started:
                await server.stop()
            raise
        self._servers = started
        self._renderer = Renderer(self.site, self.aggregator_url, self.publisher_url, self.others_url)

    async def _stop_servers(self) -> None:
        for s in self._servers:
            await s.stop()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> "SampleWeb":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until the serving thread ends (the CLI; Ctrl-C interrupts the wait)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    # ---- addresses -----------------------------------------------------------------------
    @property
    def aggregator_port(self) -> int:
        return self._servers[0].port if self._servers else self._ports[0]

    @property
    def publisher_port(self) -> int:
        return self._servers[1].port if self._servers else self._ports[1]

    @property
    def others_port(self) -> int:
        return self._servers[2].port if self._servers else self._ports[2]

    @property
    def others_url(self) -> str:
        """The third host: share endpoints, the header's sponsor, ads and other outlets' stories
        (no copy's original: a crawl following originals never requests it)."""
        self._require_started()
        return f"{self.scheme}://{self.others_host}:{self.others_port}"

    @property
    def aggregator_url(self) -> str:
        self._require_started()
        return f"{self.scheme}://{self.aggregator_host}:{self.aggregator_port}"

    @property
    def publisher_url(self) -> str:
        self._require_started()
        return f"{self.scheme}://{self.publisher_host}:{self.publisher_port}"

    def _require_started(self) -> None:
        if not self._servers:
            raise InputError("sample web: not started (call start() or use it as a context manager)")

    @property
    def renderer(self) -> Renderer:
        self._require_started()
        assert self._renderer is not None
        return self._renderer

    # ---- generations ---------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self.site.generation

    @property
    def articles(self) -> int:
        return self.site.articles

    @property
    def seed(self) -> int:
        return self.site.seed

    def advance(self) -> int:
        """Move to the next generation: one new story per outlet (listings change), two older
        stories get an update paragraph (their original and copy change); all else is identical."""
        with self._lock:
            self.site.generation += 1
            self._state.cache.clear()
            if self._state.store and self._renderer is not None:
                # keep the pre-rendered pages that stay byte-identical: static files and the
                # pages of stories not revised now; listings, digests, feeds are rendered again
                revised = self.site.revised_in(self.site.generation)
                idx = self._renderer.story_index()
                keep = {}
                for key, frozen in self._state.store.items():
                    _, path, query = key
                    i = None if query or path.startswith("/r/") else idx.get(path)
                    if (i is not None and i not in revised) or path.startswith(_STATIC):
                        keep[key] = frozen
                self._state.store = keep
            return self.site.generation

    def changed_in(self, generation: int | None = None) -> list[int]:
        """Indexes of the stories whose text changed when ``generation`` began (default: current)."""
        return sorted(self.site.revised_in(self.generation if generation is None else generation))

    # ---- serving -------------------------------------------------------------------------
    def _log(self, rec: RequestRecord) -> None:
        if self.keep_log:
            self.request_log.append(rec)

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes] | None:
        if not path.startswith(pages.CONTROL_PREFIX):
            return None
        name = path[len(pages.CONTROL_PREFIX):]
        if name == "advance":
            if method != "POST":
                return 405, "text/plain; charset=utf-8", b"POST to advance\n"
            g = self.advance()
            return 200, "application/json", json.dumps({"generation": g}).encode()
        if name == "state" and method in ("GET", "HEAD"):
            return 200, "application/json", json.dumps(self.state()).encode()
        return 404, "text/plain; charset=utf-8", b"unknown control endpoint\n"

    def state(self) -> dict[str, Any]:
        return {"generation": self.generation, "articles": self.articles, "seed": self.seed,
                "aggregator_url": self.aggregator_url, "publisher_url": self.publisher_url,
                "latency_ms": self.latency_ms}

    def _variant(self, role: str, path: str, query: str) -> Variant:
        key = (role, path, query)
        with self._lock:
            cache = self._state.cache
            v = cache.get(key)
            if v is not None:
                cache.move_to_end(key)
                return v
            frozen = self._state.store.get(key)
            v = Variant.thaw(frozen) if frozen is not None else self._render(role, path, query)
            cache[key] = v
            if len(cache) > self.cache_entries:
                cache.popitem(last=False)
            return v

    def _render(self, role: str, path: str, query: str) -> Variant:
        page = self.renderer.render(role, path, query)  # type: ignore[arg-type]
        if page.status == 200 and page.last_modified is None:
            page.last_modified = BASE_TIME  # static files: the sample web's own epoch
        return Variant(page, gzip_ok=self._gzip_policy(path, page), chunked=self._chunk_policy(path, page))

    @staticmethod
    def _gzip_policy(path: str, page: Page) -> bool:
        if page.status != 200 or not page.content_type.startswith(_TEXT_TYPES):
            return False
        if page.content_type.startswith(("text/css", "text/javascript")):
            return True
        return crc_bucket(path, 3) == 0

    @staticmethod
    def _chunk_policy(path: str, page: Page) -> bool:
        if page.status != 200 or not page.content_type.startswith(_TEXT_TYPES):
            return False
        if page.content_type.startswith(("text/css", "text/javascript")):
            return False
        return crc_bucket(path, 3) == 1

    def page_urls(self) -> list[str]:
        """Every story page (copies and originals), listing page, digest and feed of the current
        generation, as absolute URLs (the pages a full crawl would fetch, requisites aside)."""
        from .site import PER_PAGE
        site, a, p = self.site, self.aggregator_url, self.publisher_url
        urls = [a + "/", p + "/", p + "/feed.xml", a + "/usconservative/topic/fq"]
        for o in OUTLETS:
            n = max(1, -(-len(site.topic_stories(o.slug)) // PER_PAGE))
            urls += [f"{a}/usconservative/topic/{o.slug}"] + [f"{a}/usconservative/topic/{o.slug}?page={k}"
                                                              for k in range(2, n + 1)]
            m = max(1, -(-len(site.outlet_stories(o.slug)) // PER_PAGE))
            urls += [f"{p}/{o.slug}/"] + [f"{p}/{o.slug}/?page={k}" for k in range(2, m + 1)]
        urls += [a + d.path for d in site.digests()]
        for i in range(site.story_count):
            s = site.story(i)
            urls += [a + cp for cp in s.copy_paths]
            urls.append(p + s.original_path)
        return urls

    def prerender(self) -> int:
        """Render every page of :meth:`page_urls` (and the static files) ahead, kept
        gzip-compressed (≈ 2–3 KB a page, ≈ 60 MB for 20 000 pages): a crawl then costs the
        server no rendering. After :meth:`advance` the unchanged pages stay pre-rendered; call
        this again to render the changed ones. Returns the number of pages rendered now."""
        urls = self.page_urls()
        for prefix in (self.aggregator_url, self.publisher_url):
            urls += [prefix + "/robots.txt", prefix + "/favicon.ico"] + [
                prefix + "/static/" + name for name in ("base.css", "font.ttf", "app.js", "live-data.js")]
        a = self.aggregator_url
        urls += [a + "/static/am1.css", a + "/static/bg-am1.png", self.publisher_url + "/static/pub.css",
                 self.publisher_url + "/static/bg-pub.png"]
        from .assets import PHOTO_COUNT, PHOTO_WIDTHS
        for prefix in (self.aggregator_url, self.publisher_url):
            urls += [f"{prefix}/static/img/photo-{k}-{w}.png" for k in range(PHOTO_COUNT) for w in PHOTO_WIDTHS]
        n = 0
        for u in urls:
            key = self._split(u)
            with self._lock:
                if key in self._state.store:
                    continue
                self._state.store[key] = self._render(*key).freeze()
            n += 1
        return n

    def is_gzip(self, url_or_path: str) -> bool:
        """Whether this page is sent gzip-encoded to clients that accept gzip."""
        role, path, query = self._split(url_or_path)
        return self._variant(role, path, query).gzip_ok

    def is_chunked(self, url_or_path: str) -> bool:
        """Whether this page is sent with Transfer-Encoding: chunked."""
        role, path, query = self._split(url_or_path)
        return self._variant(role, path, query).chunked

    def body(self, url: str) -> bytes:
        """The identity-encoded body served for ``url`` now (no network)."""
        role, path, query = self._split(url)
        return self._variant(role, path, query).page.body

    def _split(self, url: str) -> tuple[str, str, str]:
        role = "aggregator"
        if url.startswith("http"):
            for role, base in (("publisher", self.publisher_url), ("aggregator", self.aggregator_url),
                               ("others", self.others_url)):
                if url == base or url.startswith((base + "/", base + "?")):  # not a longer port's prefix
                    url = url[len(base):]
                    break
            else:
                raise InputError(f"{url!r}: not a URL of this sample web")
        path, _, query = (url or "/").partition("?")
        return role, path, query

    # ---- ground truth --------------------------------------------------------------------
    def truth(self) -> Truth:
        """What the web serves now, as the stages should read it (see :mod:`.truth`)."""
        with self._lock:
            return build_truth(self.site, self.renderer)

    def features(self) -> dict[str, Any]:
        """Where the special cases live (absolute URLs), for tests of other stages."""
        a, p = self.aggregator_url, self.publisher_url
        t = self.truth()
        copies = [s.copy_url for s in t if s.copy_url]
        originals = [s.original_url for s in t]
        return {
            "front": a + "/",
            "publisher_front": p + "/",
            "topics": {o.slug: f"{a}/usconservative/topic/{o.slug}" for o in OUTLETS},
            "digest_index": a + "/usconservative/topic/fq",
            "robots": [a + "/robots.txt", p + "/robots.txt"],
            "private": [a + pages.PRIVATE_PATH, p + "/private/drafts"],
            "error_500": a + pages.ERROR_PATH,
            "not_found": [a + pages.MISSING_COPY, p + pages.MISSING_ORIGINAL],
            "redirect_chain": [a + pages.CHAIN_START, a + pages.CHAIN_MID, a + "/usconservative/topic/waexaminer"],
            "redirect_302": a + pages.LATEST_PATH,
            "redirect_301": p + "/rss",
            "feed": p + "/feed.xml",
            "sitemaps": [a + "/sitemap.xml", p + "/sitemap.xml"],
            "script_page": a + pages.SCRIPT_PAGE,
            "script_page_publisher": p + pages.PUB_SCRIPT_PAGE,  # for warcprox (no 127.0.0.1)
            # story pages (copies first, then originals) sent gzip-encoded / chunked; 20 of each
            "gzip": [u for u in copies + originals if crc_bucket(self._split(u)[1], 3) == 0][:20],
            "chunked": [u for u in copies + originals if crc_bucket(self._split(u)[1], 3) == 1][:20],
            "stylesheets": [a + "/static/am1.css", a + "/static/base.css", p + "/static/pub.css", p + "/static/base.css"],
            "font": [a + "/static/font.ttf", p + "/static/font.ttf"],
            "control": a + pages.CONTROL_PREFIX + "advance",
            "others": self.others_url,  # the decoys' host: see StoryTruth.decoy_links
        }
