"""Render pages in headless Chromium through warcprox and index what was recorded.

:func:`render_urls` visits the given URLs one after another (the source's ``delay`` between
pages), waits for the load event and for the network to go quiet, and optionally follows the
rendered page's in-scope links up to the source's ``depth`` (:func:`render_source`). warcprox
writes every exchange Chromium makes (the page, its stylesheets, images, fonts, scripts and what
the scripts fetch) to ``DATA/warcs/``; its ``warcinfo`` carries the archive's ``source``,
``crawl-id`` and ``crawl-started``, and a small WARC of the archive's own writer ends the crawl
(``crawl-end``), so a reindex from the WARC files alone rebuilds the same ``crawls`` row. The new
files are then indexed with :func:`archive.index.rebuild.index_new_files`.

Playwright's sync API runs in a worker thread, so this can be called from code that already
runs an event loop.
"""
from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..config import Config, Source
from ..errors import ConfigError, FetchError, InputError
from ..model import CrawlStats, iso, utcnow
from ..urls import canonicalize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-features=Translate,OptimizationHints,MediaRouter"]
VIEWPORT: Any = {"width": 1280, "height": 900}


@dataclass
class RenderResult:
    crawl_id: str
    source: str
    pages: list[str] = field(default_factory=list)              # URLs rendered (load event reached)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (URL, reason)
    files: list[str] = field(default_factory=list)              # new WARC files (names under warcs/)
    captures: int = 0                                           # index rows of this crawl

    def summary(self) -> str:
        return (f"rendered {len(self.pages)} pages ({len(self.failures)} failed) in crawl {self.crawl_id}: "
                f"{self.captures} captures in {len(self.files)} WARC files")


def _source(config: Config, source: Source | str) -> Source:
    if isinstance(source, Source):
        return source
    return config.source(source)


def _crawl_id(name: str) -> str:
    return f"{name}-{utcnow().strftime('%Y%m%d%H%M%S')}-render-{secrets.token_hex(3)}"


def _refused(url: str) -> str | None:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host in ("127.0.0.1", "::1", "localhost"):
        return f"{url}: warcprox refuses targets at {host}; render sources on another address (e.g. 127.0.0.2)"
    return None


def _browse(proxy_url: str, src: Source, urls: list[str], *, follow: bool, timeout: float,
            settle_ms: int, max_pages: int | None, executable: str) -> tuple[list[str], list[tuple[str, str]]]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from ..fetch.scope import in_scope, scope_entries

    scope = scope_entries(src)
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    queue: list[tuple[str, int]] = [(u, 0) for u in urls]
    seen = set(urls)
    args = CHROMIUM_ARGS + [f"--proxy-server={proxy_url}", "--proxy-bypass-list=<-loopback>"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args, headless=True,
                                    timeout=timeout * 1000)
        try:
            context = browser.new_context(viewport=VIEWPORT, user_agent=src.user_agent,
                                          service_workers="block")
            while queue:
                if max_pages is not None and len(done) >= max_pages:
                    break
                url, depth = queue.pop(0)
                page = context.new_page()
                try:
                    response = page.goto(url, wait_until="load", timeout=timeout * 1000)
                    try:
                        page.wait_for_load_state("networkidle", timeout=min(timeout, 10.0) * 1000)
                    except PlaywrightError:
                        pass  # a page that keeps polling: what it loaded so far is recorded
                    page.wait_for_timeout(settle_ms)
                    if response is None:
                        failed.append((url, "no response"))
                    else:
                        done.append(url)
                    if follow and depth < src.depth:
                        hrefs = page.evaluate("Array.from(document.links, a => a.href)")
                        for href in hrefs:
                            try:
                                link = canonicalize(str(href))
                            except (InputError, ValueError):
                                continue
                            if link not in seen and in_scope(link, scope) and not _refused(link):
                                seen.add(link)
                                queue.append((link, depth + 1))
                except PlaywrightError as exc:
                    failed.append((url, str(exc).splitlines()[0][:300]))
                finally:
                    page.close()
                if queue and src.delay > 0:
                    time.sleep(src.delay)
            context.close()
        finally:
            browser.close()
    return done, failed


def render_urls(config: Config, data_dir: Path, source: Source | str, urls: Sequence[str], *,
                follow: bool = False, warc_prefix: str | None = None, timeout: float = 30.0,
                settle_ms: int = 300, executable: str = CHROMIUM) -> RenderResult:
    """Render ``urls`` for ``source`` (a name or a :class:`Source`) through warcprox into
    ``data_dir``; see the module docstring."""
    from ..index import open_db
    from ..index.captures import group_size
    from ..index.rebuild import index_new_files
    from ..warc.files import closed_warc_files
    from ..warc.writer import WarcWriter
    from .proxy import Warcprox

    src = _source(config, source)
    data_dir = Path(data_dir)
    if not Path(executable).exists():
        raise ConfigError(f"{executable}: Chromium not found (run 'make browser')")
    wanted: list[str] = []
    for u in urls:
        c = canonicalize(u)
        refused = _refused(c)
        if refused:
            raise InputError(refused)
        if c not in wanted:
            wanted.append(c)
    if not wanted:
        raise InputError(f"{src.name}: no URLs to render")
    prefix = warc_prefix or config.settings.warc_prefix
    warcs = data_dir / "warcs"
    warcs.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in closed_warc_files(warcs)}
    crawl_id = _crawl_id(src.name)
    started = iso(utcnow())
    result = RenderResult(crawl_id=crawl_id, source=src.name)
    info = {"source": src.name, "crawl-id": crawl_id, "crawl-started": started,
            "render": "chromium via warcprox"}
    with Warcprox(warcs, prefix, info=info, max_resource_size=src.max_body) as proxy:
        with ThreadPoolExecutor(1) as pool:  # Playwright's sync API wants a thread without a loop
            done, failed = pool.submit(_browse, proxy.url, src, wanted, follow=follow, timeout=timeout,
                                       settle_ms=settle_ms, max_pages=src.max_pages,
                                       executable=executable).result()
        log = proxy.log_text()
    result.pages, result.failures = done, failed
    if not done and failed:
        raise FetchError(wanted[0], "render", f"no page rendered: {failed[0][1]}; warcprox: {log[-500:]}")
    stats = CrawlStats(id=crawl_id, source=src.name, started=started, finished=iso(utcnow()),
                       pages=len(done), errors=len(failed), seeds=wanted)
    with WarcWriter(warcs, prefix, source=src.name, crawl_id=crawl_id,
                    info={"crawl-started": started}) as writer:
        writer.write_crawl_end(stats)
    index_new_files(data_dir)
    result.files = sorted(p.name for p in closed_warc_files(warcs) if p.name not in before)
    db = open_db(data_dir)
    try:
        result.captures = group_size(db, "crawl_id", crawl_id)
    finally:
        db.conn.close()
    return result


def render_source(config: Config, data_dir: Path, source: Source | str, **kwargs: Any) -> RenderResult:
    """Render a source's start pages (and feeds/sitemaps as given) and follow the rendered
    pages' in-scope links up to its ``depth``."""
    src = _source(config, source)
    return render_urls(config, data_dir, src, list(src.seeds), follow=True, **kwargs)


__all__ = ["render_urls", "render_source", "RenderResult"]
