"""HTTPS end to end: the sample web served over TLS (a local CA from trustme, trusted through
``SSL_CERT_FILE``) is crawled beside four hosts whose certificates fail (issued by a CA nobody
trusts, expired, not yet valid, issued for another name); then WARC (https target URIs,
``WARC-IP-Address``), index, ``/-/replay/``, pywb and ``/-/snapshot/``. ``ca_bundle`` (settings or per source) is the
other way to trust a CA: checked at config load, relative to the config file."""
from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from archive.config import load_config
from archive.errors import ConfigError
from archive.fetch import CrawlOptions, crawl
from archive.model import CrawlStats
from archive.sampleweb import SampleWeb
from support.hostile_server import HostileServer
from support.pywb import Wayback, wayback_ts
from support.tls import LocalCA
from support.interop import tool
from support.paths import ROOT
from support.sources import write_sources

pytestmark = pytest.mark.timeout(300)

# the certificate problem of each bad host, the error kind the crawl must record, OpenSSL's words
BAD_HOSTS = {
    "untrusted": ("127.0.0.3", "tls-untrusted", "unable to get local issuer certificate"),
    "expired": ("127.0.0.4", "tls-expired", "certificate has expired"),
    "wrong-host": ("127.0.0.5", "tls-hostname", "not valid for '127.0.0.5'"),
    "not-yet-valid": ("127.0.0.7", "tls-not-yet-valid", "certificate is not yet valid"),
}


@dataclass
class TlsCrawl:
    sw: SampleWeb
    data: Path
    stats: CrawlStats
    bad: dict[str, HostileServer]
    ca: LocalCA
    pages: dict[str, bytes] = field(default_factory=dict)  # page URL -> identity body served

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()


def _bad_servers(ca: LocalCA, other: LocalCA) -> dict[str, HostileServer]:
    contexts = {
        "untrusted": other.server_context(BAD_HOSTS["untrusted"][0]),
        "expired": ca.server_context(BAD_HOSTS["expired"][0], expired=True),
        "wrong-host": ca.server_context("wrong-host.test"),
        "not-yet-valid": ca.server_context(BAD_HOSTS["not-yet-valid"][0], future=True),
    }
    return {name: HostileServer(BAD_HOSTS[name][0], robots="ok", pages=2, ssl_context=ctx).start()
            for name, ctx in contexts.items()}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsCrawl]:
    tmp = tmp_path_factory.mktemp("tls")
    ca, other = LocalCA(tmp), LocalCA(tmp, "nobody-trusts-this")
    sw = SampleWeb(articles=12, seed=7, ssl_context=ca.server_context("127.0.0.1", "127.0.0.2")).start()
    bad = _bad_servers(ca, other)
    try:
        hosts = [sw.aggregator_url, sw.publisher_url] + [s.url for s in bad.values()]
        toml = write_sources(tmp / "sources.toml", {"tls": {
            "start": [sw.aggregator_url + "/", sw.publisher_url + "/feed.xml"] + [s.url + "/" for s in bad.values()],
            "scope": [h.split("://", 1)[1] for h in hosts], "depth": 4, "delay": 0, "per_host": 4,
            "ssrf_guard": False}}, rules_file="")
        pages = {u: sw.body(u) for u in sw.page_urls()}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SSL_CERT_FILE", str(ca.pem))  # the fetcher process inherits it
            stats = crawl(load_config(toml), tmp / "data", source="tls", options=CrawlOptions(fetchers=2))
        yield TlsCrawl(sw, tmp / "data", stats, bad, ca, pages)
    finally:
        sw.stop()
        for s in bad.values():
            s.stop()


