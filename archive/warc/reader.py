"""Reading WARC files: one record at an offset, or every record of a file, with completeness checks.

Works on our own files and other tools' (wget, wpull, pywb, Heritrix …): per-record gzip,
whole-file gzip and uncompressed WARCs. The parser is our own (warcio's iterator may stop
silently, raise ``AttributeError`` or yield a cut record as if complete): every record's block is
read to its ``Content-Length`` and must be followed by ``CRLF CRLF``, and every gzip member must
end cleanly (deflate end, CRC, length). Everything good before a break is yielded; the break is
reported as a :class:`~archive.errors.WarcError` naming the file and the offset.

Resynchronising (``resync=True``, what ``archive reindex`` and ``archive import`` use): after a
break the reader scans forward for the next record that reads cleanly — in a gzip file the next
gzip member (``1f 8b 08``) whose text starts ``WARC/1.0``/``WARC/1.1``, in an uncompressed file
the next line starting so — and goes on from there, so good records after a damaged one are
kept with their true file offsets. The bytes skipped are one :class:`DamagedSpan` (file, offset,
length, reason). A file cut at the end has no record after its break: the span runs to the end,
and the break reads as without ``resync``. Without ``resync`` (recovery of ``.open`` files, whose
rule is "cut back to the last complete record") reading stops at the first break.

Offsets: in per-record gzip and uncompressed files, ``offset``/``length`` are file positions
(``seekable``); records inside a whole-file gzip member get offsets in the *decompressed* stream
(``seekable`` False), which :func:`read_record` also accepts (it then decompresses from the start).

Public API:
- ``read_record(path, offset) -> WarcRecordView`` (a context manager; headers parsed, payload
  streamed on demand with ``iter_payload()`` / ``read_payload()``);
- ``read_payload(path, offset) -> bytes``: the HTTP entity body as recorded (content-encoding kept;
  empty for a revisit, whose payload lives in the record it refers to);
- ``iter_records(path)`` and ``WarcReader(path).captures()`` / ``iter_captures(path)`` yielding
  ``Capture`` rows (response/revisit) and ``FetchFailure`` rows (our fetch-error metadata).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import urlsplit

from ..errors import WarcError
from ..model import Capture, CrawlStats, FetchFailure
from ..urls import surt
from .records import (CRAWL_END, ChunkChecker, FETCH_ERROR, JSON_METADATA, MARKER, DigestChecker, capture_id,
                      header, mime_of, sha1_digest)
from .stream import GZIP_MAGIC, DecodedStream, StreamBreak

_MAX_HEADER_LINE = 1 << 16
_MAX_HEADERS = 1 << 20
_KEEP_PAYLOAD = 1 << 20  # payloads of non-HTTP records up to this size are kept in memory
_HTTP_TYPES = ("response", "request", "revisit")


@dataclass
class WarcRecordView:
    """One WARC record: WARC headers, HTTP status line and headers, and its payload stream."""

    path: Path
    offset: int
    seekable: bool
    protocol: str
    warc_headers: list[tuple[str, str]]
    content_length: int
    http_protocol: str | None = None
    http_status: int | None = None
    http_reason: str | None = None
    http_method: str | None = None  # request records
    http_target: str | None = None  # request records: the request-target
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    http_head: bytes = b""  # the HTTP status line and headers exactly as recorded
    length: int | None = None  # bytes in the file (or decompressed stream); known once read
    payload_length: int | None = None  # known once the payload has been read
    _stream: DecodedStream | None = field(default=None, repr=False)
    _fh: BinaryIO | None = field(default=None, repr=False)
    _remaining: int = field(default=0, repr=False)

    _warc_index: dict[str, str] | None = field(default=None, repr=False)
    _http_index: dict[str, str] | None = field(default=None, repr=False)

    # -- headers -------------------------------------------------------------------------------
    def header(self, name: str) -> str | None:
        """First WARC header of that name (case-insensitive)."""
        if self._warc_index is None:
            self._warc_index = _index(self.warc_headers)
        return self._warc_index.get(name.lower())

    def http_header(self, name: str) -> str | None:
        """First HTTP header of that name (case-insensitive)."""
        if self._http_index is None or len(self._http_index) == 0 and self.http_headers:
            self._http_index = _index(self.http_headers)
        return self._http_index.get(name.lower())

    @property
    def rec_type(self) -> str:
        return (self.header("WARC-Type") or "").strip().lower()

    @property
    def record_id(self) -> str:
        return (self.header("WARC-Record-ID") or "").strip()

    @property
    def target_uri(self) -> str | None:
        uri = self.header("WARC-Target-URI")
        if uri is None:
            return None
        uri = uri.strip()
        if uri.startswith("<") and uri.endswith(">"):
            uri = uri[1:-1]
        return uri

    @property
    def date(self) -> str | None:
        value = self.header("WARC-Date")
        return value.strip() if value else None

    # -- payload -------------------------------------------------------------------------------
    def iter_payload(self, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        """The payload (HTTP entity body for HTTP records, the block otherwise), as recorded.

        Raises :class:`WarcError` when the record is cut before its ``Content-Length``."""
        stream = self._stream
        if stream is None:
            return
        while self._remaining > 0:
            try:
                data = stream.read_chunk(min(chunk_size, self._remaining))
            except StreamBreak as exc:
                raise WarcError(str(self.path), self.offset, f"record cut: {exc.message}") from None
            if not data:
                raise WarcError(str(self.path), self.offset,
                                f"record cut: {self._remaining} bytes of its block are missing")
            self._remaining -= len(data)
            yield data

    def read_payload(self) -> bytes:
        return b"".join(self.iter_payload())

    def close(self) -> None:
        self._stream = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "WarcRecordView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _index(headers: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in headers:
        out.setdefault(k.lower(), v)
    return out


def _is_gzip(fh: BinaryIO) -> bool:
    fh.seek(0)
    magic = fh.read(2)
    fh.seek(0)
    return magic == GZIP_MAGIC


def _split_header(line: str) -> tuple[str, str] | None:
    name, sep, value = line.partition(":")
    if not sep:
        return None
    return name.strip(), value.strip()


def _parse_head(stream: DecodedStream, path: Path, offset: int, seekable: bool) -> WarcRecordView | None:
    """Parse WARC headers and (for HTTP records) the HTTP head; None at a clean end of stream."""
    first = stream.readline(_MAX_HEADER_LINE)
    if not first:
        return None
    if not first.startswith(b"WARC/"):
        raise WarcError(str(path), offset, f"not a WARC record (starts with {first[:20]!r})")
    protocol = first.decode("latin-1").strip()
    headers: list[tuple[str, str]] = []
    total = len(first)
    while True:
        line = stream.readline(_MAX_HEADER_LINE)
        total += len(line)
        if not line or not line.endswith(b"\n"):
            raise WarcError(str(path), offset, "record cut inside its WARC headers")
        if line in (b"\r\n", b"\n"):
            break
        if total > _MAX_HEADERS:
            raise WarcError(str(path), offset, "WARC headers too long")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("latin-1")
        if text[:1] in (" ", "\t") and headers:  # continuation line
            k, v = headers[-1]
            headers[-1] = (k, v + " " + text.strip())
            continue
        pair = _split_header(text)
        if pair is None:
            raise WarcError(str(path), offset, f"malformed WARC header line {text.strip()[:60]!r}")
        headers.append(pair)
    raw_len = header(headers, "Content-Length")
    try:
        length = int((raw_len or "").strip())
        if length < 0:
            raise ValueError
    except ValueError:
        raise WarcError(str(path), offset, f"WARC record has no valid Content-Length ({raw_len!r})") from None
    view = WarcRecordView(path=path, offset=offset, seekable=seekable, protocol=protocol,
                          warc_headers=headers, content_length=length, _stream=stream,
                          _remaining=length)
    rtype = view.rec_type
    ctype = (view.header("Content-Type") or "").lower()
    if rtype in _HTTP_TYPES and (ctype.startswith("application/http") or
                                 (not ctype and (view.target_uri or "").lower().startswith("http"))):
        _parse_http_head(view, stream, path, offset)
    return view


def _parse_http_head(view: WarcRecordView, stream: DecodedStream, path: Path, offset: int) -> None:
    if view._remaining == 0:
        return
    head = bytearray()
    lines: list[str] = []
    while view._remaining > 0:
        line = stream.readline(min(_MAX_HEADER_LINE, view._remaining))
        if not line:
            raise WarcError(str(path), offset, "record cut inside its HTTP headers")
        view._remaining -= len(line)
        head += line
        if line in (b"\r\n", b"\n"):
            break
        if len(head) > _MAX_HEADERS:
            raise WarcError(str(path), offset, "HTTP headers too long")
        lines.append(line.decode("latin-1").rstrip("\r\n"))
    view.http_head = bytes(head)
    if not lines:
        return
    status_line, rest = lines[0], lines[1:]
    parts = status_line.split(" ", 2)
    if parts[0].upper().startswith("HTTP/"):
        view.http_protocol = parts[0]
        if len(parts) > 1:
            try:
                view.http_status = int(parts[1])
            except ValueError:
                view.http_status = None
        view.http_reason = parts[2] if len(parts) > 2 else ""
    elif len(parts) >= 2:
        view.http_method = parts[0].upper()
        view.http_target = parts[1]
        view.http_protocol = parts[2] if len(parts) > 2 else None
    for text in rest:
        if text[:1] in (" ", "\t") and view.http_headers:
            k, v = view.http_headers[-1]
            view.http_headers[-1] = (k, v + " " + text.strip())
            continue
        pair = _split_header(text)
        if pair is not None:
            view.http_headers.append(pair)


def _open_at(path: Path, offset: int) -> tuple[BinaryIO, DecodedStream, int, bool]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(str(path), None, f"cannot open ({exc.strerror or exc})") from None
    try:
        gz = _is_gzip(fh)
        fh.seek(offset)
        at = fh.read(3)
        if gz and at != GZIP_MAGIC + b"\x08":
            # an offset inside a whole-file gzip member: decompress from the start
            stream = DecodedStream(fh, 0, gz=True)
            if stream.skip(offset) != offset:
                raise WarcError(str(path), offset, "offset is past the end of the file")
            return fh, stream, offset, False
        if not at:
            raise WarcError(str(path), offset, "offset is past the end of the file")
        return fh, DecodedStream(fh, offset, gz=gz), offset, True
    except StreamBreak as exc:
        fh.close()
        raise WarcError(str(path), exc.cpos, exc.message) from None
    except BaseException:
        fh.close()
        raise


def read_record(path: Path | str, offset: int) -> WarcRecordView:
    """The record at ``offset``: headers parsed now, payload streamed by ``iter_payload()``.

    Use it as a context manager (or call ``close()``). Raises :class:`WarcError` naming the file
    and offset when no complete record header is there."""
    path = Path(path)
    fh, stream, offset, seekable = _open_at(path, offset)
    try:
        view = _parse_head(stream, path, offset, seekable)
    except StreamBreak as exc:
        fh.close()
        raise WarcError(str(path), exc.cpos, exc.message) from None
    except BaseException:
        fh.close()
        raise
    if view is None:
        fh.close()
        raise WarcError(str(path), offset, "no WARC record at this offset")
    view._fh = fh
    return view


def read_payload(path: Path | str, offset: int) -> bytes:
    """The payload of the record at ``offset`` as recorded (for HTTP records: the entity body,
    content-encoding kept). A revisit's payload is empty: read the record it refers to."""
    with read_record(path, offset) as view:
        return view.read_payload()


