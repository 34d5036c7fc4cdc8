"""Hardening, security (issue 7, item 4): the SSRF guard's decision over every address form
and in a real crawl, URLs and index rows that try to reach files outside the data directory,
and a Datasette that stays read-only. (The CSP sandbox in Chromium: tests/test_browser_replay.py.)
Each test is a case of the hardening ledger (tests/support/hardening.py): the SSRF
predicate checks are unit checks, the rest end-to-end."""
from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archive.fetch import crawler
from support.paths import ROOT
from support.query_archive import Archive

pytestmark = pytest.mark.hardening("e2e")

PRIVATE = [
    "http://127.0.0.1/", "http://127.0.0.2:8080/x", "http://localhost/", "http://LOCALHOST./",
    "http://a.localhost/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://0.0.0.0/",
    "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:10.0.0.1]/",
    "http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://017700000001/",
    "http://0x7f.0.0.1/", "http://224.0.0.1/",
]
PUBLIC = ["http://8.8.8.8/", "http://93.184.216.34/", "http://example.com/", "http://am1.news/x",
          "http://[2001:4860:4860::8888]/", "http://cafe/", "http://1e100.net/"]


@pytest.mark.hardening("unit")
@pytest.mark.parametrize("url", PRIVATE)
def test_guard_refuses_private_and_loopback_however_spelled(url: str) -> None:
    assert crawler._private_host(url) is True


@pytest.mark.hardening("unit")
@pytest.mark.parametrize("url", PUBLIC)
def test_guard_lets_public_addresses_and_names_through(url: str) -> None:
    assert crawler._private_host(url) is False


def _crawl_aggregator(web: Any, data: Path, guard: bool) -> set[str]:
    from archive.config import Config, Settings, Source
    from archive.fetch import CrawlOptions, crawl

    # the front page and a copy: the copy names its original on the publisher's host (the front
    # page's only link there is to the publisher's front page, which is no original)
    src = Source(name="agg", start=(web.aggregator_url + "/", web.truth()[0].copy_url), depth=1, delay=0.0, per_host=4,
                 follow_original=True, ssrf_guard=guard, requisites=False, max_pages=40)
    config = Config(path=data / "none.toml", settings=Settings(), sources={"agg": src}, rules={})
    crawl(config, data, source="agg", options=CrawlOptions())
    with sqlite3.connect(data / "archive.db") as conn:
        return {r[0] for r in conn.execute("SELECT url FROM captures")}


