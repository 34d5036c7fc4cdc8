"""The ``/-/snapshot/`` view in headless Chromium: a sample-web crawl (an aggregator copy, its
original and their requisites), the live pages screenshotted, the sample web stopped, then each
page opened through ``archive serve``'s snapshot route: the archived page renders inside
ReplayWeb.page with its stylesheet (web font, background image), images and script-added
banner, the snapshot page requests nothing outside the archive's origin, and its screenshot
matches the live one (pixel similarity ≥ 0.98)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from archive.fetch.requisites import requisites_of
from archive.replay import to_timestamp14
from archive.sampleweb import SampleWeb
from archive.snapshot import replaywebpage_dir
from support.browser import archived_frame, chromium, requests_outside, version_note
from support.archive_serve import Served
from support.paths import ROOT
from support.screenshots import SIMILARITY, VIEWPORT, similarity
from support.sources import write_sources

pytestmark = pytest.mark.browser


@dataclass
class Crawled:
    data: Path
    pages: dict[str, str]                                   # name → URL
    live_shots: dict[str, bytes] = field(default_factory=dict)
    ts: str = ""


def requisite_closure(urls: list[str]) -> list[str]:
    """Every requisite of ``urls`` (stylesheets' own requisites too), fetched live."""
    seen: list[str] = []
    todo = list(urls)
    with httpx.Client(timeout=10) as client:
        while todo:
            url = todo.pop(0)
            r = client.get(url)
            for req in requisites_of(r.content, url, r.headers.get("content-type")):
                if req.url not in seen and req.url not in urls:
                    seen.append(req.url)
                    todo.append(req.url)
    return seen


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert replaywebpage_dir() is not None, "ReplayWeb.page missing: run 'make replaywebpage'"
    with chromium() as b:
        yield b


def _shoot(browser: Any, url: str) -> bytes:
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(url, wait_until="load", timeout=30_000)
        page.locator("#js-banner").wait_for(timeout=10_000)
        page.evaluate("document.fonts.ready")
        return page.screenshot()
    finally:
        page.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Crawled:
    data = tmp_path_factory.mktemp("snapshot") / "data"
    config = load_config(ROOT / "config" / "sources.toml")
    sw = SampleWeb(articles=6, seed=3)
    sw.start()
    try:
        story = next(s for s in sw.truth() if s.copy_url)
        pages = {"copy": story.copy_url, "original": story.original_url,
                 # article text written by its script (live-data.js, a requisite the crawler fetched)
                 "script-built": sw.aggregator_url + "/usconservative/live/6-slug-live-updates-senate-budget-night"}
        seeds = list(pages.values())
        seeds += requisite_closure(seeds)
        # Playwright's sync API keeps an event loop running in this thread: crawl in another
        # two crawls: the second with conditional GETs (conditional_get, off by default) stores
        # 304s (server-not-modified revisits) for the unchanged page and requisites, which the
        # snapshot must show as the content they confirmed
        with ThreadPoolExecutor(1) as pool:
            for round_ in range(2):
                pool.submit(crawl, config, data, seeds=seeds, options=CrawlOptions(
                    depth=0, per_host=4, delay=0, fetchers=1, resume=False,
                    conditional_get=round_ == 1)).result(timeout=120)
                if round_ == 0:
                    time.sleep(1.1)
            # a third crawl holds the original alone (requisites off, as when a crawl reaches an
            # original one hop out of scope): its snapshot takes the requisites from other crawls
            time.sleep(1.1)
            toml = data.parent / "original-only.toml"
            write_sources(toml, {"original-only": {
                "start": [story.original_url], "scope": [sw.publisher_url.split("//", 1)[1]], "depth": 0,
                "delay": 0, "ssrf_guard": False, "requisites": False}}, rules_file="")
            alone = pool.submit(crawl, load_config(toml), data, source="original-only").result(timeout=120)
            assert alone.pages == 1
        result = Crawled(data, pages)
        for name, url in pages.items():
            result.live_shots[name] = _shoot(browser, url)
    finally:
        sw.stop()
    import sqlite3

    with sqlite3.connect(data / "archive.db") as conn:
        (ts,) = conn.execute("SELECT min(timestamp) FROM captures").fetchone()
        (n304,) = conn.execute("SELECT count(*) FROM captures WHERE status = 304").fetchone()
    assert n304 >= 4, "the second crawl should have made conditional GETs"
    result.ts = to_timestamp14(ts)
    time.sleep(0.2)
    return result


@pytest.fixture(scope="module")
def served(crawled: Crawled) -> Iterator[Served]:
    with Served(crawled.data) as server:
        yield server


LATEST = "99991231235959"


@pytest.mark.parametrize("name,when", [("copy", LATEST), ("original", LATEST), ("original", "first"),
                                       ("script-built", LATEST)])
def test_snapshot_renders_like_the_live_page(browser: Any, served: Served, crawled: Crawled,
                                             name: str, when: str, tmp_path: Path) -> None:
    url = crawled.pages[name]
    ts = crawled.ts if when == "first" else when
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    context.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{served.base}/-/snapshot/{ts}/{url}", wait_until="load", timeout=30_000)
        frame = archived_frame(page, url, selector="#js-banner")
        frame.wait_for_load_state("load")
        # the stylesheet applied (web font family and background image from the @imported CSS)
        family = frame.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Sample Brand" in family or "serif" in family, family
        background = frame.evaluate("getComputedStyle(document.body).backgroundImage")
        assert "bg-" in background, background
        images = frame.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert all(done and width > 0 for done, width in images), images
        assert images or name == "script-built"  # that page has no images
        assert frame.evaluate("document.fonts.check('16px \"Sample Brand\"')")
        frame.evaluate("document.fonts.ready")
        page.wait_for_timeout(300)
        shot = page.screenshot()
        (tmp_path / f"{name}-snapshot.png").write_bytes(shot)
        (tmp_path / f"{name}-live.png").write_bytes(crawled.live_shots[name])
        score = similarity(crawled.live_shots[name], shot)
        assert score >= SIMILARITY, f"{name}: similarity {score:.4f} (screenshots in {tmp_path}) {version_note()}"
    finally:
        context.close()
    outside = requests_outside(requests, served.base)
    assert not outside, outside
    assert any("/-/snapshot-wacz/" in u for u in requests)


def test_snapshot_route_answers(served: Served, crawled: Crawled) -> None:
    url = crawled.pages["copy"]
    r = httpx.get(f"{served.base}/-/snapshot/{crawled.ts}/{url}", timeout=30)
    assert r.status_code == 200
    assert "<replay-web-page" in r.text and "sandbox" in r.text
    wacz = r.text.split('source="', 1)[1].split('"', 1)[0]
    head = httpx.get(served.base + wacz, headers={"Range": "bytes=0-3"}, timeout=30)
    assert head.status_code == 206 and head.content == b"PK\x03\x04"
    assert (crawled.data / "snapshots" / wacz.rsplit("/", 1)[1]).is_file()
    never = httpx.get(f"{served.base}/-/snapshot/{crawled.ts}/http://127.0.0.9/never-captured", timeout=30)
    assert never.status_code == 404
    bad = httpx.get(f"{served.base}/-/snapshot/{crawled.ts}/javascript:alert(1)", timeout=30)
    assert bad.status_code == 400
    assert httpx.get(f"{served.base}/-/snapshot-wacz/..%2farchive.db", timeout=30).status_code in (400, 404)
    sw = httpx.get(f"{served.base}/-/snapshot-rwp/replay/sw.js", timeout=30)
    assert sw.status_code == 200 and len(sw.content) > 100_000