# -- iterating a whole file -------------------------------------------------------------------

@dataclass
class RecordInfo:
    """A fully read record: the view (headers), where it lies, and what its digests said."""

    view: WarcRecordView
    offset: int
    length: int
    seekable: bool
    payload_length: int
    payload: bytes | None  # kept for non-HTTP records up to 1 MB (warcinfo, metadata, resource)
    computed_payload_digest: str | None  # sha1 of the payload when the record had none
    block_digest_ok: bool | None
    payload_digest_ok: bool | None


def iter_records(path: Path | str, problems: list[WarcError] | None = None, *,
                 resync: bool = False, damaged: list[DamagedSpan] | None = None) -> Iterator[RecordInfo]:
    """Every complete record of a WARC file, in order.

    At a break (cut record, cut or corrupt gzip member, bad framing), without ``resync``
    iteration stops there. With ``resync`` the reader looks for the next good record after the
    break (see :func:`_resync`) and goes on from it; the bytes skipped are one
    :class:`DamagedSpan` (appended to ``damaged`` when a list is given). A break is appended to
    ``problems`` when a list is given, raised otherwise — after every good record before it
    (and, with ``resync``, after it) was yielded. Digest mismatches are appended to ``problems``
    (or ignored when it is None) and the record is still yielded."""
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(str(path), None, f"cannot open ({exc.strerror or exc})") from None
    breaks: list[WarcError] = []
    with fh:
        gz = _is_gzip(fh)
        stream = _stream_at(fh, 0, gz)
        resumed = False
        while True:
            cur = _Cursor(_record_start(stream, gz))
            try:
                info = _next_record(stream, path, gz, problems, cur)
            except WarcError as exc:
                later: list[WarcError] | None = [] if problems is not None else None
                found = _resync(fh, path, gz, cur.start, later) if resync else None
                size = os.fstat(fh.fileno()).st_size
                end = found[0] if found is not None else size
                reason = _reason(exc)
                if damaged is not None:
                    damaged.append(DamagedSpan(str(path), cur.start, max(end - cur.start, 0), reason,
                                               end if found is not None else None))
                if found is None:
                    breaks.append(exc)
                    break
                breaks.append(WarcError(str(path), exc.offset,
                                        f"{reason}; {end - cur.start} damaged bytes skipped, reading resumed "
                                        f"at offset {end}"))
                breaks.extend(later or [])  # digest problems of the record found
                _, stream, info = found
                resumed = True
            if info is None:
                break
            if resumed and not info.seekable:
                breaks.append(WarcError(str(path), None,
                                        f"a {info.view.rec_type} record inside a gzip member after a "
                                        "damaged span cannot be addressed by offset: not read"))
                continue
            if problems is not None:
                problems.extend(breaks)
                breaks = []
            yield info
    if problems is not None:
        problems.extend(breaks)
    elif breaks:
        raise breaks[0]


