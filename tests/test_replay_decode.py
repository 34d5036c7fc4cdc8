"""The pieces of replay that need no archive: timestamps, nearest choice, path parsing,
chunked framing and content decoding (with its size cap)."""
from __future__ import annotations

import datetime as dt
import gzip
import zlib

import pytest

from archive.datasette_plugin.replay_view import ReplayRequestError, parse_replay_path
from archive.errors import InputError, WarcError
from archive.model import Capture
from archive.replay import (decode_stream, dechunk, nearest, parse_timestamp, safe_headers,
                            to_timestamp14, HttpHead)


def cap(cid: str, ts: str) -> Capture:
    return Capture(id=cid, url="http://a.example/", urlkey="example,a)/", method="GET", timestamp=ts,
                   status=200, mime="text/html", payload_digest=None, record_type="response",
                   warc_file="x.warc.gz", warc_offset=0, warc_length=1, source=None, crawl_id=None)


def test_timestamps() -> None:
    assert parse_timestamp("20250102030405") == dt.datetime(2025, 1, 2, 3, 4, 5)
    for bad in ("2025010203040", "202501020304050", "2025-01-02", "", "20250230000000"):
        with pytest.raises(InputError):
            parse_timestamp(bad)
    assert to_timestamp14("2025-01-02T03:04:05.123456Z") == "20250102030405"
    assert to_timestamp14("2025-01-02") == "20250102000000"
    assert to_timestamp14(None) == ""


def test_nearest_is_by_absolute_time_and_earlier_on_a_tie() -> None:
    caps = [cap("b", "2025-01-01T00:00:20Z"), cap("a", "2025-01-01T00:00:00Z"), cap("c", "2025-01-02T00:00:00Z")]
    at = parse_timestamp
    assert nearest(caps, at("20250101000010")).id == "a"  # tie: 10 s either way
    assert nearest(caps, at("20250101000011")).id == "b"
    assert nearest(caps, at("20250101130000")).id == "c"  # 13 h after b, 11 h before c
    assert nearest(caps, None).id == "c"
    # sub-second capture times count: .5 s after is nearer than 1 s before
    subs = [cap("x", "2025-01-01T00:00:00.500000Z"), cap("y", "2025-01-01T00:00:01Z")]
    assert nearest(subs, at("20250101000001")).id == "y"


def test_replay_path_parsing() -> None:
    assert parse_replay_path("20250101000000/http://a.example/p", "") == ("20250101000000", "http://a.example/p")
    assert parse_replay_path("20250101000000/https:/a.example/p", "q=1")[1] == "https://a.example/p?q=1"
    assert parse_replay_path("20250101000000/http%3A%2F%2Fa.example%2Fp", "")[1] == "http://a.example/p"
    for bad in ("20250101000000/file:///etc/passwd", "20250101000000/javascript:alert(1)",
                "20250101000000/data:text/html,x", "20250101000000/../../etc/passwd", "2025/http://a.example/",
                "20250101000000/http://", "20250101000000/%2e%2e/archive.db"):
        with pytest.raises(ReplayRequestError) as err:
            parse_replay_path(bad, "")
        assert err.value.status == 400


def _framed(body: bytes, size: int = 5) -> bytes:
    return b"".join(f"{len(body[i:i + size]):x}\r\n".encode() + body[i:i + size] + b"\r\n"
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


@pytest.mark.parametrize("split", [1, 3, 7, 64, 10_000])
def test_dechunk_any_split(split: int) -> None:
    body = b"chunked framing is removed whatever the read sizes are " * 3
    framed = _framed(body)
    pieces = [framed[i:i + split] for i in range(0, len(framed), split)]
    assert b"".join(dechunk(iter(pieces))) == body


def test_dechunk_passes_through_what_is_not_chunked() -> None:
    plain = b"<html>this body was de-chunked by the tool but labelled chunked</html>"
    assert b"".join(dechunk(iter([plain[:10], plain[10:]]))) == plain
    # chunk extensions are allowed
    assert b"".join(dechunk(iter([b"3;ext=1\r\nabc\r\n0\r\n\r\n"]))) == b"abc"


def test_decode_gzip_deflate_and_stacked() -> None:
    body = b"decoded as a browser would see it " * 100
    g = gzip.compress(body)
    assert b"".join(decode_stream(iter([g[:10], g[10:]]), "gzip")) == body
    two_members = gzip.compress(body[:50]) + gzip.compress(body[50:])
    assert b"".join(decode_stream(iter([two_members]), "x-gzip")) == body
    assert b"".join(decode_stream(iter([zlib.compress(body)]), "deflate")) == body
    raw = zlib.compressobj(wbits=-15)
    raw_deflate = raw.compress(body) + raw.flush()
    assert b"".join(decode_stream(iter([raw_deflate]), "deflate")) == body
    stacked = gzip.compress(zlib.compress(body))  # Content-Encoding: deflate, gzip
    assert b"".join(decode_stream(iter([stacked]), "deflate, gzip")) == body
    assert b"".join(decode_stream(iter([body]), None)) == body
    assert b"".join(decode_stream(iter([body]), "identity")) == body


def test_decode_errors_are_warc_errors() -> None:
    with pytest.raises(WarcError, match="does not decode"):
        b"".join(decode_stream(iter([b"not gzip at all"]), "gzip", what="http://a.example/"))
    with pytest.raises(WarcError, match="cannot be decoded"):
        b"".join(decode_stream(iter([b"x"]), "compress"))


def test_decoded_size_is_capped() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(WarcError, match="larger than 1000000 bytes"):
        for _ in decode_stream(iter([bomb]), "gzip", max_size=1_000_000):
            pass


def test_safe_headers_allow_list() -> None:
    head = HttpHead(status=200, reason="OK", protocol="HTTP/1.1", headers=[
        ("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("Connection", "keep-alive, X-Hop"),
        ("Keep-Alive", "timeout=5"), ("Set-Cookie", "a=b"), ("Content-Security-Policy", "default-src *"),
        ("Content-Encoding", "gzip"), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"), ("ETag", '"1"'),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"), ("Location", "/x"), ("Content-Length", "5")])
    kept = {k.lower() for k, _ in safe_headers(head, keep_encoding=False)}
    assert kept == {"last-modified", "etag"}
    kept = {k.lower() for k, _ in safe_headers(head, keep_encoding=True)}
    assert kept == {"last-modified", "etag", "content-encoding"}
