"""Exchanges fetched with httpx over real loopback sockets → WARC files that warcio, cdxj-indexer
and pywb accept, with the traps of ../shared/README.md checked on the headers themselves."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from archive.warc.reader import WarcReader, read_payload, read_record
from archive.warc.writer import PreviousCapture, WarcWriter
from support.pywb import Wayback, wayback_ts
from support.exchanges import fetch_all
from support.warc_pages import CHUNKED, GZ_BODY, GZ_TEXT, MISSING, PLAIN, LoopbackServer
from support.interop import tool


def warcio_check(path: Path) -> str:
    out = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"warcio check failed on {path}:\n{out.stdout}{out.stderr}"
    return out.stdout


def cdxj(path: Path) -> list[dict]:
    out = subprocess.run([tool("cdxj-indexer"), str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = []
    for line in out.stdout.splitlines():
        key, ts, js = line.split(" ", 2)
        rows.append({"urlkey": key, "ts": ts, **json.loads(js)})
    return rows


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Fetch plain/gzip/chunked/redirect/404 pages twice over real sockets and write them."""
    warcs = tmp_path_factory.mktemp("warcs")
    with LoopbackServer() as server:
        base = server.base
        urls = [f"{base}/plain", f"{base}/gzip", f"{base}/chunked", f"{base}/redirect", f"{base}/missing"]
        first = fetch_all(urls, headers={"Accept-Encoding": "gzip"})
        second = fetch_all(urls, headers={"Accept-Encoding": "gzip"})
    caps1, caps2 = [], []
    with WarcWriter(warcs, "test", source="loop", crawl_id="crawl-1") as w:
        for ex in first:
            caps1.append(w.write_exchange(ex))
        for ex, prev in zip(second, caps1):
            caps2.append(w.write_exchange(ex, PreviousCapture.from_capture(prev)))
    return warcs, base, first, caps1, caps2


def test_bodies_as_received(crawl):
    warcs, base, first, caps1, _ = crawl
    by_path = {ex.url.rsplit("/", 1)[-1]: ex for ex in first}
    assert by_path["plain"].body == PLAIN
    assert by_path["gzip"].body == GZ_BODY  # content-encoding kept byte for byte
    assert by_path["chunked"].body == CHUNKED  # chunked framing removed
    assert by_path["missing"].status == 404 and by_path["missing"].body == MISSING
    for ex, cap in zip(first, caps1):
        assert read_payload(warcs / cap.warc_file, cap.warc_offset) == ex.body
        assert cap.ip == "127.0.0.1"


def test_recorded_headers_are_true(crawl):
    warcs, _, first, caps1, caps2 = crawl
    for cap in caps1 + caps2:
        with read_record(warcs / cap.warc_file, cap.warc_offset) as view:
            assert view.http_header("Transfer-Encoding") is None
            cl = view.http_header("Content-Length")
            assert cl is not None
            assert int(cl) == cap.content_length
            assert view.header("WARC-IP-Address") == "127.0.0.1"
            if view.rec_type == "response":
                assert len(view.read_payload()) == int(cl)
    chunked = next(c for c in caps1 if c.url.endswith("/chunked"))
    with read_record(warcs / chunked.warc_file, chunked.warc_offset) as view:
        assert view.http_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
        assert view.http_header("Content-Length") == str(len(CHUNKED))


def test_second_fetch_is_revisit_for_every_status(crawl):
    _, _, _, caps1, caps2 = crawl
    for c1, c2 in zip(caps1, caps2):
        assert c2.record_type == "revisit", c2.url
        assert c2.payload_digest == c1.payload_digest
        assert (c2.refers_to_url, c2.refers_to_date) == (c1.url, c1.timestamp)
    assert {c.status for c in caps2} == {200, 302, 404}


def test_warcio_check_and_cdxj_indexer(crawl):
    warcs, _, _, caps1, caps2 = crawl
    files = sorted(warcs.glob("*.warc.gz"))
    assert files and not list(warcs.glob("*.open"))
    rows = []
    for f in files:
        report = warcio_check(f)
        assert "digest pass" in report
        rows += cdxj(f)
    indexed = {(r["filename"], int(r["offset"])) for r in rows}
    for cap in caps1 + caps2:
        assert (cap.warc_file, cap.warc_offset) in indexed
        row = next(r for r in rows if (r["filename"], int(r["offset"])) == (cap.warc_file, cap.warc_offset))
        assert int(row["length"]) == cap.warc_length and row["urlkey"] == cap.urlkey