@dataclass
class DamagedSpan:
    """Bytes of a WARC file that hold no readable record (skipped by a resynchronising read).

    ``offset``/``length`` are file positions; ``resumed_at`` is the offset of the next good
    record (``offset + length``), or None when none followed (the span runs to the end)."""

    path: str
    offset: int
    length: int
    reason: str
    resumed_at: int | None

    def __str__(self) -> str:
        then = (f"reading resumed at offset {self.resumed_at}" if self.resumed_at is not None
                else "no good record after it")
        return f"{self.path} at offset {self.offset}: {self.length} damaged bytes ({self.reason}); {then}"


@dataclass
class _Cursor:
    """Where the record being read starts in the file (the gzip member holding it, for records
    inside a multi-record member)."""

    start: int


_SCAN = 1 << 20
_GZ_RECORD = GZIP_MAGIC + b"\x08"
_PLAIN_RECORD = b"\nWARC/1."
_WARC_LINE = re.compile(rb"WARC/1\.[01]\r?\n")


def _stream_at(fh: BinaryIO, start: int, gz: bool) -> DecodedStream:
    stream = DecodedStream(fh, start, gz=gz)
    if not gz:  # positions in an uncompressed file are file offsets
        stream.buf_upos = start
    return stream


def _record_start(stream: DecodedStream, gz: bool) -> int:
    if not gz:
        return stream.upos
    return stream.boundaries.get(stream.upos, stream.member_start)


