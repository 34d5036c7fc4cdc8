"""Re-crawls that replay in pywb: a first crawl, an unchanged re-crawl and a re-crawl after the
site changed, all replayed by a real ``wayback`` (pywb 2.10) at every capture's own timestamp.

The record design under test (README "Design decisions"): by default an unchanged page is fetched
in full and stored as an ``identical-payload-digest`` revisit with the real 200 head and
``WARC-Refers-To-Target-URI/-Date``: pywb then shows the page, at the re-crawl's timestamp, with
the first capture's bytes. With ``conditional_get = true`` a 304 is stored as a
``server-not-modified`` revisit: the archive's own replay resolves it to the confirmed page,
pywb serves the 304 as recorded (an empty answer), as the README says.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from archive.model import CrawlStats
from archive.sampleweb import SampleWeb
from support.pywb import Wayback, wayback_ts
from support.paths import ROOT

pytestmark = pytest.mark.timeout(300)

IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
VALIDATORS = ("If-None-Match", "If-Modified-Since")


@dataclass
class Crawls:
    """Several crawls of one sample web into one data directory, with what was served each time."""

    sw: SampleWeb
    data: Path
    stats: list[CrawlStats] = field(default_factory=list)
    served: list[dict[str, bytes]] = field(default_factory=list)  # page URL -> identity body, per crawl
    requests: list[list[Any]] = field(default_factory=list)  # the server's request records, per crawl
    changed: set[str] = field(default_factory=set)  # pages whose body differs in the last crawl

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()

    def capture(self, i: int, url: str) -> tuple[str, int, str, str | None, str | None]:
        """(record type, status, timestamp, refers-to URL, refers-to date) of ``url`` in crawl ``i``."""
        rows = self.rows("SELECT record_type, status, timestamp, refers_to_url, refers_to_date FROM captures "
                         "WHERE crawl_id = ? AND url = ?", self.stats[i].id, url)
        assert len(rows) == 1, (i, url, rows)
        return rows[0]

    def record(self, i: int, url: str) -> tuple[Any, str, bytes]:
        """(WARC headers, HTTP status line, payload) of ``url``'s record in crawl ``i``."""
        from warcio.archiveiterator import ArchiveIterator

        (wf, off), = self.rows("SELECT warc_file, warc_offset FROM captures WHERE crawl_id = ? AND url = ?",
                               self.stats[i].id, url)
        with (self.data / "warcs" / wf).open("rb") as fh:
            fh.seek(off)
            rec = next(iter(ArchiveIterator(fh)))
            return rec.rec_headers, rec.http_headers.statusline, rec.raw_stream.read()


def _crawl_rounds(sw: SampleWeb, data: Path, rounds: int, *, advance_before_last: bool,
                  conditional: bool | None) -> Crawls:
    config = load_config(ROOT / "config" / "sources.toml")
    seeds = [sw.aggregator_url + "/", sw.publisher_url + "/feed.xml"]
    opts = CrawlOptions(depth=4, per_host=4, delay=0, fetchers=1, conditional_get=conditional)
    out = Crawls(sw, data)
    for i in range(rounds):
        if advance_before_last and i == rounds - 1:
            before = out.served[-1]
            sw.advance()
            out.changed = {u for u in sw.page_urls() if u in before and sw.body(u) != before[u]}
        out.served.append({u: sw.body(u) for u in sw.page_urls()})
        start = len(sw.request_log)
        out.stats.append(crawl(config, data, seeds=seeds, options=opts))
        out.requests.append(list(sw.request_log[start:]))
        # over 2 s between one crawl's last capture and the next one's first: a capture looked up
        # by its 14-digit second (within 1 s of it) is then nearer than any other crawl's
        time.sleep(2.1)
    return out


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    """First crawl, unchanged re-crawl, re-crawl after ``advance()``: default settings."""
    data = tmp_path_factory.mktemp("recrawl") / "data"
    with SampleWeb(articles=12, seed=5) as sw:
        yield _crawl_rounds(sw, data, 3, advance_before_last=True, conditional=None)


