"""End to end on the bundled sample web: crawl, recrawl unchanged (full GETs by default, no
payload stored twice: identical-payload-digest revisits), recrawl after ``advance()`` (changed
pages get new responses); every WARC passes ``warcio check -v`` and ``cdxj-indexer``; pywb
replays the exact bytes served."""
from __future__ import annotations

import gzip
import hashlib
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from archive.model import CrawlStats
from archive.sampleweb import SampleWeb
from support.pywb import Wayback, wayback_ts
from support.interop import tool
from support.paths import ROOT


@dataclass
class Crawled:
    sw: SampleWeb
    data: Path
    stats: list[CrawlStats]
    logs: list[list]  # the server's request records of each crawl
    truth0: object  # the sample web's truth during the first two crawls

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("crawl") / "data"
    config = load_config(ROOT / "config" / "sources.toml")
    sw = SampleWeb(articles=40, seed=1)
    sw.start()
    try:
        seeds = [sw.aggregator_url + "/", sw.publisher_url + "/feed.xml"]
        opts = CrawlOptions(depth=4, per_host=4, delay=0, fetchers=1)
        stats, logs = [], []
        truth0 = sw.truth()
        for round_ in range(3):
            if round_ == 2:
                sw.advance()
            start = len(sw.request_log)
            stats.append(crawl(config, data, seeds=seeds, options=opts))
            logs.append(list(sw.request_log[start:]))
            time.sleep(1.2)  # distinct 14-digit Wayback timestamps per crawl
        yield Crawled(sw, data, stats, logs, truth0)
    finally:
        sw.stop()


def test_first_crawl_reaches_every_story_and_both_hosts(crawled):
    first = crawled.stats[0]
    urls = {u for (u,) in crawled.rows("SELECT url FROM captures WHERE crawl_id = ?", first.id)}
    truth = crawled.truth0
    originals = {s.original_url for s in truth}
    copies = {s.copy_url for s in truth if s.copy_url}
    assert originals <= urls and copies <= urls
    assert first.pages == len(crawled.rows("SELECT 1 FROM captures WHERE crawl_id = ? AND url NOT LIKE '%/robots.txt'",
                                           first.id))
    (finished,) = crawled.rows("SELECT finished FROM crawls WHERE id = ?", first.id)[0]
    assert finished


def test_every_warc_passes_warcio_check_and_cdxj_indexer(crawled):
    files = sorted((crawled.data / "warcs").glob("*.warc.gz"))
    assert files and not list((crawled.data / "warcs").glob("*.open"))
    for f in files:
        out = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        cdx = subprocess.run([tool("cdxj-indexer"), str(f)], capture_output=True, text=True)
        assert cdx.returncode == 0, cdx.stderr
        n = crawled.rows("SELECT count(*) FROM captures WHERE warc_file = ?", f.name)[0][0]
        assert len([ln for ln in cdx.stdout.splitlines() if ln.strip()]) >= n


def test_robots_disallowed_urls_never_reach_the_server(crawled):
    paths = [r.path for log in crawled.logs for r in log]
    assert "/robots.txt" in paths
    assert not any(p.startswith("/private/") for p in paths)
    errs = crawled.rows("SELECT url FROM fetch_errors WHERE error = 'robots'")
    assert errs and all("/private/" in u for (u,) in errs)


def test_every_redirect_hop_is_captured(crawled):
    first = crawled.stats[0].id
    redirects = crawled.rows("SELECT url, warc_file, warc_offset FROM captures WHERE crawl_id = ? "
                             "AND status IN (301, 302)", first)
    assert redirects
    from urllib.parse import urljoin

    from warcio.archiveiterator import ArchiveIterator

    captured = {u for (u,) in crawled.rows("SELECT url FROM captures WHERE crawl_id = ?", first)}
    for url, warc_file, offset in redirects:
        with (crawled.data / "warcs" / warc_file).open("rb") as fh:
            fh.seek(offset)
            rec = next(iter(ArchiveIterator(fh)))
            target = urljoin(url, rec.http_headers.get_header("Location"))
        assert target in captured, f"the target of {url} ({target}) was not captured"
    truth = crawled.truth0
    via_r = [s for s in truth if s.copy_link and "/r/" in s.copy_link]
    assert via_r
    for s in via_r:
        assert crawled.rows("SELECT status FROM captures WHERE crawl_id = ? AND url = ?", first, s.copy_link) == [(302,)]


def test_second_crawl_fetches_in_full_and_stores_no_payload_twice(crawled):
    """The default since re-crawls must replay in other tools (issue 13): no validators are sent,
    every unchanged page is answered 200 in full and stored as a revisit (conditional GET, and
    its 304s, only with ``conditional_get = true``: tests/test_recrawl_pywb.py)."""
    second = crawled.stats[1].id
    conditional = [r for r in crawled.logs[1] if r.header("If-None-Match") or r.header("If-Modified-Since")]
    assert conditional == []
    assert not any(r.status == 304 for r in crawled.logs[1])
    kinds = dict(crawled.rows("SELECT record_type, count(*) FROM captures WHERE crawl_id = ? GROUP BY 1", second))
    first_200 = crawled.rows("SELECT count(*) FROM captures WHERE crawl_id = ? AND status = 200",
                             crawled.stats[0].id)[0][0]
    assert kinds.get("revisit", 0) >= 0.8 * first_200
    # in the first two crawls no URL has the same payload stored twice in a response record
    dup = crawled.rows(
        "SELECT url, payload_digest, count(*) FROM captures WHERE record_type = 'response' AND status != 304 "
        "AND crawl_id IN (?, ?) GROUP BY url, payload_digest HAVING count(*) > 1", crawled.stats[0].id, second)
    assert dup == []
    for url, refers_url, refers_date in crawled.rows(
            "SELECT url, refers_to_url, refers_to_date FROM captures WHERE crawl_id = ? AND record_type = 'revisit'",
            second):
        assert refers_url == url and refers_date


