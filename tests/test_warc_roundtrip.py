"""WarcWriter → reader round trip on hand-built exchanges (no network needed here)."""
from __future__ import annotations

import dataclasses
import gzip
import subprocess

from archive.model import CrawlStats, Exchange, FetchFailure, iso, utcnow
from archive.warc.reader import WarcReader, read_payload, read_record
from archive.warc.writer import PreviousCapture, WarcWriter
from support.interop import tool


def _exchange(body: bytes, **kw: object) -> Exchange:
    base = dict(url="http://127.0.0.1:8000/a?x=1", method="GET",
                request_headers=[("Host", "127.0.0.1:8000"), ("Accept-Encoding", "gzip")],
                status=200, reason="OK",
                response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                  ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip"),
                                  ("ETag", '"v1"'), ("X-Caf\u00e9", "\u00e9t\u00e9")],
                body=body, started=utcnow(), ip="127.0.0.1", depth=1, via="http://127.0.0.1:8000/")
    base.update(kw)
    return Exchange(**base)  # type: ignore[arg-type]


def test_roundtrip_response_revisit_failure_crawl_end(tmp_path):
    body = gzip.compress(b"<html><p>hello</p></html>", mtime=0)
    with WarcWriter(tmp_path, "t", source="src", crawl_id="c1") as w:
        c1 = w.write_exchange(_exchange(body))
        c2 = w.write_exchange(_exchange(body, started=utcnow()), PreviousCapture.from_capture(c1))
        f = w.write_failure(FetchFailure(crawl_id="c1", url="http://127.0.0.1:9/", timestamp=iso(utcnow()),
                                         error="connect", detail="refused"))
        stats = CrawlStats(id="c1", source="src", started=iso(utcnow()), finished=iso(utcnow()), pages=2,
                           bytes=len(body) * 2, errors=1, seeds=["http://127.0.0.1:8000/"])
        w.write_crawl_end(stats)
        assert list(tmp_path.iterdir())[0].name.endswith(".warc.gz.open")
    files = list(tmp_path.iterdir())
    assert [p.name for p in files] == [c1.warc_file]
    path = files[0]
    assert c1.record_type == "response" and c2.record_type == "revisit"
    assert c2.refers_to_url == c1.url and c2.refers_to_date == c1.timestamp
    reader = WarcReader(path)
    rows = list(reader.captures())
    assert rows == [c1, c2, f]
    assert reader.problems == []
    assert reader.crawl_ends == [stats]
    assert reader.warcinfo["source"] == "src" and reader.warcinfo["crawl-id"] == "c1"
    assert read_payload(path, c1.warc_offset) == body
    assert read_payload(path, c2.warc_offset) == b""
    with read_record(path, c1.warc_offset) as view:
        assert view.http_status == 200
        assert view.http_header("Transfer-Encoding") is None
        assert view.http_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
        assert view.http_header("Content-Length") == str(len(body))
        assert view.http_header("X-Caf\u00e9") == "\u00e9t\u00e9"
        assert view.header("WARC-IP-Address") == "127.0.0.1"
    with read_record(path, c2.warc_offset) as view:
        assert view.header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert view.header("WARC-Refers-To") == f"<urn:uuid:{c1.id}>"
    with read_record(path, c1.request_offset) as view:
        assert view.rec_type == "request" and view.header("WARC-Concurrent-To") == f"<urn:uuid:{c1.id}>"
    out = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_changed_payload_is_a_new_response(tmp_path):
    with WarcWriter(tmp_path, "t", source=None, crawl_id=None) as w:
        c1 = w.write_exchange(_exchange(b"one", response_headers=[]))
        c2 = w.write_exchange(_exchange(b"two", response_headers=[]), PreviousCapture.from_capture(c1))
    assert c2.record_type == "response" and c2.payload_digest != c1.payload_digest
    assert read_payload(tmp_path / c2.warc_file, c2.warc_offset) == b"two"


def test_revisit_for_any_status(tmp_path):
    with WarcWriter(tmp_path, "t", source=None, crawl_id=None) as w:
        c1 = w.write_exchange(_exchange(b"gone", status=404, reason="Not Found", response_headers=[]))
        c2 = w.write_exchange(dataclasses.replace(_exchange(b"gone", status=404, reason="Not Found",
                                                            response_headers=[])),
                              PreviousCapture.from_capture(c1))
    assert c2.record_type == "revisit" and c2.status == 404
    assert list(WarcReader(tmp_path / c1.warc_file).captures()) == [c1, c2]