def _reason(exc: WarcError) -> str:
    text = str(exc)
    prefix = f"{exc.path}" + (f" at offset {exc.offset}" if exc.offset is not None else "") + ": "
    return text[len(prefix):] if text.startswith(prefix) else text


def _candidates(fh: BinaryIO, after: int, gz: bool) -> Iterator[int]:
    """File offsets greater than ``after`` where a record may start: a gzip member header
    (``1f 8b 08``) in a gzip file, a line starting ``WARC/1.`` in an uncompressed one."""
    needle = _GZ_RECORD if gz else _PLAIN_RECORD
    skip = 0 if gz else 1  # the record starts after the newline
    pos = after + 1 - skip
    while True:
        fh.seek(pos)
        block = fh.read(_SCAN + len(needle) - 1)
        if len(block) < len(needle):
            return
        i = block.find(needle)
        while i >= 0:
            yield pos + i + skip
            i = block.find(needle, i + 1)
        if len(block) < _SCAN + len(needle) - 1:
            return
        pos += _SCAN


def _starts_record(fh: BinaryIO, pos: int, gz: bool) -> bool:
    """Cheap test: does the text at ``pos`` (decompressed, in a gzip file) start ``WARC/1.x``?"""
    fh.seek(pos)
    if not gz:
        return _WARC_LINE.match(fh.read(16)) is not None
    dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        head = dec.decompress(fh.read(1 << 16), 16)
    except zlib.error:
        return False
    return _WARC_LINE.match(head) is not None