def test_reader_gives_the_writer_rows(crawl):
    warcs, _, _, caps1, caps2 = crawl
    rows = []
    for f in sorted(warcs.glob("*.warc.gz")):
        reader = WarcReader(f)
        rows += list(reader.captures())
        assert reader.problems == []
    assert rows == caps1 + caps2


def test_pywb_replays_exact_bytes(crawl, tmp_path):
    warcs, base, _, caps1, caps2 = crawl
    with Wayback(sorted(warcs.glob("*.warc.gz")), tmp_path / "pywb") as wb:
        ts1 = wayback_ts(caps1[0].timestamp)
        plain = wb.fetch(f"{base}/plain", ts1)
        assert plain.status_code == 200 and plain.content == PLAIN
        gz = wb.fetch(f"{base}/gzip", ts1, headers={"Accept-Encoding": "gzip"})
        assert gz.status_code == 200
        assert gz.headers.get("content-encoding") == "gzip"
        assert gz.content == GZ_TEXT  # (httpx decoded it)
        assert _raw_body(wb, f"{base}/gzip", ts1) == GZ_BODY  # the bytes on the wire: as served
        chunked = wb.fetch(f"{base}/chunked", ts1)
        assert chunked.status_code == 200 and chunked.content == CHUNKED
        # the revisit (second capture) resolves to its original's payload
        rev = next(c for c in caps2 if c.url.endswith("/plain"))
        later = wb.fetch(f"{base}/plain", wayback_ts(rev.timestamp))
        assert later.status_code == 200 and later.content == PLAIN


def _raw_body(wb: Wayback, url: str, ts: str) -> bytes:
    import httpx

    with httpx.stream("GET", wb.url(url, ts), headers={"Accept-Encoding": "gzip"}, timeout=30.0) as resp:
        return b"".join(resp.iter_raw())


def test_revisit_of_another_url_resolves_through_pywb(tmp_path):
    """A cross-URL revisit needs WARC-Refers-To-Target-URI and -Date: pywb follows them."""
    warcs = tmp_path / "warcs"
    with LoopbackServer() as server:
        a, b = fetch_all([f"{server.base}/item/1", f"{server.base}/item/1?copy=1"])
        base = server.base
    with WarcWriter(warcs, "x", source=None, crawl_id=None) as w:
        c1 = w.write_exchange(a)
        prev = PreviousCapture.from_capture(c1)
        c2 = w.write_exchange(b, prev)
    assert c2.record_type == "revisit" and c2.refers_to_url == f"{base}/item/1"
    with Wayback([warcs / c1.warc_file], tmp_path / "pywb") as wb:
        resp = wb.fetch(f"{base}/item/1?copy=1", wayback_ts(c2.timestamp))
        assert resp.status_code == 200 and resp.content == a.body


def test_rotation_and_open_rename(tmp_path):
    with LoopbackServer() as server:
        exs = fetch_all([f"{server.base}/item/{i}" for i in range(30)])
    w = WarcWriter(tmp_path, "rot", source="s", crawl_id="c", max_size=2000)
    caps = [w.write_exchange(ex) for ex in exs[:10]]
    open_now = list(tmp_path.glob("*.warc.gz.open"))
    assert len(open_now) == 1
    assert {p.name for p in tmp_path.glob("*.warc.gz")} == set(w.files[:-1])
    caps += [w.write_exchange(ex) for ex in exs[10:]]
    w.close()
    assert not list(tmp_path.glob("*.open"))
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3 and [f.name for f in files] == sorted(w.files)
    serials = [f.name.split("-")[2] for f in files]
    assert serials == [f"{i:05d}" for i in range(len(files))]
    rows = []
    for f in files:
        assert f.name.startswith("rot-") and f.name.endswith(".warc.gz")
        reader = WarcReader(f)
        got = list(reader.captures())
        rows += got
        first = next(iter(_types(f)))
        assert first == "warcinfo"
        assert reader.warcinfo["crawl-id"] == "c" and reader.warcinfo["source"] == "s"
        warcio_check(f)
    assert rows == caps


def _types(path: Path) -> list[str]:
    from archive.warc.reader import iter_records

    return [info.view.rec_type for info in iter_records(path)]