def test_https_crawl_captures_every_page_of_the_sample_web(tls: TlsCrawl) -> None:
    assert tls.stats.finished
    captured = {u for (u,) in tls.rows("SELECT url FROM captures WHERE crawl_id = ? AND status = 200", tls.stats.id)}
    assert set(tls.pages) <= captured, sorted(set(tls.pages) - captured)[:5]
    assert all(u.startswith("https://") for (u,) in tls.rows("SELECT url FROM captures"))
    # every page was fetched over TLS from the address it names, and the index says which
    ips = dict(tls.rows("SELECT url, ip FROM captures WHERE crawl_id = ?", tls.stats.id))
    for url in tls.pages:
        assert ips[url] == url.split("://", 1)[1].split(":", 1)[0], url


def test_https_warcs_pass_warcio_check_with_https_targets_and_ip_addresses(tls: TlsCrawl) -> None:
    from warcio.archiveiterator import ArchiveIterator

    files = sorted((tls.data / "warcs").glob("*.warc.gz"))
    assert len(files) >= 2 and not list((tls.data / "warcs").glob("*.open"))  # one per fetcher
    responses = 0
    for f in files:
        out = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        with f.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit", "request"):
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    assert uri.startswith("https://127.0.0."), uri
                if rec.rec_type == "response":
                    responses += 1
                    assert rec.rec_headers.get_header("WARC-IP-Address") in ("127.0.0.1", "127.0.0.2")
    assert responses >= len(tls.pages)


def test_each_certificate_error_is_a_named_fetch_error_and_the_crawl_goes_on(tls: TlsCrawl) -> None:
    for name, srv in tls.bad.items():
        _, kind, words = BAD_HOSTS[name]
        rows = tls.rows("SELECT error, detail FROM fetch_errors WHERE url = ?", srv.url + "/")
        assert len(rows) == 1, (name, rows)
        assert rows[0][0] == kind and words in rows[0][1], (name, rows)
        assert tls.rows("SELECT count(*) FROM captures WHERE url LIKE ?", srv.url + "%") == [(0,)]
        assert not srv.events(event="request")  # no request ever crossed the failed handshake
    # the sample web's own errors (robots-disallowed pages, its one 500) are no TLS errors
    assert len(tls.rows("SELECT 1 FROM fetch_errors WHERE error LIKE 'tls%'")) == len(BAD_HOSTS)
    assert tls.stats.errors == len(tls.rows("SELECT 1 FROM fetch_errors"))


def _datasette(data: Path) -> Any:
    from archive.datasette_plugin.app import load_metadata, make_datasette

    return make_datasette(data, load_metadata(ROOT / "config" / "datasette.yml", data))


def _first_ts(tls: TlsCrawl, url: str) -> str:
    (ts,), = tls.rows("SELECT timestamp FROM captures WHERE url = ?", url)
    return wayback_ts(ts)


def test_https_pages_replay_byte_exact_in_the_archive_route(tls: TlsCrawl) -> None:
    ds = _datasette(tls.data)
    for url in sorted(tls.pages):
        r = asyncio.run(ds.client.get(f"/-/replay/{_first_ts(tls, url)}/{url}",
                                      headers={"Accept-Encoding": "identity"}))
        assert r.status_code == 200, (url, r.status_code)
        assert r.content == tls.pages[url], url
        assert r.headers["content-security-policy"] == "sandbox"


def test_https_pages_replay_byte_exact_in_pywb(tls: TlsCrawl, tmp_path: Path) -> None:
    with Wayback(sorted((tls.data / "warcs").glob("*.warc.gz")), tmp_path / "pywb") as wb:
        for url in sorted(tls.pages):
            resp = wb.fetch(url, _first_ts(tls, url))
            assert resp.status_code == 200, (url, resp.status_code)
            assert resp.content == tls.pages[url], url