def _resync(fh: BinaryIO, path: Path, gz: bool, after: int,
            problems: list[WarcError] | None) -> tuple[int, DecodedStream, RecordInfo] | None:
    """The first complete record that starts after file offset ``after`` (where a break was
    found): its file offset, a stream positioned after it, and the record; None when there is
    none.

    A candidate must start a gzip member whose text starts ``WARC/1.0``/``WARC/1.1`` (gzip files)
    or a line starting so (uncompressed files), and be read as a whole record with every check
    of a normal read (headers, Content-Length, CRLF CRLF, gzip member end, digests noted).
    Candidates that fail are part of the damaged span."""
    for pos in _candidates(fh, after, gz):
        if not _starts_record(fh, pos, gz):
            continue
        stream = _stream_at(fh, pos, gz)
        try:
            info = _next_record(stream, path, gz, problems, _Cursor(pos))
        except WarcError:
            continue
        if info is not None:
            return pos, stream, info
    return None


def _next_record(stream: DecodedStream, path: Path, gz: bool,
                 problems: list[WarcError] | None, cur: _Cursor | None = None) -> RecordInfo | None:
    offset = stream.ccur
    try:
        while True:  # tolerate stray blank lines between records
            if stream.at_eof():
                return None
            if stream.buf[:2] == b"\r\n":
                stream.read(2)
            elif stream.buf[:1] == b"\n":
                stream.read(1)
            else:
                break
        s_upos = stream.upos
        if cur is not None:
            cur.start = _record_start(stream, gz)
        seekable = (s_upos in stream.boundaries) if gz else True
        offset = stream.boundaries[s_upos] if gz and seekable else s_upos
        view = _parse_head(stream, path, offset, seekable)
        if view is None:
            return None
        block_check = DigestChecker(view.header("WARC-Block-Digest"))
        block_check.update(view.http_head)
        is_revisit = view.rec_type == "revisit"
        payload_check = DigestChecker(None if is_revisit else view.header("WARC-Payload-Digest"))
        need_sha1 = (view.rec_type == "response" and view.http_status is not None
                     and not view.header("WARC-Payload-Digest"))
        sha1 = hashlib.sha1() if need_sha1 else None
        keep = view.http_status is None and view.http_method is None and view.content_length <= _KEEP_PAYLOAD
        kept: list[bytes] = []
        plen = 0
        te = (view.http_header("Transfer-Encoding") or "").lower() if view.http_status is not None else ""
        chunks = ChunkChecker() if "chunked" in te and view.rec_type == "response" else None
        for chunk in view.iter_payload():
            plen += len(chunk)
            if chunks is not None:
                chunks.feed(chunk)
            block_check.update(chunk)
            payload_check.update(chunk)
            if sha1 is not None:
                sha1.update(chunk)
            if keep:
                kept.append(chunk)
        view.payload_length = plen
        _read_trailer(stream, path, offset)
        e_upos = stream.upos
        where = stream.settle(e_upos)
        if gz and seekable and where == "boundary":
            length = stream.boundaries[e_upos] - offset
        elif gz:
            if seekable:  # starts a member but ends inside one: use decompressed positions
                seekable = False
                offset = s_upos
                view.offset = offset
            length = e_upos - s_upos
        else:
            length = e_upos - s_upos
        view.seekable = seekable
        view.length = length
        stream.prune(e_upos)
    except StreamBreak as exc:
        raise WarcError(str(path), exc.cpos, exc.message) from None
    computed = None
    if sha1 is not None:
        computed = "sha1:" + base64.b32encode(sha1.digest()).decode("ascii")
    info = RecordInfo(view=view, offset=offset, length=length, seekable=seekable,
                      payload_length=plen, payload=b"".join(kept) if keep else None,
                      computed_payload_digest=computed, block_digest_ok=block_check.ok(),
                      payload_digest_ok=payload_check.ok())
    if problems is not None:
        if chunks is not None and chunks.finish():
            problems.append(WarcError(str(path), offset, f"{view.rec_type} record {view.record_id}: "
                                                         f"wrong chunking ({chunks.error})"))
        if info.block_digest_ok is False:
            problems.append(WarcError(str(path), offset, f"{view.rec_type} record {view.record_id}: "
                                                         "WARC-Block-Digest does not match"))
        elif info.payload_digest_ok is False:
            problems.append(WarcError(str(path), offset, f"{view.rec_type} record {view.record_id}: "
                                                         "WARC-Payload-Digest does not match"))
    view._stream = None
    return info