def test_crawl_refuses_private_links_found_on_a_public_page(sample_web: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline every server is on loopback: the guard's own predicate is made to see the
    aggregator (127.0.0.1) as public and everything else through the real test, so the
    publisher's pages (127.0.0.2) linked from it are private addresses on a public page."""
    real = crawler._private_host
    public_host = sample_web.aggregator_url.split("//")[1]
    monkeypatch.setattr(crawler, "_private_host",
                        lambda url: False if url.split("//")[1].startswith(public_host) else real(url))
    guarded = _crawl_aggregator(sample_web, tmp_path / "guarded", True)
    pub = sample_web.publisher_url
    assert any(u.startswith(sample_web.aggregator_url) for u in guarded)
    assert not [u for u in guarded if u.startswith(pub)], "a private address was fetched"
    # control: the same crawl without the guard follows the links to the publisher
    open_crawl = _crawl_aggregator(sample_web, tmp_path / "open", False)
    assert [u for u in open_crawl if u.startswith(pub)]


def test_crawl_refuses_a_redirect_from_a_public_page_to_a_private_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page (127.0.0.1, seen as public as above) whose link redirects to a private
    address (127.0.0.2): the 302 is archived, its target is never fetched; and a direct link
    to the private address is refused too."""
    from archive.config import Config, Settings, Source
    from archive.fetch import CrawlOptions, crawl
    from support.site import HTML, Site, page

    public, private = Site("127.0.0.1"), Site("127.0.0.2")
    with public, private:
        secret = private.url("/secret")
        private.pages["/secret"] = (200, [("Content-Type", HTML)], page("internal only"))
        public.pages["/"] = (200, [("Content-Type", HTML)],
                             page("Front", f'<a href="/go">go</a> <a href="{secret}?direct=1">Source: direct</a>'))
        public.pages["/go"] = (302, [("Location", secret), ("Content-Type", "text/plain")], b"moved")
        real = crawler._private_host
        host = public.url("/").split("//")[1].rstrip("/")
        monkeypatch.setattr(crawler, "_private_host",
                            lambda url: False if url.split("//")[1].startswith(host) else real(url))

        def run(guard: bool, data: Path) -> dict[str, int]:
            src = Source(name="pub", start=(public.url("/"),), scope=(host,), depth=2, delay=0.0,
                         follow_original=True, ssrf_guard=guard, requisites=False, respect_robots=False)
            config = Config(path=data / "none.toml", settings=Settings(), sources={"pub": src}, rules={})
            crawl(config, data, source="pub", options=CrawlOptions())
            with sqlite3.connect(data / "archive.db") as conn:
                return {r[0]: r[1] for r in conn.execute("SELECT url, status FROM captures")}

        guarded = run(True, tmp_path / "guarded")
        assert guarded.get(public.url("/go")) == 302
        assert not [u for u in guarded if u.startswith("http://127.0.0.2")], guarded
        control = run(False, tmp_path / "open")
        assert control.get(secret) == 200  # without the guard the redirect is followed


# ------------------------------------------------------------------------------ files outside

def _tamper(arc: Archive, row_id: str, url: str, warc_file: str) -> None:
    from archive.index.captures import CAPTURE_COLUMNS
    from archive.urls import surt

    evil = dataclasses.replace(arc.captures["story"], id=row_id, url=url, urlkey=surt(url),
                               warc_file=warc_file, warc_offset=0)
    row = dataclasses.asdict(evil)
    with sqlite3.connect(arc.data_dir / "archive.db") as conn:
        conn.execute(f"INSERT OR REPLACE INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES "
                     f"({', '.join('?' * len(CAPTURE_COLUMNS))})", [row[c] for c in CAPTURE_COLUMNS])


OUTSIDE = {
    "dotdot": "../../../../../../etc/passwd",
    "absolute": "/etc/passwd",
    "db": "../archive.db",
    "encoded": "..%2f..%2f..%2fetc%2fpasswd",
    "symlink": "link-out.warc.gz",
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_index_rows_and_symlinks_cannot_reach_files_outside_warcs(arc: Archive, case: str) -> None:
    """``archive replay`` and the replay route with a tampered row (relative, absolute,
    percent-encoded path) or a symlink in DATA/warcs pointing outside: refused, naming why."""
    from archive.datasette_plugin.app import load_metadata, make_datasette

    if case == "symlink":
        link = arc.data_dir / "warcs" / OUTSIDE[case]
        if not link.is_symlink():
            link.symlink_to("/etc/passwd")
    url = f"http://evil-{case}.example/"
    _tamper(arc, f"evil-{case}", url, OUTSIDE[case])
    proc = subprocess.run([sys.executable, "-m", "archive.cli", "replay", "--data", str(arc.data_dir), url],
                          capture_output=True, cwd=str(ROOT))
    err = proc.stderr.decode()
    assert proc.returncode != 0 and b"root:" not in proc.stdout, err
    assert "Traceback" not in err
    if case != "encoded":  # an encoded name is just a file name that does not exist in warcs/
        assert "outside DATA/warcs" in err, err
    ds = make_datasette(arc.data_dir, load_metadata(ROOT / "config" / "datasette.yml", arc.data_dir))
    r = asyncio.run(ds.client.get(f"/-/replay/20250101000000/{url}"))
    assert b"root:" not in r.content and b"SQLite format" not in r.content
    if case == "encoded":  # a name inside warcs/ that does not exist: the archive lacks the file
        assert r.status_code == 500 and "cannot open" in r.text and "No such file" in r.text, r.text[:300]
    else:  # refused before any file is opened
        assert r.status_code == 403 and "outside DATA/warcs" in r.text, (r.status_code, r.text[:300])


def test_import_never_writes_outside_warcs(tmp_path: Path) -> None:
    """A WARC whose file name carries traversal lands inside DATA/warcs under a safe name."""
    from support.warcs import write_warc

    src = tmp_path / "in"
    caps = write_warc(src, "x", 1)
    crafted = src / "..%2f..%2fescape.warc.gz"
    (src / caps[0].warc_file).rename(crafted)
    data = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "archive.cli", "import", "--no-process", "--data", str(data),
                           str(crafted)], capture_output=True, text=True, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(data / "archive.db") as conn:
        files = [r[0] for r in conn.execute("SELECT DISTINCT warc_file FROM captures")]
    warcs = (data / "warcs").resolve()
    assert files and all((warcs / f).resolve().parent == warcs and (warcs / f).is_file() for f in files)
    assert not (tmp_path / "escape.warc.gz").exists() and not (data / "escape.warc.gz").exists()


# ------------------------------------------------------------------------------ read-only Datasette

def test_datasette_refuses_every_kind_of_write(arc: Archive) -> None:
    from archive.datasette_plugin.app import load_metadata, make_datasette

    ds = make_datasette(arc.data_dir, load_metadata(ROOT / "config" / "datasette.yml", arc.data_dir))
    db = arc.data_dir / "archive.db"
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT count(*) FROM captures").fetchone()[0]

    def get(path: str, **params: str) -> Any:
        return asyncio.run(ds.client.get(path, params=params))

    cases = {
        "sql-delete": "DELETE FROM captures",
        "sql-pragma-query-only": "PRAGMA query_only = 0",
        "sql-attach": f"ATTACH DATABASE '{arc.data_dir / 'evil.db'}' AS evil",
        "sql-create": "CREATE TABLE evil (x)",
    }
    for name, sql in cases.items():
        r = get("/archive.json", sql=sql)
        assert r.status_code in (400, 403), (name, r.status_code, r.text[:300])
    assert not (arc.data_dir / "evil.db").exists()
    # the JSON write API of later Datasette versions does not exist here (a client error, not
    # the 500 that Datasette's rich-based handler gave before the plugin's handle_exception)
    for path in ("/archive/captures/-/insert", "/archive/captures/-/upsert", "/archive/-/create",
                 "/archive/captures/-/drop"):
        status = asyncio.run(ds.client.post(path, json={"row": {"id": "x"}})).status_code
        assert status in (400, 403, 404, 405), (path, status)
    # and the archive connection itself is query_only: a write through Datasette's own API fails
    with pytest.raises(sqlite3.OperationalError):
        asyncio.run(ds.get_database("archive").execute_write("INSERT INTO crawls (id) VALUES ('x')"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == before


# ------------------------------------------------------------------------------ CSP sandbox, Chromium

ESCAPE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>escape</title></head><body>
<p id="result">script did not run</p>
<script>
  var a = (location.search.match(/a=(\\w+)/) || [])[1];
  var O = location.origin;
  document.getElementById("result").textContent = "ran:" + a;
  if (a === "top") { top.location = O + "/-/versions.json?escaped=top"; }
  if (a === "open") { window.open(O + "/-/versions.json?escaped=open"); }
  if (a === "form") {
    var f = document.createElement("form"); f.method = "POST"; f.action = O + "/-/escape-form";
    document.body.appendChild(f); f.submit();
  }
  if (a === "parent") { parent.document.body.setAttribute("data-touched", "yes"); }
</script></body></html>"""
ACTIONS = ("top", "open", "form", "parent")


@pytest.fixture(scope="module")
def escape_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One archived page, captured under four URLs (``?a=top|open|form|parent``), whose script
    tries to leave its sandbox in that way."""
    import datetime as dt

    from archive.index import open_db
    from archive.index.captures import insert_captures
    from archive.warc.writer import WarcWriter
    from support.exchanges import fetch
    from support.site import HTML, Site

    data = tmp_path_factory.mktemp("escape") / "data"
    urls: dict[str, str] = {}
    caps = []
    with Site("127.0.0.1") as site, WarcWriter(data / "warcs", "esc", source="s", crawl_id="c") as w:
        for action in ACTIONS:
            path = f"/escape?a={action}"
            site.pages[path] = (200, [("Content-Type", HTML)], ESCAPE_PAGE.encode())
            caps.append(w.write_exchange(fetch(site.url(path), dt.datetime(2025, 1, 1))))
            urls[action] = site.url(path)
    db = open_db(data)
    insert_captures(db, caps)
    db.conn.close()
    return data, urls


def _attempt(browser: Any, base: str, replay_url: str, *, without_csp: bytes | None) -> dict[str, Any]:
    """Frame the replay in a page of the archive's own origin (a Playwright route answers the
    host page there), let the archived script try, and report what reached the browser."""
    host = f"{base}/-/escape-host"
    context = browser.new_context()
    seen: list[tuple[str, str]] = []
    context.on("request", lambda r: seen.append((r.method, r.url)))
    page = context.new_page()
    page.route(host, lambda route: route.fulfill(
        status=200, content_type="text/html",
        body=f'<html><body><iframe id="f" src="{replay_url}"></iframe></body></html>'))
    page.route(f"{base}/-/escape-form", lambda route: route.fulfill(status=200, body="form arrived"))
    if without_csp is not None:  # control: the same bytes with no security header at all
        page.route(replay_url, lambda route: route.fulfill(status=200, content_type="text/html",
                                                          body=without_csp))
    page.goto(host)
    page.wait_for_timeout(700)
    frame = page.frame_locator("#f")
    try:
        result = frame.locator("#result").text_content(timeout=1000)
    except Exception:  # noqa: BLE001 - the frame navigated away (form, top)
        result = None
    out = {
        "top_url": page.url,
        "escaped": [u for m, u in seen if "escaped=" in u],
        "form_posts": [u for m, u in seen if m == "POST" and u.endswith("/-/escape-form")],
        "pages": len(context.pages),
        "touched": page.evaluate("document.body.getAttribute('data-touched')") if page.url == host else None,
        "result": result,
    }
    context.close()
    return out


@pytest.mark.browser
def test_csp_sandbox_stops_archived_scripts_leaving_the_replay(escape_archive: tuple[Path, dict[str, str]]) -> None:
    """``top.location``, ``window.open``, a form POST to the archive origin and
    ``parent.document``, each from an archived page framed on the archive's origin: none gets
    through under the replay's headers; the same bytes without them (control) do each one."""
    import httpx

    from support.archive_serve import Served
    from support.browser import chromium

    data, urls = escape_archive
    with Served(data) as served, chromium() as browser:  # noqa: F841
        for action in ACTIONS:
            replay_url = f"{served.base}/-/replay/20250101000000/{urls[action]}"
            archived = httpx.get(replay_url)
            assert archived.status_code == 200 and archived.headers["content-security-policy"] == "sandbox"
            got = _attempt(browser, served.base, replay_url, without_csp=None)
            assert got["result"] == "script did not run", got
            assert got["top_url"].endswith("/-/escape-host") and not got["escaped"], got
            assert not got["form_posts"] and got["pages"] == 1 and got["touched"] is None, got
            control = _attempt(browser, served.base, replay_url, without_csp=archived.content)
            if action == "top":
                assert "escaped=top" in control["top_url"], control
            elif action == "open":
                assert control["escaped"] and control["pages"] == 2, control
            elif action == "form":
                assert control["form_posts"], control
            else:
                assert control["touched"] == "yes" and control["result"] == "ran:parent", control


