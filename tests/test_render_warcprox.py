"""``render = true`` capture: headless Chromium through warcprox on the sample web's publisher
(127.0.0.2; warcprox refuses 127.0.0.1). The script-built page and an original are rendered;
warcprox's WARCs pass ``warcio check`` and the archive reader's completeness checks, carry the
archive's crawl id, and their captures (the page, its stylesheets, font, images and the data
script only a browser loads) are indexed; ``/-/replay/`` serves the recorded bytes exactly; the
script-built page's ``/-/snapshot/`` view looks like the live page (pixel similarity ≥ 0.98)
and requests nothing outside the archive's origin. A target on 127.0.0.1 is refused up front."""
from __future__ import annotations

import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
import sys
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from archive.config import load_config
from archive.errors import InputError
from archive.fetch import crawl_or_render
from archive.render.capture import RenderResult, render_urls
from archive.replay import to_timestamp14
from archive.sampleweb import SampleWeb
from support.browser import archived_frame, requests_outside, version_note
from support.archive_serve import Served
from support.interop import tool
from support.paths import ROOT
from support.screenshots import SIMILARITY, VIEWPORT, similarity
from support.sources import write_sources

pytestmark = pytest.mark.browser
LIVE_PATH = "/live/senate-budget-night"


class Rendered:
    def __init__(self, data: Path, result: RenderResult, urls: dict[str, str], live: dict[str, bytes],
                 live_shot: bytes) -> None:
        self.data = data
        self.result = result
        self.urls = urls
        self.live = live          # URL → the body the sample web served (decoded)
        self.live_shot = live_shot
        self.cli: Any = None      # (completed process, data dir, URL) of `archive render`
        self.dispatched: Any = None  # ({source: CrawlStats}, data dir) of crawl_or_render

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Rendered:
    data = tmp_path_factory.mktemp("render") / "data"
    config = load_config(ROOT / "config" / "sources.toml")
    with SampleWeb(articles=6, seed=5) as sw:
        story = next(iter(sw.truth()))
        urls = {"live": sw.publisher_url + LIVE_PATH, "original": story.original_url}
        with pytest.raises(InputError, match="refuses"):
            render_urls(config, data, "sample-publisher", [sw.aggregator_url + "/"])
        result = render_urls(config, data, "sample-publisher", list(urls.values()))
        cli_data = data.parent / "cli-data"
        cli = subprocess.run([sys.executable, "-m", "archive.cli", "render", "--data", str(cli_data),
                              "--config", str(ROOT / "config" / "sources.toml"), "--source", "sample-publisher",
                              "--url", sw.publisher_url + "/"], capture_output=True, text=True, timeout=180,
                             cwd=str(ROOT))
        toml = data.parent / "render.toml"
        pub_host = sw.publisher_url.split("//", 1)[1]
        live_source = {"start": [urls["live"]], "scope": [f"{pub_host}/live/"], "depth": 0, "delay": 0,
                       "ssrf_guard": False}
        write_sources(toml, {"live-render": {**live_source, "render": True}, "live-httpx": live_source},
                      rules_file="")
        both = load_config(toml)
        with ThreadPoolExecutor(1) as pool:  # the httpx crawler runs its own event loop
            dispatched = {name: pool.submit(crawl_or_render, both, data.parent / "dispatch", name).result(timeout=180)
                          for name in ("live-render", "live-httpx")}
        live = {}
        for u in [*urls.values(), sw.publisher_url + "/static/live-data.js", sw.publisher_url + "/static/pub.css"]:
            live[u] = httpx.get(u, timeout=10).content
        page = browser.new_page(viewport=VIEWPORT)
        try:
            page.goto(urls["live"], wait_until="load", timeout=30_000)
            page.locator("#js-banner").wait_for(timeout=10_000)
            page.evaluate("document.fonts.ready")
            live_shot = page.screenshot()
        finally:
            page.close()
    out = Rendered(data, result, urls, live, live_shot)
    out.cli = (cli, cli_data, sw.publisher_url + "/")
    out.dispatched = (dispatched, data.parent / "dispatch")
    return out


@pytest.fixture(scope="module")
def served(rendered: Rendered) -> Iterator[Served]:
    with Served(rendered.data) as server:
        yield server


def test_warcprox_warcs_pass_warcio_check_and_the_reader(rendered: Rendered) -> None:
    from archive.warc.reader import WarcReader

    files = [rendered.data / "warcs" / f for f in rendered.result.files]
    proxied = [f for f in files if "-warcprox-" in f.name]
    assert proxied, files
    for f in files:
        out = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        reader = WarcReader(f)
        caps = list(reader.captures())
        assert not reader.problems, reader.problems
        if f in proxied:
            assert caps and reader.warcinfo.get("crawl-id") == rendered.result.crawl_id
            assert reader.warcinfo.get("source") == "sample-publisher"