def _read_trailer(stream: DecodedStream, path: Path, offset: int) -> None:
    """Consume the CRLF CRLF after a block. Lenient with other tools' files whose
    Content-Length already counted it: a record whose gzip member ends right after its block, or
    one directly followed by the next ``WARC/`` line, is accepted."""
    if stream.gz and stream.settle(stream.upos) == "boundary":
        return
    # peek at up to 5 bytes, never decoding past the end of the current gzip member
    while len(stream.buf) < 5 and not bytes(stream.buf[:4]) == b"\r\n\r\n" \
            and stream.end_upos not in stream.boundaries and stream.fill():
        pass
    head = bytes(stream.buf[:5])
    if head.startswith(b"\r\n\r\n"):
        stream.read(4)
    elif head.startswith(b"WARC/"):
        return
    elif len(head) < 4 and b"\r\n\r\n".startswith(head):
        raise WarcError(str(path), offset, "record cut after its block (CRLF CRLF missing)")
    else:
        raise WarcError(str(path), offset,
                        "record block is not followed by CRLF CRLF (wrong Content-Length?)")


# -- captures ---------------------------------------------------------------------------------

def _warc_fields(data: bytes | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if not data:
        return out
    for line in data.decode("utf-8", "replace").splitlines():
        pair = _split_header(line)
        if pair:
            out[pair[0].lower()] = pair[1]
    return out


def _json(data: bytes | None) -> dict | None:
    if not data:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _int(value: str | None) -> int | None:
    try:
        number = int(value.strip()) if value is not None else None
    except ValueError:
        return None
    return number if number is None or number >= 0 else None


def _concurrent(view: WarcRecordView) -> set[str]:
    return {v.strip() for k, v in view.warc_headers if k.lower() == "warc-concurrent-to"}


class WarcReader:
    """Reads one WARC file into index rows.

    ``captures()`` yields :class:`Capture` (response/revisit records with an http(s) target) and
    :class:`FetchFailure` (our fetch-error metadata records). Meanwhile ``warcinfo`` (the fields
    of the latest warcinfo record, lower-cased names), ``crawl_ends`` (our crawl-end records),
    ``problems`` (breaks and bad digests as :class:`WarcError`) and ``records`` (count) fill in.
    ``name`` is the file name stored in ``Capture.warc_file`` (default: the file's name).
    """

    def __init__(self, path: Path | str, *, name: str | None = None, resync: bool = False) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.resync = resync
        self.damaged: list[DamagedSpan] = []  # spans skipped (resync) or cut off at the end
        self.warcinfo: dict[str, str] = {}
        self.warcinfos: list[tuple[int, str | None, dict[str, str]]] = []  # (offset, WARC-Date, fields)
        self.crawl_ends: list[CrawlStats] = []
        self.problems: list[WarcError] = []
        self.records = 0
        self.end_offset = 0  # file offset just after the last good record (seekable files)

    @property
    def broken(self) -> WarcError | None:
        """The break that stopped reading (a cut or corrupt record), if any; problems inside
        complete records (bad digests, wrong chunking) do not stop reading."""
        breaks = self.breaks
        return breaks[0] if breaks else None

    @property
    def breaks(self) -> list[WarcError]:
        """Every break met: one per damaged span (with ``resync``, reading went on after each
        but the last one that runs to the end of the file)."""
        return [p for p in self.problems if not is_record_problem(p)]

    def captures(self) -> Iterator[Capture | FetchFailure]:
        pending: list[tuple[Capture, set[str]]] = []
        requests: OrderedDict[str, tuple[str, int | None, int | None, set[str]]] = OrderedDict()
        for info in iter_records(self.path, self.problems, resync=self.resync, damaged=self.damaged):
            self.records += 1
            if info.seekable:
                self.end_offset = info.offset + info.length
            view = info.view
            rtype = view.rec_type
            if rtype == "warcinfo":
                self.warcinfo = _warc_fields(info.payload)
                self.warcinfos.append((info.offset, view.date, self.warcinfo))
            elif rtype == "request":
                rid = view.record_id
                req = (view.http_method or "GET", info.offset if info.seekable else None,
                       info.length if info.seekable else None, _concurrent(view))
                matched = -1
                for i, (cap, conc) in enumerate(pending):
                    if cap.request_offset is None and (view_id_match(cap.id, req[3]) or rid in conc):
                        _attach(cap, req)
                        matched = i
                        break
                if matched >= 0:  # yield it (and anything before it) in file order
                    yield from (c for c, _ in pending[:matched + 1])
                    del pending[:matched + 1]
                else:
                    requests[rid] = req
                    while len(requests) > 64:
                        requests.popitem(last=False)
            elif rtype in ("response", "revisit"):
                cap_conc = self._capture(info)
                if cap_conc is None:
                    continue
                yield from (c for c, _ in pending)
                pending = []
                cap, conc = cap_conc
                for rid, req in list(requests.items()):
                    if rid in conc or view_id_match(cap.id, req[3]):
                        _attach(cap, req)
                        del requests[rid]
                        break
                if cap.request_offset is not None:
                    yield cap
                else:
                    pending.append(cap_conc)
            elif rtype == "metadata":
                body = _json(info.payload) if "json" in (view.header("Content-Type") or "") else None
                if body and body.get(MARKER) == FETCH_ERROR:
                    yield FetchFailure(crawl_id=str(body.get("crawl_id") or self.warcinfo.get("crawl-id") or ""),
                                       url=str(body.get("url") or view.target_uri or ""),
                                       timestamp=str(body.get("timestamp") or view.date or ""),
                                       error=str(body.get("error") or ""),
                                       detail=str(body.get("detail") or ""))
                elif body and body.get(MARKER) == CRAWL_END:
                    self.crawl_ends.append(_crawl_stats(body))
        yield from (c for c, _ in pending)

    def _capture(self, info: RecordInfo) -> tuple[Capture, set[str]] | None:
        view = info.view
        url = view.target_uri or ""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return None
        revisit = view.rec_type == "revisit"
        digest = view.header("WARC-Payload-Digest") or info.computed_payload_digest
        meta = _json((view.header(JSON_METADATA) or "").encode("utf-8")) or {}
        depth = meta.get("depth")
        content_length = _int(view.http_header("Content-Length")) if revisit else info.payload_length
        cap = Capture(
            id=capture_id(view.record_id),
            url=url,
            urlkey=surt(url),
            method="GET",
            timestamp=view.date or "",
            status=view.http_status,
            mime=mime_of(view.http_header("Content-Type")) if view.http_head else mime_of(view.header("Content-Type")),
            payload_digest=digest.strip() if digest else None,
            record_type="revisit" if revisit else "response",
            warc_file=self.name,
            warc_offset=info.offset,
            warc_length=info.length,
            source=self.warcinfo.get("source") or None,
            crawl_id=self.warcinfo.get("crawl-id") or None,
            refers_to_url=_strip_brackets(view.header("WARC-Refers-To-Target-URI")) if revisit else None,
            refers_to_date=(view.header("WARC-Refers-To-Date") or None) if revisit else None,
            etag=view.http_header("ETag"),
            last_modified=view.http_header("Last-Modified"),
            content_length=content_length,
            truncated=view.header("WARC-Truncated"),
            ip=view.header("WARC-IP-Address"),
            depth=depth if isinstance(depth, int) else None,
            via=meta.get("via") if isinstance(meta.get("via"), str) else None,
        )
        if revisit and cap.refers_to_date:
            cap.refers_to_date = cap.refers_to_date.strip()
        return cap, _concurrent(view)


def is_record_problem(err: WarcError) -> bool:
    """True for a problem inside a complete record (bad digest, wrong chunking), False for a
    break (cut or corrupt file) that stopped reading."""
    text = str(err)
    return "Digest does not match" in text or "wrong chunking (" in text


def view_id_match(cap_id: str, ids: set[str]) -> bool:
    return any(capture_id(i) == cap_id for i in ids)


def _attach(cap: Capture, req: tuple[str, int | None, int | None, set[str]]) -> None:
    cap.method = req[0]
    cap.request_offset = req[1]
    cap.request_length = req[2]


def _strip_brackets(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value or None


def _crawl_stats(body: dict) -> CrawlStats:
    seeds = body.get("seeds") or []
    return CrawlStats(id=str(body.get("id") or ""), source=str(body.get("source") or ""),
                      started=str(body.get("started") or ""), finished=body.get("finished"),
                      pages=int(body.get("pages") or 0), bytes=int(body.get("bytes") or 0),
                      errors=int(body.get("errors") or 0), rules=body.get("rules"),
                      seeds=[str(s) for s in seeds] if isinstance(seeds, list) else [])


def iter_captures(path: Path | str, *, name: str | None = None, resync: bool = False,
                  on_problem: Callable[[WarcError], None] | None = None) -> Iterator[Capture | FetchFailure]:
    """Index rows of one WARC file. Every good record is yielded first (with ``resync``, also
    those after a damaged span); then each problem is passed to ``on_problem`` when given, or
    the first break is raised as :class:`WarcError`."""
    reader = WarcReader(path, name=name, resync=resync)
    yield from reader.captures()
    if on_problem is not None:
        for p in reader.problems:
            on_problem(p)
    elif reader.broken is not None:
        raise reader.broken


__all__ = ["WarcRecordView", "RecordInfo", "DamagedSpan", "WarcReader", "read_record", "read_payload",
           "iter_records", "iter_captures", "sha1_digest"]
