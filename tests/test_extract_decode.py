"""Body decoding: content-encoding with a size cap, HTTP charset first, mis-declared charsets
decoded right or refused — never silent mojibake."""
from __future__ import annotations

import gzip
import zlib

import pytest

from archive.errors import ExtractError
from archive.extract.decode import decode_body, decompress

TEXT = "“Putin will not miss an opportunity,” Russia’s critics say — café, naïve, €5."


def test_http_charset_first():
    d = decode_body(TEXT.encode("utf-8"), [("Content-Type", "text/html; charset=UTF-8")])
    assert d.text == TEXT and d.charset == "utf-8" and d.notes == []


def test_latin1_declared_utf8_body_decodes_right_and_says_so():
    d = decode_body(TEXT.encode("utf-8"), [("Content-Type", "text/html; charset=ISO-8859-1")])
    assert d.text == TEXT and "â€" not in d.text
    assert d.charset == "utf-8" and any("cp1252" in n for n in d.notes)  # the mis-declaration is noted
    plain = "cafe naive, cote d'ivoire: “quoted” and ’tis".replace("”", "\u201c")  # bytes cp1252 can decode
    d2 = decode_body(plain.encode("utf-8"), [("Content-Type", "text/html; charset=latin1")])
    assert d2.text == plain and any("body is UTF-8" in n for n in d2.notes)


def test_utf8_declared_cp1252_body_uses_meta_charset():
    page = f'<meta charset="windows-1252"><p>{TEXT}</p>'
    d = decode_body(page.encode("cp1252"), [("Content-Type", "text/html; charset=utf-8")])
    assert TEXT in d.text and d.charset == "cp1252"
    assert any("does not decode" in n for n in d.notes)


def test_utf8_declared_cp1252_body_without_meta_is_an_error():
    with pytest.raises(ExtractError) as info:
        decode_body(f"<p>{TEXT}</p>".encode("cp1252"), [("Content-Type", "text/html; charset=utf-8")])
    assert "utf-8 does not decode the body" in str(info.value)


def test_unknown_charset_label_falls_back_with_a_note():
    d = decode_body(TEXT.encode("utf-8"), [("Content-Type", "text/html; charset=klingon-8")])
    assert d.text == TEXT and any("unknown" in n for n in d.notes)


def test_bom_wins_over_a_wrong_declaration():
    d = decode_body(TEXT.encode("utf-16"), [("Content-Type", "text/html; charset=iso-8859-1")])
    assert d.text == TEXT


def test_gzip_and_deflate_bodies():
    hdr = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
    assert decode_body(gzip.compress(TEXT.encode()), hdr).text == TEXT
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = raw.compress(TEXT.encode()) + raw.flush()
    assert decode_body(body, [("Content-Encoding", "deflate")]).text == TEXT
    assert decode_body(zlib.compress(TEXT.encode()), [("Content-Encoding", "deflate")]).text == TEXT


def test_gzip_bomb_is_refused_without_inflating_it():
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(ExtractError) as info:
        decode_body(bomb, [("Content-Encoding", "gzip")])
    assert "larger than" in str(info.value)
    with pytest.raises(ExtractError):
        decompress(gzip.compress(b"x" * 2000), "gzip", limit=1000)


def test_corrupt_gzip_and_unknown_encoding_are_errors():
    with pytest.raises(ExtractError):
        decode_body(b"\x1f\x8b\x08\x00garbage-garbage", [("Content-Encoding", "gzip")])
    with pytest.raises(ExtractError) as info:
        decode_body(b"abc", [("Content-Encoding", "compress")])
    assert "unsupported Content-Encoding" in str(info.value)


def test_double_encoded_page_is_repaired_or_flagged():
    phrase = "Russia’s war — it’s “over, café"
    body = ("<p>" + phrase.encode("utf-8").decode("cp1252") + "</p>").encode("utf-8")  # a broken CMS's output
    d = decode_body(body, [("Content-Type", "text/html; charset=utf-8")])
    assert phrase in d.text and any("repaired" in n for n in d.notes)
    mixed = "<p>Russiaâ€™s and itâ€™s</p><p>\u4e2d\u6587</p>".encode("utf-8")  # cannot be reversed: flagged
    d2 = decode_body(mixed, [("Content-Type", "text/html; charset=utf-8")])
    assert "Russiaâ€™s" in d2.text and any("mojibake" in n for n in d2.notes)
