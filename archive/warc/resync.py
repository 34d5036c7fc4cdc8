"""Resynchronising after damage: the bytes that hold no readable record, and the next record
that reads cleanly.

After a break (a cut or corrupt record) the reader scans forward for the next record that reads
cleanly — in a gzip file the next gzip member (``1f 8b 08``) whose text starts
``WARC/1.0``/``WARC/1.1``, in an uncompressed file the next line starting so — so good records
after a damaged one are kept with their true file offsets. The bytes skipped are one
:class:`DamagedSpan` (file, offset, length, reason).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import WarcError
from .framing import RecordInfo, _Cursor, _next_record, _stream_at
from .stream import GZIP_MAGIC, DecodedStream

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


_SCAN = 1 << 20
_GZ_RECORD = GZIP_MAGIC + b"\x08"
_PLAIN_RECORD = b"\nWARC/1."
_WARC_LINE = re.compile(rb"WARC/1\.[01]\r?\n")


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