def test_changed_pages_get_new_responses_after_advance(crawled):
    sw = crawled.sw
    changed = sw.changed_in()
    assert changed
    truth = sw.truth()
    first, third = crawled.stats[0].id, crawled.stats[2].id
    for i in changed:
        url = truth[i].original_url
        old = crawled.rows("SELECT payload_digest FROM captures WHERE crawl_id = ? AND url = ? AND status = 200",
                           first, url)
        new = crawled.rows("SELECT payload_digest, record_type FROM captures WHERE crawl_id = ? AND url = ? "
                           "AND status = 200", third, url)
        assert new and new[0][1] == "response" and new[0][0] != old[0][0]
    # pages that did not change were fetched in full and stored as revisits: no payload again
    unchanged = [s.original_url for s in truth if s.index not in changed][:5]
    for url in unchanged:
        assert crawled.rows("SELECT status, record_type FROM captures WHERE crawl_id = ? AND url = ?",
                            third, url) == [(200, "revisit")]


def test_index_matches_reindex(crawled, tmp_path):
    import shutil

    from archive.index.rebuild import reindex

    copy = tmp_path / "copy"
    shutil.copytree(crawled.data, copy)
    cols = ("id, url, urlkey, timestamp, status, mime, payload_digest, record_type, warc_file, warc_offset, "
            "warc_length, source, crawl_id, refers_to_url, refers_to_date, etag, truncated, depth, via")
    before = set(crawled.rows(f"SELECT {cols} FROM captures"))
    errors_before = set(crawled.rows("SELECT crawl_id, url, timestamp, error FROM fetch_errors"))
    with sqlite3.connect(copy / "archive.db") as conn:
        conn.execute("DELETE FROM captures")
        conn.execute("DELETE FROM fetch_errors")
    reindex(copy)
    with sqlite3.connect(copy / "archive.db") as conn:
        after = set(conn.execute(f"SELECT {cols} FROM captures").fetchall())
        errors_after = set(conn.execute("SELECT crawl_id, url, timestamp, error FROM fetch_errors").fetchall())
    assert before == after and errors_before == errors_after


def _record_payload(data: Path, url: str, crawl_id: str) -> tuple[bytes, str]:
    from warcio.archiveiterator import ArchiveIterator

    with sqlite3.connect(data / "archive.db") as conn:
        warc_file, offset, ts = conn.execute(
            "SELECT warc_file, warc_offset, timestamp FROM captures WHERE url = ? AND crawl_id = ? "
            "AND record_type = 'response'", (url, crawl_id)).fetchone()
    with (data / "warcs" / warc_file).open("rb") as fh:
        fh.seek(offset)
        rec = next(iter(ArchiveIterator(fh)))
        return rec.raw_stream.read(), ts  # the entity body as stored: content-encoding kept


def test_pywb_replays_the_exact_bytes_served(crawled, tmp_path):
    sw, data = crawled.sw, crawled.data
    first, second = crawled.stats[0].id, crawled.stats[1].id
    changed = set(sw.changed_in())
    stable = {u for st in crawled.truth0 if st.index not in changed for u in (st.original_url, st.copy_url) if u}
    urls = {u for (u,) in crawled.rows("SELECT url FROM captures WHERE crawl_id = ? AND status = 200 "
                                       "AND mime = 'text/html'", first)} & stable
    agg_plain = next(u for u in sorted(urls) if u.startswith(sw.aggregator_url)
                     and not sw.is_gzip(u) and not sw.is_chunked(u))
    pub_plain = next(u for u in sorted(urls) if u.startswith(sw.publisher_url) and not sw.is_gzip(u)
                     and not sw.is_chunked(u))
    gz = next(u for u in sorted(urls) if sw.is_gzip(u))
    chunked = next(u for u in sorted(urls) if sw.is_chunked(u) and not sw.is_gzip(u))
    files = sorted({f for (f,) in crawled.rows("SELECT warc_file FROM captures WHERE crawl_id IN (?, ?)", first,
                                               second)})
    # a revisit of the second crawl whose original is a 200 (robots.txt is fetched without validators)
    rv_url, rv_ts = crawled.rows("SELECT url, timestamp FROM captures WHERE crawl_id = ? AND record_type = 'revisit' "
                                 "AND status = 200 ORDER BY url LIMIT 1", second)[0]
    with Wayback([data / "warcs" / f for f in files], tmp_path / "pywb") as wb:
        for url in (agg_plain, pub_plain, chunked):
            raw, ts = _record_payload(data, url, first)
            resp = wb.fetch(url, wayback_ts(ts))
            assert resp.status_code == 200, (url, resp.status_code)
            assert resp.content == sw.body(url) == raw
        raw, ts = _record_payload(data, gz, first)
        import httpx

        with httpx.stream("GET", wb.url(gz, wayback_ts(ts)), headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.status_code == 200
            assert resp.headers.get("content-encoding") == "gzip"
            wire = b"".join(resp.iter_raw())
        assert wire == raw and gzip.decompress(wire) == sw.body(gz)
        original, _ = _record_payload(data, rv_url, first)
        resp = wb.fetch(rv_url, wayback_ts(rv_ts))
        assert resp.status_code == 200
        assert hashlib.sha1(resp.content).digest() == hashlib.sha1(original).digest()
