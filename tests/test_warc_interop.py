"""Reading other tools' WARCs (../shared/interop/warcs: wget 1.14, wpull, pywb samples, revisit
pairs, POST captures), in per-record gzip, whole-file gzip and uncompressed form, cut or with bad
digests: every good record is read, every break is reported with file and offset."""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from archive.errors import WarcError
from archive.model import Capture
from archive.warc.reader import WarcReader, iter_captures, iter_records, read_payload, read_record
from support.paths import SHARED

INTEROP = SHARED / "interop" / "warcs"
FILES = sorted(INTEROP.glob("*.warc.gz")) if INTEROP.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/interop/warcs is not beside the clone")


def _expected(path: Path) -> list[tuple]:
    """Response/revisit records with an http(s) target, as warcio's own iterator sees them."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            rtype = rec.rec_type
            uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
            status = rec.http_headers.get_statuscode() if rec.http_headers else None
            body = rec.content_stream().read() if rtype == "response" else b""
            if rtype in ("response", "revisit") and uri.startswith("http"):
                out.append((uri, rtype, int(status) if status else None, it.get_record_offset(), body))
    return out


def _captures(path: Path) -> tuple[list[Capture], WarcReader]:
    reader = WarcReader(path)
    rows = [r for r in reader.captures() if isinstance(r, Capture)]
    return rows, reader


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_foreign_warcs_yield_the_expected_captures(path):
    rows, reader = _captures(path)
    assert reader.problems == [], reader.problems
    expected = _expected(path)
    assert expected, "every sample holds at least one capture"
    assert [(c.url, c.record_type, c.status, c.warc_offset) for c in rows] == [e[:4] for e in expected]
    for cap, exp in zip(rows, expected):
        # content-encoding and transfer framing exactly as recorded (warcio decodes neither in raw_stream)
        if cap.record_type == "response":
            with read_record(path, cap.warc_offset) as view:
                assert view.http_status == cap.status
                payload = view.read_payload()
            assert len(payload) == cap.content_length
            if not view.http_header("Content-Encoding") and not view.http_header("Transfer-Encoding"):
                assert payload == exp[4]
        assert cap.timestamp and cap.id and cap.payload_digest


def test_specific_foreign_facts():
    post, _ = _captures(INTEROP / "post-test.warc.gz")
    assert [c.method for c in post] == ["POST", "POST", "POST"]
    assert all(c.request_offset is not None for c in post)
    wget, reader = _captures(INTEROP / "example-wget-1-14.warc.gz")
    assert len(wget) == 1 and wget[0].method == "GET" and wget[0].request_offset == 398  # request first
    assert reader.warcinfo.get("software", "").startswith("Wget/1.14")
    rev, _ = _captures(INTEROP / "example-url-agnostic-revisit.warc.gz")
    orig, _ = _captures(INTEROP / "example-url-agnostic-orig.warc.gz")
    assert rev[0].record_type == "revisit" and rev[0].refers_to_url == orig[0].url == "http://example.iana.org/"
    assert rev[0].refers_to_date == orig[0].timestamp and rev[0].payload_digest == orig[0].payload_digest
    assert read_payload(INTEROP / "example-url-agnostic-revisit.warc.gz", rev[0].warc_offset) == b""
    # ids: UUIDs without urn:uuid:, odd foreign ids with <> stripped
    assert all(len(c.id) == 36 for c in rev + orig + wget + post)
    ex, _ = _captures(INTEROP / "example.warc.gz")
    assert [c.record_type for c in ex] == ["response", "revisit", "response"]
    assert ex[1].refers_to_url == "http://example.com?example=1"


def test_truncated_foreign_warc_keeps_good_records(tmp_path):
    src = INTEROP / "dupes.warc.gz"
    data = src.read_bytes()
    spans = [(i.offset, i.length) for i in iter_records(src)]
    off, length = spans[7]
    cut = tmp_path / "dupes-cut.warc.gz"
    cut.write_bytes(data[:off + length // 2])
    rows, reader = _captures(cut)
    full, _ = _captures(src)
    assert [c.id for c in rows] == [c.id for c in full if c.warc_offset + c.warc_length <= off]
    assert reader.broken is not None
    assert reader.broken.offset == off and reader.broken.path == str(cut)
    # iter_captures yields the good records, then raises the break
    got = []
    with pytest.raises(WarcError) as err:
        for row in iter_captures(cut):
            got.append(row)
    assert err.value.offset == off and str(cut) in str(err.value)
    assert [c.id for c in got if isinstance(c, Capture)] == [c.id for c in rows]


def test_corrupt_gzip_member_is_reported(tmp_path):
    src = INTEROP / "example.warc.gz"
    data = bytearray(src.read_bytes())
    spans = [(i.offset, i.length) for i in iter_records(src)]
    off, length = spans[3]
    data[off + length // 2] ^= 0xFF
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(data))
    rows, reader = _captures(bad)
    assert reader.broken is not None and reader.broken.offset == off
    assert all(c.warc_offset + c.warc_length <= off for c in rows) and rows


def test_whole_file_gzip_and_uncompressed(tmp_path):
    src = INTEROP / "example.warc.gz"
    plain = b"".join(_members(src.read_bytes()))
    flat = tmp_path / "example.warc"
    flat.write_bytes(plain)
    whole = tmp_path / "example-whole.warc.gz"
    whole.write_bytes(gzip.compress(plain))
    ref, _ = _captures(src)
    for path in (flat, whole):
        rows, reader = _captures(path)
        assert reader.problems == []
        assert [(c.id, c.url, c.record_type, c.status, c.payload_digest, c.method) for c in rows] == \
            [(c.id, c.url, c.record_type, c.status, c.payload_digest, c.method) for c in ref]
        for cap, r in zip(rows, ref):
            assert read_payload(path, cap.warc_offset) == read_payload(src, r.warc_offset)
            assert plain[cap.warc_offset:cap.warc_offset + 5] == b"WARC/"  # decompressed positions
    # a whole-file gzip cut in its middle: the records before the cut, then the break
    cut = tmp_path / "whole-cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) * 2 // 3])
    rows, reader = _captures(cut)
    assert reader.broken is not None and 0 < len(rows) < len(ref)


def test_bad_digest_is_reported_and_record_kept(tmp_path):
    src = INTEROP / "example.warc.gz"
    plain = bytearray(b"".join(_members(src.read_bytes())))
    i = plain.index(b"<title>")
    plain[i + 7:i + 14] = b"XXXXXXX"
    bad = tmp_path / "digest.warc"
    bad.write_bytes(bytes(plain))
    rows, reader = _captures(bad)
    assert len(rows) == 3
    assert reader.broken is None
    assert any("Digest does not match" in str(p) and p.offset == rows[0].warc_offset for p in reader.problems)


def test_not_a_warc(tmp_path):
    f = tmp_path / "x.warc.gz"
    f.write_bytes(gzip.compress(b"<html>not a warc</html>"))
    with pytest.raises(WarcError) as err:
        list(iter_captures(f))
    assert err.value.offset == 0 and "not a WARC record" in str(err.value)
    with pytest.raises(WarcError):
        read_record(tmp_path / "missing.warc.gz", 0)


def _members(data: bytes) -> list[bytes]:
    out = []
    while data:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out.append(d.decompress(data))
        data = d.unused_data
    return out


def test_wrong_chunking_is_reported_and_record_kept(tmp_path):
    """A foreign record that kept chunked framing: good framing passes, broken framing is named."""
    from archive.warc.records import dechunk

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    good = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    bad = b"5\r\nhello\r\nZZ\r\n world\r\n0\r\n\r\n"
    assert dechunk(good) == b"hello world"
    with pytest.raises(ValueError):
        dechunk(bad)
    path = tmp_path / "chunked.warc.gz"
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        for name, body in (("good", good), ("bad", bad)):
            http = StatusAndHeaders("200 OK", [("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"http://example.com/{name}", "response",
                                                payload=__import__("io").BytesIO(body), length=len(body),
                                                http_headers=http))
    rows, reader = _captures(path)
    assert [c.url for c in rows] == ["http://example.com/good", "http://example.com/bad"]
    assert reader.broken is None
    [problem] = reader.problems
    assert "wrong chunking" in str(problem) and problem.offset == rows[1].warc_offset
    assert read_payload(path, rows[1].warc_offset) == bad  # as recorded
