"""`archive export-wacz` output opens in ReplayWeb.page: a crawl of the sample web is exported,
the sample web is stopped, and ReplayWeb.page (served from a plain static server on loopback,
with nothing but the WACZ, ui.js and sw.js) renders an aggregator copy and its original from the
WACZ alone — the pages' own paragraphs are visible in the archived frame."""
from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from archive.sampleweb import SampleWeb
from archive.snapshot import replaywebpage_dir, snapshot_page
from archive.datasette_plugin.snapshot_view import _REPLAY_INDEX
from archive.wacz import export_wacz
from support.browser import chromium
from support.paths import ROOT

pytestmark = pytest.mark.browser


class _Static(SimpleHTTPRequestHandler):
    """A static file server that answers byte ranges (ReplayWeb.page reads a WACZ by ranges)."""

    def log_message(self, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        rng = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not rng.startswith("bytes=") or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, _, last = rng[6:].split(",")[0].partition("-")
        start = int(first) if first else max(size - int(last), 0)
        end = min(int(last), size - 1) if first and last else size - 1
        fh = path.open("rb")
        fh.seek(start)
        body = fh.read(end - start + 1)
        fh.close()
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        import io

        return io.BytesIO(body)


def _frame_text(page: Any, url: str, needle: str, timeout: float = 45.0) -> str:
    """Inner text of the frame ReplayWeb.page shows ``url`` in, once it holds ``needle``."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url and frame.url.endswith(url):
                try:
                    text = frame.inner_text("body", timeout=2_000)
                except Exception:  # noqa: BLE001 - the frame navigated meanwhile
                    continue
                if needle in text:
                    return text
        seen = [f.url for f in page.frames]
        page.wait_for_timeout(500)  # lets Playwright process frame events (time.sleep would not)
    raise AssertionError(f"{url} did not render from the WACZ; frames: {seen}")


def test_exported_wacz_replays_in_replaywebpage(tmp_path: Path) -> None:
    rwp = replaywebpage_dir()
    assert rwp is not None, "ReplayWeb.page missing: run 'make replaywebpage'"
    data = tmp_path / "data"
    config = load_config(ROOT / "config" / "sources.toml")
    with SampleWeb(articles=8, seed=5) as web:
        story = next(s for s in web.truth() if s.copy_url and s.copy_kind == "full")
        seeds = [story.copy_url, story.original_url]
        stats = crawl(config, data, seeds=seeds,
                      options=CrawlOptions(depth=0, per_host=2, delay=0.0, follow_original=False))
        assert stats.pages >= 2
    # the sample web is gone: what renders now comes from the WACZ alone
    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    result = export_wacz(data, site / "archive.wacz")
    assert result is not None
    (site / "ui.js").write_bytes((rwp / "ui.js").read_bytes())
    (site / "replay" / "ui.js").write_bytes((rwp / "ui.js").read_bytes())  # the replay frame's own copy
    (site / "replay" / "sw.js").write_bytes((rwp / "sw.js").read_bytes())
    # what the server answers at replay/ before the service worker runs (as the plugin does)
    (site / "replay" / "index.html").write_text(_REPLAY_INDEX)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Static, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with chromium() as browser:
            for url, needle in ((story.copy_url, story.copy_paragraphs[0][:60]),
                                (story.original_url, story.paragraphs[0][:60])):
                # the archive's own embedding page, pointed at the exported WACZ
                (site / "index.html").write_text(snapshot_page(
                    url=url, ts14=time.strftime("%Y%m%d%H%M%S", time.gmtime()),
                    wacz_href="archive.wacz", rwp_base="./", title="export-wacz check"))
                page = browser.new_page()
                logs: list[str] = []
                page.on("response", lambda r: logs.append(f"{r.status} {r.url}"))
                try:
                    page.goto(base + "/index.html", wait_until="load", timeout=30_000)
                    try:
                        text = _frame_text(page, url, needle)
                    except AssertionError as err:
                        raise AssertionError(f"{err}; responses: {logs[-30:]}") from None
                    assert needle in text
                finally:
                    page.close()
    finally:
        server.shutdown()
        server.server_close()