def test_https_page_shows_in_the_snapshot_route(tls: TlsCrawl) -> None:
    """The snapshot page names the https URL, and its WACZ indexes the page (and its
    stylesheet) under their https URLs, with the page listed in pages.jsonl."""
    story = next(s for s in tls.sw.truth() if s.copy_url)
    url = story.copy_url
    ds = _datasette(tls.data)
    r = asyncio.run(ds.client.get(f"/-/snapshot/{_first_ts(tls, url)}/{url}"))
    assert r.status_code == 200 and "<replay-web-page" in r.text and url in r.text
    wacz_path = r.text.split('source="', 1)[1].split('"', 1)[0]
    w = asyncio.run(ds.client.get(wacz_path))
    assert w.status_code == 200
    with zipfile.ZipFile(io.BytesIO(w.content)) as z:
        index = z.read("indexes/index.cdxj").decode()
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
    urls = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines() if line.strip()}
    assert url in urls and any(u.startswith("https://") and u.endswith(".css") for u in urls), sorted(urls)
    assert [p["url"] for p in pages] == [url]


@pytest.mark.browser
def test_https_page_renders_in_the_snapshot_view(tls: TlsCrawl) -> None:
    """ReplayWeb.page, in headless Chromium, shows the archived https page (its headline and its
    stylesheet) from the snapshot's WACZ, with the live server gone: nothing is fetched from it."""
    from support.browser import archived_frame, chromium
    from support.served import ServedApp, archive_app

    story = next(s for s in tls.sw.truth() if s.original_url)
    url = story.original_url
    before = len(tls.sw.request_log)
    with ServedApp(archive_app(tls.data)) as server, chromium() as browser:
        page = browser.new_page()
        page.goto(f"{server.base}/-/snapshot/{_first_ts(tls, url)}/{url}", wait_until="load", timeout=30_000)
        frame = archived_frame(page, url, story.headline)
        frame.wait_for_load_state("load")
        background = frame.evaluate("getComputedStyle(document.body).backgroundImage")
        assert "bg-" in background, background  # the @imported stylesheet, from the archive
    assert len(tls.sw.request_log) == before


# ---------------------------------------------------------------------------- ca_bundle

def test_ca_bundle_relative_to_the_config_file_trusts_a_private_ca(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """No SSL_CERT_FILE: a source's ``ca_bundle`` (a path relative to the config file) lets its
    https host be crawled; the same host without it is a ``tls-untrusted`` error."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ca = LocalCA(tmp_path, "private")
    srv = HostileServer("127.0.0.6", robots="ok", pages=3, ssl_context=ca.server_context("127.0.0.6")).start()
    try:
        common = {"start": [srv.url + "/"], "depth": 1, "delay": 0, "ssrf_guard": False}
        toml = write_sources(tmp_path / "sources.toml", {
            "with-ca": {**common, "ca_bundle": "private.pem"}, "without": common}, rules_file="")
        config = load_config(toml)
        assert config.sources["with-ca"].ca_bundle == str((tmp_path / "private.pem").resolve())
        ok = crawl(config, tmp_path / "a", source="with-ca", options=CrawlOptions(fetchers=1))
        assert ok.pages == 4 and ok.errors == 0  # /, its three pages (robots.txt is no page)
        refused = crawl(config, tmp_path / "b", source="without", options=CrawlOptions(fetchers=1))
        assert refused.pages == 0
        with sqlite3.connect(tmp_path / "b" / "archive.db") as conn:
            assert conn.execute("SELECT error FROM fetch_errors").fetchall() == [("tls-untrusted",)]
    finally:
        srv.stop()


@pytest.mark.parametrize("where", ["settings", "source"])
@pytest.mark.parametrize("content", [None, b"not a certificate\n"])
def test_a_bad_ca_bundle_is_named_at_config_load(tmp_path: Path, where: str, content: bytes | None) -> None:
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_bytes(content)
    source: dict[str, object] = {"start": ["https://127.0.0.1:9/"]}
    settings: dict[str, object] = {"rules_file": ""}
    (settings if where == "settings" else source)["ca_bundle"] = "ca.pem"
    toml = write_sources(tmp_path / "sources.toml", {"s": source}, **settings)
    with pytest.raises(ConfigError) as err:
        load_config(toml)
    text = str(err.value)
    assert str(toml) in text and "ca_bundle" in text and "'ca.pem'" in text
    assert ("no such file" if content is None else "not a PEM file") in text
