"""Body decoding: content-encoding (with a size cap), then the charset.

Order of trust for the charset: the HTTP ``Content-Type`` charset, a byte-order mark, the page's
``<meta charset>`` / ``http-equiv``, then UTF-8. A declared charset that cannot decode the bytes
strictly is not used (the next candidate is tried, and the fall-back is noted); a single-byte
Latin declaration over bytes that are valid multi-byte UTF-8 is the classic mis-declaration and is
decoded as UTF-8 (noted). When nothing decodes, :class:`ExtractError` — never silent mojibake.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from ..errors import ExtractError
from ..model import find_header as header

MAX_DECODED = 20 * 1024 * 1024  # a page larger than this once decompressed is refused (gzip bombs)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LATIN = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_MOJIBAKE = re.compile("â€[™œ\u009d“”˜¦¢]|Ã[©¨¶¼¡±§ª­¤]|Â[\u00a0 ·°]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class Decoded:
    text: str
    charset: str
    notes: list[str] = field(default_factory=list)


def decompress(body: bytes, encoding: str | None, limit: int = MAX_DECODED) -> bytes:
    """Undo ``Content-Encoding`` (:mod:`archive.content`: gzip, deflate, br; several in order),
    refusing more than ``limit``; a compressed body cut before any output is refused too."""
    from ..content import ContentDecodeError, Decoder

    try:
        decoder = Decoder(encoding, limit=limit)
        if not decoder.codings:
            return body
        data = b"".join(decoder.stream((body,)))
    except ContentDecodeError as exc:
        raise ExtractError({
            "unsupported": f"unsupported Content-Encoding {exc.coding!r}",
            "no-decoder": "body is brotli-encoded and no brotli decoder is installed",
            "too-large": f"body is larger than {limit} bytes once decompressed (refused)",
        }.get(exc.kind, f"Content-Encoding {exc.coding} body is corrupt ({exc.detail})")) from None
    if not data and not decoder.finished:
        raise ExtractError("compressed body is cut short or corrupt")
    return data


def _codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"):
        label = "cp1252"  # as browsers do (WHATWG encoding standard)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _has_multibyte_utf8(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(ord(c) > 127 for c in text)


def _unmojibake(text: str, notes: list[str]) -> str:
    """Text that was UTF-8 decoded as windows-1252 before it was served ("Russiaâ€™s"): repaired
    when the whole page reverses cleanly, otherwise kept and noted — never passed on silently."""
    hits = len(_MOJIBAKE.findall(text))
    if hits < 2:
        return text
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        notes.append(f"the page itself holds {hits} mojibake sequences (double-encoded UTF-8); kept as served")
        return text
    notes.append(f"the page itself was double-encoded UTF-8 ({hits} mojibake sequences): repaired")
    return fixed


def decode_body(body: bytes, headers: list[tuple[str, str]], *, limit: int = MAX_DECODED) -> Decoded:
    """Decoded page text plus the charset used and notes on anything mis-declared."""
    data = decompress(body, header(headers, "content-encoding"), limit)
    if len(data) > limit:
        raise ExtractError(f"body is larger than {limit} bytes (refused)")
    notes: list[str] = []
    candidates: list[tuple[str, str]] = []  # (codec, where it came from)
    ctype = header(headers, "content-type") or ""
    m = _CT_CHARSET.search(ctype)
    if m:
        codec = _codec(m.group(1))
        if codec:
            candidates.append((codec, "HTTP"))
        else:
            notes.append(f"HTTP charset {m.group(1)!r} is unknown")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            candidates.insert(0, (codec, "BOM"))
            break
    m2 = _META_CHARSET.search(data[:4096])
    if m2:
        label = m2.group(1).decode("ascii", "replace")
        codec = _codec(label)
        if codec:
            candidates.append((codec, "meta"))
        else:
            notes.append(f"meta charset {label!r} is unknown")
    candidates.append(("utf-8", "default"))
    tried: list[str] = []
    for codec, origin in candidates:
        if codec in tried:
            continue
        tried.append(codec)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            notes.append(f"{origin} charset {codec} does not decode the body (byte {exc.start})")
            continue
        if codec in _LATIN and _has_multibyte_utf8(data):
            notes.append(f"{origin} charset {codec} declared, but the body is UTF-8: decoded as UTF-8")
            return Decoded(data.decode("utf-8"), "utf-8", notes)
        if tried[0] != codec:
            notes.append(f"decoded as {codec} ({origin})")
        return Decoded(_unmojibake(text.lstrip("\ufeff"), notes), codec, notes)
    raise ExtractError("; ".join(notes) or "body cannot be decoded")
