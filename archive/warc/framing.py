"""Reading one complete record after another from a decoded stream, with every completeness
check: the block read to its ``Content-Length`` and followed by ``CRLF CRLF``, the gzip member
holding it ended cleanly, and its digests computed (a mismatch is a problem of that record, not
a break). A break raises :class:`~archive.errors.WarcError` naming the file and the offset.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import WarcError
from .parse import WarcRecordView, _parse_head
from .records import ChunkChecker, DigestChecker
from .stream import DecodedStream, StreamBreak

_KEEP_PAYLOAD = 1 << 20  # payloads of non-HTTP records up to this size are kept in memory


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


@dataclass
class _Cursor:
    """Where the record being read starts in the file (the gzip member holding it, for records
    inside a multi-record member)."""

    start: int


def _stream_at(fh: BinaryIO, start: int, gz: bool) -> DecodedStream:
    stream = DecodedStream(fh, start, gz=gz)
    if not gz:  # positions in an uncompressed file are file offsets
        stream.buf_upos = start
    return stream


def _record_start(stream: DecodedStream, gz: bool) -> int:
    if not gz:
        return stream.upos
    return stream.boundaries.get(stream.upos, stream.member_start)


class _Checks:
    """What reading a record's block computes: its digests (checked against the record's own),
    the sha1 of a response payload that names none, chunked framing kept by another tool, and
    the payload itself for small non-HTTP records."""

    def __init__(self, view: WarcRecordView) -> None:
        self.block = DigestChecker(view.header("WARC-Block-Digest"))
        self.block.update(view.http_head)
        self.payload = DigestChecker(None if view.rec_type == "revisit" else view.header("WARC-Payload-Digest"))
        need_sha1 = (view.rec_type == "response" and view.http_status is not None
                     and not view.header("WARC-Payload-Digest"))
        self.sha1 = hashlib.sha1() if need_sha1 else None
        self.keep = view.http_status is None and view.http_method is None and view.content_length <= _KEEP_PAYLOAD
        self.kept: list[bytes] = []
        te = (view.http_header("Transfer-Encoding") or "").lower() if view.http_status is not None else ""
        self.chunks = ChunkChecker() if "chunked" in te and view.rec_type == "response" else None
        self.length = 0

    def feed(self, chunk: bytes) -> None:
        self.length += len(chunk)
        if self.chunks is not None:
            self.chunks.feed(chunk)
        self.block.update(chunk)
        self.payload.update(chunk)
        if self.sha1 is not None:
            self.sha1.update(chunk)
        if self.keep:
            self.kept.append(chunk)

    def info(self, view: WarcRecordView, offset: int, length: int, seekable: bool) -> RecordInfo:
        computed = "sha1:" + base64.b32encode(self.sha1.digest()).decode("ascii") if self.sha1 is not None else None
        return RecordInfo(view=view, offset=offset, length=length, seekable=seekable,
                          payload_length=self.length, payload=b"".join(self.kept) if self.keep else None,
                          computed_payload_digest=computed, block_digest_ok=self.block.ok(),
                          payload_digest_ok=self.payload.ok())

    def problems(self, info: RecordInfo, path: Path) -> list[WarcError]:
        """Wrong chunking and digest mismatches: problems of a complete record (still yielded)."""
        view, found = info.view, []
        what = f"{view.rec_type} record {view.record_id}: "
        if self.chunks is not None and self.chunks.finish():
            found.append(WarcError(str(path), info.offset, f"{what}wrong chunking ({self.chunks.error})"))
        if info.block_digest_ok is False:
            found.append(WarcError(str(path), info.offset, f"{what}WARC-Block-Digest does not match"))
        elif info.payload_digest_ok is False:
            found.append(WarcError(str(path), info.offset, f"{what}WARC-Payload-Digest does not match"))
        return found


def _skip_blank_lines(stream: DecodedStream) -> bool:
    """Tolerate stray blank lines between records; False at the end of the stream."""
    while True:
        if stream.at_eof():
            return False
        if stream.buf[:2] == b"\r\n":
            stream.read(2)
        elif stream.buf[:1] == b"\n":
            stream.read(1)
        else:
            return True


def _next_record(stream: DecodedStream, path: Path, gz: bool,
                 problems: list[WarcError] | None, cur: _Cursor | None = None) -> RecordInfo | None:
    """The next complete record of ``stream`` (None at its end); a break raises WarcError.
    Problems of the record itself (digests, chunking) go to ``problems`` when it is a list."""
    offset = stream.ccur
    try:
        if not _skip_blank_lines(stream):
            return None
        s_upos = stream.upos
        if cur is not None:
            cur.start = _record_start(stream, gz)
        seekable = (s_upos in stream.boundaries) if gz else True
        offset = stream.boundaries[s_upos] if gz and seekable else s_upos
        view = _parse_head(stream, path, offset, seekable)
        if view is None:
            return None
        checks = _Checks(view)
        for chunk in view.iter_payload():
            checks.feed(chunk)
        view.payload_length = checks.length
        _read_trailer(stream, path, offset)
        e_upos = stream.upos
        where = stream.settle(e_upos)
        if gz and seekable and where == "boundary":
            length = stream.boundaries[e_upos] - offset
        else:
            if gz and seekable:  # starts a member but ends inside one: use decompressed positions
                seekable = False
                offset = s_upos
                view.offset = offset
            length = e_upos - s_upos
        view.seekable = seekable
        view.length = length
        stream.prune(e_upos)
    except StreamBreak as exc:
        raise WarcError(str(path), exc.cpos, exc.message) from None
    info = checks.info(view, offset, length, seekable)
    if problems is not None:
        problems.extend(checks.problems(info, path))
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
