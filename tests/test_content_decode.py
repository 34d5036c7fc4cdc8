"""One content decoder (``archive/content.py``) behind link discovery, extraction and replay:
the same codings decode the same way in all three, each under its own size limit."""
from __future__ import annotations

import gzip
import zlib

import brotli  # installed with resiliparse (FastWARC needs it)
import pytest

from archive.content import ContentDecodeError, Decoder, decode_bytes
from archive.errors import ExtractError, WarcError
from archive.extract.decode import decompress
from archive.fetch.discover import MAX_DECODED, discover
from archive.replay import decode_stream

PAGE = b"<html><body><p>One page, " + b"many words " * 400 + b"</p><a href='/next'>next</a></body></html>"


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


ENCODED = {
    "gzip": gzip.compress(PAGE),
    "x-gzip": gzip.compress(PAGE[:100]) + gzip.compress(PAGE[100:]),  # two members
    "deflate": zlib.compress(PAGE),
    "br": brotli.compress(PAGE),
    "deflate, gzip": gzip.compress(zlib.compress(PAGE)),
}


@pytest.mark.parametrize("coding", sorted(ENCODED))
def test_discovery_extraction_and_replay_decode_every_coding_alike(coding: str) -> None:
    body = ENCODED[coding]
    assert decode_bytes(body, coding, limit=MAX_DECODED) == PAGE
    assert decompress(body, coding) == PAGE
    assert b"".join(decode_stream(iter([body[:7], body[7:]]), coding)) == PAGE


def test_a_br_page_yields_its_links_to_the_crawl() -> None:
    links = discover(brotli.compress(PAGE), "http://a.example/p", "text/html", "br")
    assert [link.url for link in links] == ["http://a.example/next"]


def test_raw_deflate_is_told_from_zlib_deflate_by_its_header() -> None:
    assert decode_bytes(_raw_deflate(PAGE), "deflate", limit=1 << 20) == PAGE
    assert decode_bytes(zlib.compress(PAGE), "deflate", limit=1 << 20) == PAGE


def test_padding_and_stray_bytes_after_the_last_gzip_member_are_ignored() -> None:
    assert decode_bytes(gzip.compress(PAGE) + b"\0" * 10, "gzip", limit=1 << 20) == PAGE
    assert decode_bytes(gzip.compress(PAGE) + b"trailing", "gzip", limit=1 << 20) == PAGE


@pytest.mark.parametrize("coding, bomb", [("gzip", gzip.compress(bytes(5 << 20))),
                                          ("br", brotli.compress(bytes(5 << 20)))])
def test_each_caller_stops_a_bomb_at_its_own_limit(coding: str, bomb: bytes) -> None:
    assert len(bomb) < 10_000
    with pytest.raises(ContentDecodeError, match="exceeds 1048576 bytes"):
        decode_bytes(bomb, coding, limit=1 << 20)
    with pytest.raises(ExtractError, match="larger than 2097152 bytes once decompressed"):
        decompress(bomb, coding, limit=2 << 20)
    with pytest.raises(WarcError, match="larger than 3145728 bytes; use raw replay"):
        for _ in decode_stream(iter([bomb]), coding, max_size=3 << 20):
            pass


def test_a_cut_body_gives_what_decoded_and_says_it_is_cut() -> None:
    body = gzip.compress(bytes(range(256)) * 400)
    decoder = Decoder("gzip", limit=1 << 20)
    part = b"".join(decoder.stream([body[: len(body) // 2]]))
    assert 0 < len(part) < 256 * 400 and (bytes(range(256)) * 400).startswith(part)
    assert decoder.finished is False
    whole = Decoder("gzip", limit=1 << 20)
    assert b"".join(whole.stream([body])) == bytes(range(256)) * 400 and whole.finished is True
    with pytest.raises(ExtractError, match="cut short"):
        decompress(body[:12], "gzip")  # a header and nothing decodable


def test_unknown_codings_are_named_and_none_means_identity() -> None:
    with pytest.raises(ContentDecodeError) as info:
        decode_bytes(b"x", "gzip, compress", limit=100)
    assert info.value.kind == "unsupported" and info.value.coding == "compress"
    assert decode_bytes(b"plain", "none", limit=100) == b"plain"
    with pytest.raises(ContentDecodeError, match="corrupt gzip"):
        decode_bytes(b"not gzip at all", "gzip", limit=100)