SNAPSHOT_TARGETS = [
    "/-/snapshot/20250101000000/../../../../etc/passwd",
    "/-/snapshot/20250101000000/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/-/snapshot/20250101000000/file:///etc/passwd",
    "/-/snapshot/../../archive.db",
    "/-/snapshot-wacz/..%2farchive.db",
    "/-/snapshot-wacz/..%2f..%2f..%2fetc%2fpasswd",
    "/-/snapshot-wacz/%2e%2e%2farchive.db",
    "/-/snapshot-wacz/../archive.db",
    "/-/snapshot-rwp/..%2f..%2farchive.db",
    "/-/snapshot-rwp/replay/..%2f..%2f..%2fetc%2fpasswd",
    "/-/replay/20250101000000/http://127.0.0.1/..%2f..%2f..%2fetc%2fpasswd",
    "/-/replay/20250101000000/%2Fetc%2Fpasswd",
]


def test_snapshot_and_replay_routes_never_serve_files_outside(
        escape_archive: tuple[Path, dict[str, str]]) -> None:
    """Raw request lines (no client-side normalisation of the path) against a real
    ``archive serve``; and a symlink in the snapshot cache that leads outside is refused."""
    from support.archive_serve import Served
    from support.raw_http import raw_get

    data, _ = escape_archive
    (data / "snapshots").mkdir(exist_ok=True)
    link = data / "snapshots" / "evil.wacz"
    if not link.is_symlink():
        link.symlink_to(data / "archive.db")
    with Served(data) as served:
        for target in SNAPSHOT_TARGETS + ["/-/snapshot-wacz/evil.wacz"]:
            status, body = raw_get(served.port, target)
            if status == 302:  # Datasette's redirect of a '%' path to its '~' form: follow it
                location = [ln.split(b":", 1)[1].strip().decode() for ln in body.split(b"\r\n")
                            if ln.lower().startswith(b"location:")][0]
                status, body = raw_get(served.port, location)
            assert status in (400, 403, 404), (target, status, body[:300])
            assert b"root:" not in body and b"SQLite format" not in body and b"WARC/1.1" not in body
        status, body = raw_get(served.port, "/-/snapshot-wacz/evil.wacz")
        assert status == 403 and b"outside the snapshot cache" in body
