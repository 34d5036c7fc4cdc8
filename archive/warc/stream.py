"""A decompressed, forward-only view of a WARC file that knows where each gzip member ends.

Works for per-record gzip (one member per record: offsets are seekable), whole-file gzip (one
member holding many records) and uncompressed files. Positions in the decompressed stream are
``upos``; positions in the file are ``cpos``. Every finished gzip member is recorded as a
boundary ``upos -> cpos`` so the reader can tell whether a record fills exactly one member.
A member that is cut (no clean end: deflate end + CRC + length) or corrupt is reported, never
silently accepted.
"""
from __future__ import annotations

import zlib
from typing import BinaryIO

from ..errors import WarcError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16
_MAX_OUT = 1 << 20


class StreamBreak(Exception):
    """The stream cannot go on: ``cpos`` is the file offset where the damage starts."""

    def __init__(self, cpos: int, message: str) -> None:
        super().__init__(message)
        self.cpos = cpos
        self.message = message


class DecodedStream:
    def __init__(self, fh: BinaryIO, start: int = 0, *, gz: bool) -> None:
        fh.seek(start)
        self.fh = fh
        self.gz = gz
        self.ccur = start  # file offset of the next compressed byte not yet consumed
        self.pending = b""  # compressed bytes read from the file, not yet consumed
        self.dec: "zlib._Decompress | None" = None
        self.member_start = start
        self.buf = bytearray()
        self.buf_upos = 0  # upos of buf[0]
        self.boundaries: dict[int, int] = {0: start}  # member boundaries: upos -> cpos
        self.file_eof = False

    # -- filling ---------------------------------------------------------------------------
    @property
    def upos(self) -> int:
        """upos of the next byte a read would return."""
        return self.buf_upos

    @property
    def end_upos(self) -> int:
        return self.buf_upos + len(self.buf)

    def in_member(self) -> bool:
        """True when a gzip member has started and not ended yet."""
        return self.dec is not None

    def fill(self) -> bool:
        """Decode more bytes into the buffer; False at a clean end of file.

        Raises :class:`StreamBreak` on a cut or corrupt gzip member."""
        while True:
            if not self.pending and not self.file_eof:
                self.pending = self.fh.read(_CHUNK)
                if not self.pending:
                    self.file_eof = True
            if not self.gz:
                if not self.pending:
                    return False
                self.buf += self.pending
                self.ccur += len(self.pending)
                self.pending = b""
                return True
            if self.dec is None:
                if not self.pending:
                    return False
                if len(self.pending) < 2 and not self.file_eof:
                    more = self.fh.read(_CHUNK)
                    if not more:
                        self.file_eof = True
                    self.pending += more
                    continue
                if not self.pending.startswith(GZIP_MAGIC):
                    raise StreamBreak(self.ccur, "bytes after the last gzip member are not a gzip member")
                self.dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
                self.member_start = self.ccur
            if not self.pending:
                raise StreamBreak(self.member_start,
                                  "gzip member is cut (file ends before the member's end)")
            data = self.pending
            try:
                out = self.dec.decompress(data, _MAX_OUT)
            except zlib.error as exc:
                raise StreamBreak(self.member_start, f"corrupt gzip member ({exc})") from None
            rest = self.dec.unused_data if self.dec.eof else self.dec.unconsumed_tail
            self.ccur += len(data) - len(rest)
            self.pending = rest
            self.buf += out
            if self.dec.eof:
                self.dec = None
                self.boundaries[self.end_upos] = self.ccur
                return True
            if out:
                return True

    # -- reading -----------------------------------------------------------------------------
    def _consume(self, n: int) -> bytes:
        out = bytes(self.buf[:n])
        del self.buf[:n]
        self.buf_upos += n
        return out

    def readline(self, limit: int = 1 << 16) -> bytes:
        """One line including its ``\\n`` (shorter only at end of stream or past ``limit``)."""
        start = 0
        while True:
            i = self.buf.find(b"\n", start, limit)
            if i >= 0:
                return self._consume(i + 1)
            if len(self.buf) >= limit:
                return self._consume(limit)
            start = len(self.buf)
            if not self.fill():
                return self._consume(len(self.buf))

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at end of stream)."""
        while len(self.buf) < n:
            if not self.fill():
                break
        return self._consume(min(n, len(self.buf)))

    def read_chunk(self, n: int) -> bytes:
        """Between 1 and ``n`` bytes, b'' at end of stream (bounded memory)."""
        if not self.buf and not self.fill():
            return b""
        return self._consume(min(n, len(self.buf)))

    def skip(self, n: int) -> int:
        done = 0
        while done < n:
            chunk = self.read_chunk(min(n - done, _MAX_OUT))
            if not chunk:
                break
            done += len(chunk)
        return done

    def at_eof(self) -> bool:
        return not self.buf and not self.fill()

    def settle(self, upos: int) -> str:
        """After a record ending at ``upos``: 'boundary' (a gzip member ends exactly there),
        'inside' (the same member goes on: whole-file gzip, or an uncompressed file) or raises
        StreamBreak when the member holding the record never ends cleanly."""
        if not self.gz:
            return "inside"
        while True:
            if upos in self.boundaries:
                return "boundary"
            if self.end_upos > upos:
                return "inside"
            if not self.fill():
                # clean EOF without a boundary at upos cannot happen for gzip: fill() raises
                raise StreamBreak(self.member_start, "gzip member is cut")

    def prune(self, upos: int) -> None:
        for k in [k for k in self.boundaries if k < upos]:
            del self.boundaries[k]