def test_rendered_captures_are_indexed_with_what_scripts_loaded(rendered: Rendered) -> None:
    r = rendered.result
    assert sorted(r.pages) == sorted(rendered.urls.values()) and not r.failures
    urls = {u for (u,) in rendered.rows("SELECT url FROM captures WHERE crawl_id = ?", r.crawl_id)}
    base = rendered.urls["live"].rsplit("/live/", 1)[0]
    needed = {*rendered.urls.values(), base + "/static/live-data.js", base + "/static/pub.css",
              base + "/static/base.css", base + "/static/font.ttf", base + "/static/bg-pub.png"}
    assert needed <= urls, needed - urls
    assert any("/static/img/photo-" in u for u in urls)
    (row,) = rendered.rows("SELECT source, finished, pages FROM crawls WHERE id = ?", r.crawl_id)
    assert row[0] == "sample-publisher" and row[1] and row[2] == 2
    assert r.captures == len(rendered.rows("SELECT 1 FROM captures WHERE crawl_id = ?", r.crawl_id))


def test_rendered_captures_replay_byte_exact(rendered: Rendered, served: Served) -> None:
    from archive.warc.reader import read_payload

    for url, body in rendered.live.items():
        ts, warc_file, offset = rendered.rows(
            "SELECT timestamp, warc_file, warc_offset FROM captures WHERE url = ? AND crawl_id = ?",
            url, rendered.result.crawl_id)[0]
        recorded = read_payload(rendered.data / "warcs" / warc_file, offset)
        with httpx.stream("GET", f"{served.base}/-/replay/{to_timestamp14(ts)}/{url}",
                          headers={"Accept-Encoding": "gzip"}, timeout=30) as resp:
            assert resp.status_code == 200
            raw = b"".join(resp.iter_raw())
        assert raw == recorded, url
        decoded = httpx.get(f"{served.base}/-/replay/{to_timestamp14(ts)}/{url}", timeout=30).content
        assert decoded == body, url


def test_script_built_page_snapshot_looks_like_the_live_page(rendered: Rendered, served: Served,
                                                             browser: Any, tmp_path: Path) -> None:
    url = rendered.urls["live"]
    (ts,) = rendered.rows("SELECT timestamp FROM captures WHERE url = ?", url)[0]
    context = browser.new_context(viewport=VIEWPORT)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        page = context.new_page()
        page.goto(f"{served.base}/-/snapshot/{to_timestamp14(ts)}/{url}", wait_until="load", timeout=30_000)
        frame = archived_frame(page, url, selector="#js-banner")
        text = frame.evaluate("document.body.innerText")
        assert "Senate" in text or "budget" in text.lower(), text[:300]
        frame.evaluate("document.fonts.ready")
        page.wait_for_timeout(300)
        shot = page.screenshot()
        (tmp_path / "live.png").write_bytes(rendered.live_shot)
        (tmp_path / "snapshot.png").write_bytes(shot)
        score = similarity(rendered.live_shot, shot)
        assert score >= SIMILARITY, f"similarity {score:.4f} (screenshots in {tmp_path}) {version_note()}"
    finally:
        context.close()
    outside = requests_outside(requests, served.base)
    assert not outside, outside


def test_archive_render_command(rendered: Rendered) -> None:
    proc, cli_data, url = rendered.cli
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rendered 1 pages (0 failed)" in proc.stdout
    with sqlite3.connect(cli_data / "archive.db") as conn:
        rows = conn.execute("SELECT status, crawl_id FROM captures WHERE url = ?", [url]).fetchall()
    assert len(rows) == 1 and rows[0][0] == 200 and "-render-" in rows[0][1]


def test_crawl_or_render_dispatches_on_the_render_setting(rendered: Rendered) -> None:
    stats, data = rendered.dispatched
    rendered_crawl, httpx_crawl = stats["live-render"], stats["live-httpx"]
    assert "-render-" in rendered_crawl.id and "-render-" not in httpx_crawl.id
    assert rendered_crawl.pages == 1 and rendered_crawl.finished and rendered_crawl.source == "live-render"
    with sqlite3.connect(data / "archive.db") as conn:
        files = {cid: {f for (f,) in conn.execute("SELECT DISTINCT warc_file FROM captures WHERE crawl_id = ?", [cid])}
                 for cid in (rendered_crawl.id, httpx_crawl.id)}
        ua = conn.execute("SELECT count(*) FROM captures WHERE crawl_id = ? AND url LIKE '%/static/live-data.js'",
                          [rendered_crawl.id]).fetchone()[0]
    assert ua == 1  # the script-loaded data came through the browser
    assert all("-warcprox-" in f for f in files[rendered_crawl.id])
    assert not any("-warcprox-" in f for f in files[httpx_crawl.id])


def test_a_reindex_from_the_warcs_alone_gives_the_same_rows(rendered: Rendered, tmp_path: Path) -> None:
    import shutil

    from archive.index.rebuild import reindex

    copy = tmp_path / "data"
    shutil.copytree(rendered.data / "warcs", copy / "warcs")
    stats = reindex(copy)
    assert not stats.problems, stats.problems
    query = ("SELECT id, url, status, crawl_id, source, warc_file, warc_offset FROM captures "
             "WHERE crawl_id = ? ORDER BY id")
    with sqlite3.connect(copy / "archive.db") as conn:
        again = conn.execute(query, [rendered.result.crawl_id]).fetchall()
        crawl_again = conn.execute("SELECT source, started, finished, pages FROM crawls WHERE id = ?",
                                   [rendered.result.crawl_id]).fetchall()
    assert again == rendered.rows(query, rendered.result.crawl_id) and again
    assert crawl_again == rendered.rows("SELECT source, started, finished, pages FROM crawls WHERE id = ?",
                                        rendered.result.crawl_id)