@pytest.fixture(scope="module")
def conditional(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    """First crawl and unchanged re-crawl with ``conditional_get`` on (another sample web: its
    own ports, so both archives share one pywb collection without sharing a URL)."""
    data = tmp_path_factory.mktemp("conditional") / "data"
    with SampleWeb(articles=6, seed=6) as sw:
        yield _crawl_rounds(sw, data, 2, advance_before_last=False, conditional=True)


@pytest.fixture(scope="module")
def wayback(default: Crawls, conditional: Crawls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wayback]:
    warcs = sorted((default.data / "warcs").glob("*.warc.gz")) + sorted((conditional.data / "warcs").glob("*.warc.gz"))
    with Wayback(warcs, tmp_path_factory.mktemp("pywb")) as wb:
        yield wb


def _pages(c: Crawls, i: int) -> list[str]:
    """The sample web's pages that crawl ``i`` captured (every one of them, checked)."""
    captured = {u for (u,) in c.rows("SELECT url FROM captures WHERE crawl_id = ?", c.stats[i].id)}
    pages = sorted(c.served[i])
    assert set(pages) <= captured, sorted(set(pages) - captured)[:5]
    return pages


# ---------------------------------------------------------------------------- both designs

@pytest.mark.parametrize("which", ["default", "conditional"])
def test_recrawl_warcs_pass_warcio_check_and_reindex_to_the_same_rows(which: str, request: pytest.FixtureRequest,
                                                                      tmp_path: Path) -> None:
    """Both revisit profiles are valid WARC (digests checked by ``warcio check -v``), and the
    index the crawl wrote is the one ``archive reindex`` derives from the files alone (payload
    digest and refers-to fields of every revisit included)."""
    import shutil
    import subprocess

    from archive.index.rebuild import reindex
    from support.interop import tool

    c: Crawls = request.getfixturevalue(which)
    for f in sorted((c.data / "warcs").glob("*.warc.gz")):
        out = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
    cols = ("id, url, timestamp, status, payload_digest, record_type, warc_file, warc_offset, refers_to_url, "
            "refers_to_date, etag, content_length, crawl_id")
    before = set(c.rows(f"SELECT {cols} FROM captures"))
    copy = tmp_path / "copy"
    shutil.copytree(c.data, copy)
    with sqlite3.connect(copy / "archive.db") as conn:
        conn.execute("DELETE FROM captures")
    reindex(copy)
    with sqlite3.connect(copy / "archive.db") as conn:
        after = set(conn.execute(f"SELECT {cols} FROM captures").fetchall())
    assert before == after
    assert any(row[5] == "revisit" for row in before)


# ---------------------------------------------------------------------------- default: full GETs

def test_unchanged_recrawl_sends_no_validators_and_stores_revisits_with_the_real_200_head(default: Crawls) -> None:
    assert not [r.path for r in default.requests[1] if any(r.header(v) for v in VALIDATORS)]
    pages = _pages(default, 1)
    for url in pages:
        kind, status, _, ref_url, ref_date = default.capture(1, url)
        first_ts = default.capture(0, url)[2]
        assert (kind, status) == ("revisit", 200), url
        assert (ref_url, ref_date) == (url, first_ts), url
        warc, status_line, payload = default.record(1, url)
        assert warc.get_header("WARC-Profile") == IDENTICAL and payload == b"", url
        assert status_line.startswith("200") and warc.get_header("WARC-Refers-To-Target-URI") == url
    assert not default.rows("SELECT url FROM captures WHERE status = 304")


def test_no_payload_is_stored_twice_over_three_crawls(default: Crawls) -> None:
    twice = default.rows("SELECT url, payload_digest, count(*) FROM captures WHERE record_type = 'response' "
                         "GROUP BY url, payload_digest HAVING count(*) > 1")
    assert twice == []
    (revisits,) = default.rows("SELECT count(*) FROM captures WHERE crawl_id = ? AND record_type = 'revisit'",
                               default.stats[1].id)[0]
    assert revisits >= len(default.served[1])


def test_changed_pages_get_new_responses_and_unchanged_ones_revisits(default: Crawls) -> None:
    assert default.changed, "advance() changed no page"
    new = set(default.served[2]) - set(default.served[1])
    assert new, "advance() added no story"
    for url in _pages(default, 2):
        kind, status, *_ = default.capture(2, url)
        fresh = url in default.changed or url in new
        assert (kind, status) == (("response", 200) if fresh else ("revisit", 200)), url


def test_pywb_replays_every_page_at_every_timestamp_with_the_bytes_it_had_then(default: Crawls,
                                                                             wayback: Wayback) -> None:
    checked = 0
    for i in range(3):
        for url in _pages(default, i):
            ts = wayback_ts(default.capture(i, url)[2])
            resp = wayback.fetch(url, ts)
            assert resp.status_code == 200, (i, url, resp.status_code)
            assert resp.content == default.served[i][url], (i, url)
            checked += 1
    assert checked >= 3 * 30
    assert default.changed
    for url in _pages(default, 2):  # the latest capture: a revisit, or a changed page's new bytes
        resp = wayback.fetch(url)
        assert resp.status_code == 200 and resp.content == default.served[2][url], url


# ---------------------------------------------------------------------------- conditional_get = true

def test_conditional_recrawl_stores_304s_as_server_not_modified_revisits(conditional: Crawls) -> None:
    sent = [r for r in conditional.requests[1] if any(r.header(v) for v in VALIDATORS)]
    assert sent and all(r.status == 304 for r in sent)
    for url in _pages(conditional, 1):
        kind, status, _, ref_url, ref_date = conditional.capture(1, url)
        assert (kind, status) == ("revisit", 304), url
        assert (ref_url, ref_date) == (url, conditional.capture(0, url)[2]), url
        warc, status_line, payload = conditional.record(1, url)
        assert warc.get_header("WARC-Profile") == NOT_MODIFIED and payload == b"", url
        assert status_line.startswith("304") and warc.get_header("WARC-Refers-To-Date") == ref_date


def test_conditional_recrawl_replays_in_the_archive_as_the_confirmed_page(conditional: Crawls) -> None:
    from archive.index import open_db
    from archive.replay import open_replay

    db = open_db(conditional.data, readonly=True)
    try:
        for url in _pages(conditional, 1):
            rep = open_replay(db, conditional.data, url, wayback_ts(conditional.capture(1, url)[2]))
            assert rep.confirmed_by is not None and rep.confirmed_by.status == 304, url
            assert rep.status == 200 and b"".join(rep.decoded_payload()) == conditional.served[0][url], url
    finally:
        db.conn.close()


def test_conditional_recrawl_in_pywb_is_what_the_readme_says(conditional: Crawls, wayback: Wayback) -> None:
    """README: pywb 2.10 serves a server-not-modified revisit as the recorded 304 with no body
    (it never loads a 3xx revisit's original); the first crawl's timestamp shows the page."""
    readme = " ".join((ROOT / "README.md").read_text().split())  # wrapped anywhere
    assert "pywb 2.10 replays them as the recorded `304` with no body" in readme
    for url in _pages(conditional, 1)[:8]:
        second = wayback.fetch(url, wayback_ts(conditional.capture(1, url)[2]))
        assert (second.status_code, second.content) == (304, b""), url
        first = wayback.fetch(url, wayback_ts(conditional.capture(0, url)[2]))
        assert first.status_code == 200 and first.content == conditional.served[0][url], url
