"""Headless Chromium (Debian's, driven by Playwright) against a real ``archive serve`` process:
browse the articles table, search, follow a replay link; and an archived script that reads
``document.cookie`` and fetches the archive's origin fails under the replay headers while the
same page served without them (a control server of this test's own) runs it."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from support.archive_serve import Served
from support.query_archive import Archive
from support.screenshots import shots_dir
from support.site import Site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(arc: Archive) -> Iterator[Served]:
    with Served(arc.data_dir) as server:
        yield server


def test_browse_search_and_follow_a_replay_link(browser: Any, served: Served, arc: Archive,
                                                tmp_path: Path) -> None:
    from playwright.sync_api import expect

    shots = shots_dir(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{served.base}/archive/articles")
    expect(page.locator("h1")).to_contain_text("Articles")
    page.screenshot(path=str(shots / "articles.png"), full_page=True)
    page.fill("input[name=_search]", "putin")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=putin**")
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows).to_have_count(2)  # the original and its copy
    expect(page.locator("table.rows-and-columns")).to_contain_text("Putin wants crisis to worsen")
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    link = page.locator("a.archive-replay", has_text="replay").first
    href = link.get_attribute("href")
    assert href and href.startswith("/-/replay/")
    link.click()
    page.wait_for_url(f"**{href}")
    expect(page.locator("h1#headline")).to_contain_text("Putin wants crisis to worsen")
    shot = shots / "replay.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000
    page.goto(f"{served.base}/-/archive-charts")
    expect(page.locator("svg.copies-per-day rect[data-series='Washington Examiner']")).to_have_count(1)
    page.screenshot(path=str(shots / "charts.png"), full_page=True)
    page.close()


def _watch(page: Any) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    return requests, console


def test_archived_script_cannot_touch_the_archive_origin(browser: Any, served: Served, arc: Archive) -> None:
    from playwright.sync_api import expect

    replay_url = f"{served.base}/-/replay/20250101040000/{arc.urls['cookie']}"
    archived = httpx.get(replay_url)
    assert archived.headers["content-security-policy"] == "sandbox"
    assert b"document.cookie" in archived.content

    # under the replay route's own headers (served by the real archive server)
    context = browser.new_context()
    page = context.new_page()
    requests, console = _watch(page)
    page.goto(replay_url)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#result")).to_have_text("script did not run")
    assert not any("/-/versions.json" in u for u in requests), requests
    assert not [c for c in context.cookies() if c["name"] == "probe"]
    assert any("sandboxed" in c and "allow-scripts" in c for c in console), console
    context.close()

    # control: the same bytes without the CSP, from a server of our own: the script runs,
    # sets a cookie and fetches its origin (a JSON answer stands in for the archive's)
    with Site() as control:
        control.pages["/page"] = (200, [("Content-Type", "text/html; charset=utf-8")], archived.content)
        control.pages["/-/versions.json"] = (200, [("Content-Type", "application/json")], b'{"ok": true}')
        context = browser.new_context()
        page = context.new_page()
        requests, _ = _watch(page)
        page.goto(control.url("/page"))
        expect(page.locator("#result")).to_contain_text("fetch-ok")
        expect(page.locator("#result")).to_contain_text("cookie:probe=1")
        assert any("/-/versions.json" in u for u in requests)
        assert [c for c in context.cookies() if c["name"] == "probe"]
        context.close()
