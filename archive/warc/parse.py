"""One WARC record: its WARC headers and HTTP head parsed, its payload streamed on demand.

:func:`read_record` opens the record at a file offset (per-record gzip, uncompressed, or an
offset inside a whole-file gzip member, which is decompressed from the start); the head is
parsed at once and the payload read only when asked (``iter_payload()``/``read_payload()``),
raising :class:`~archive.errors.WarcError` naming the file and offset when the record is cut.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import WarcError
from .records import header
from .stream import GZIP_MAGIC, DecodedStream, StreamBreak

__all__ = ["WarcRecordView", "read_record", "read_payload"]

_MAX_HEADER_LINE = 1 << 16
_MAX_HEADERS = 1 << 20
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


@contextlib.contextmanager
def _closed_on_failure(fh: BinaryIO, path: Path) -> Iterator[None]:
    """Close ``fh`` when the block fails; a stream break becomes a WarcError naming the file."""
    try:
        yield
    except StreamBreak as exc:
        fh.close()
        raise WarcError(str(path), exc.cpos, exc.message) from None
    except BaseException:
        fh.close()
        raise


def _open_at(path: Path, offset: int) -> tuple[BinaryIO, DecodedStream, int, bool]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(str(path), None, f"cannot open ({exc.strerror or exc})") from None
    with _closed_on_failure(fh, path):
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


def read_record(path: Path | str, offset: int) -> WarcRecordView:
    """The record at ``offset``: headers parsed now, payload streamed by ``iter_payload()``.

    Use it as a context manager (or call ``close()``). Raises :class:`WarcError` naming the file
    and offset when no complete record header is there."""
    path = Path(path)
    fh, stream, offset, seekable = _open_at(path, offset)
    with _closed_on_failure(fh, path):
        view = _parse_head(stream, path, offset, seekable)
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
