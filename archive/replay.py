"""Replay: find the capture of a URL nearest to a time and give back what the server sent.

Lookup is by ``urlkey`` (:func:`archive.urls.surt`) in the ``captures`` table (through its owner,
:mod:`archive.index.captures`), never by a file path: the URL only selects rows, and the row names the WARC file and offset. The nearest capture
by absolute time wins, the earlier one on a tie; GET captures only unless a method is asked for.
A revisit is resolved to the response it refers to (same payload digest, preferably the
referred URL and date); a revisit whose original is missing raises :class:`NotFound` naming it.

The payload is streamed from the WARC through :mod:`archive.warc.reader`. Two views:

- ``raw``: the HTTP response bytes as recorded (status line, headers, entity body with its
  content-encoding);
- ``decoded``: the entity body as a browser sees it (content-encoding removed), capped in size.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import quote

from .errors import InputError, NotFound, UnsafePath, WarcError
from .index.captures import captures_of_url, previous_full, revisit_original
from .model import Capture, parse_iso
from .urls import check_http_url, surt

if TYPE_CHECKING:
    import sqlite_utils

TIMESTAMP_RE = re.compile(r"^\d{14}$")
CHUNK = 64 * 1024
# The largest decoded body replay will produce (a gzip bomb stops here with an error).
MAX_DECODED = 256 * 1024 * 1024
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})


def parse_timestamp(ts: str) -> dt.datetime:
    """``YYYYMMDDhhmmss`` → naive UTC datetime; :class:`InputError` naming it otherwise."""
    if not TIMESTAMP_RE.match(ts or ""):
        raise InputError(f"{ts!r}: timestamp must be 14 digits YYYYMMDDhhmmss")
    try:
        return dt.datetime.strptime(ts, "%Y%m%d%H%M%S")
    except ValueError:
        raise InputError(f"{ts!r}: not a valid date and time (YYYYMMDDhhmmss)") from None


def to_timestamp14(iso_ts: str | None) -> str:
    """ISO 8601 (``2025-01-02T03:04:05.6Z``) → ``20250102030405``; empty string if unknown."""
    if not iso_ts:
        return ""
    digits = re.sub(r"\D", "", iso_ts)
    return digits[:14].ljust(14, "0") if digits else ""


REPLAY_PREFIX = "/-/replay/"  # the archive's replay route (Datasette plugin), and its snapshot twin
SNAPSHOT_PREFIX = "/-/snapshot/"
# characters left as they are in the URL part of a replay link (``#`` must be escaped)
_LINK_SAFE = ":/?&=%@+,;~!$'()*[]"


def link_path(prefix: str, timestamp14: str, url: str) -> str:
    """``/-/replay/20250102030405/http://…`` (or the snapshot route): the one link format, for
    table cells, canned queries, the front page and watch alerts alike."""
    return f"{prefix}{timestamp14}/{quote(url, safe=_LINK_SAFE)}"


def _when(capture: Capture) -> dt.datetime:
    return parse_iso(capture.timestamp)


def list_captures(db: "sqlite_utils.Database", url: str, *, method: str | None = "GET") -> list[Capture]:
    """All captures of ``url`` (matched by its SURT key), oldest first; ``method=None`` = any."""
    return captures_of_url(db, check_http_url(url), method)


def nearest(captures: list[Capture], at: dt.datetime | None) -> Capture:
    """The capture nearest to ``at`` by absolute time, the earlier on a tie; the latest if
    ``at`` is None. ``captures`` must be non-empty."""
    if at is None:
        return max(captures, key=lambda c: (_when(c), c.id))
    return min(captures, key=lambda c: (abs((_when(c) - at).total_seconds()), _when(c), c.id))


def find_capture(db: "sqlite_utils.Database", url: str, at: dt.datetime | str | None = None,
                 *, method: str | None = "GET") -> Capture:
    """The capture of ``url`` nearest to ``at`` (a datetime or 14-digit timestamp)."""
    if isinstance(at, str):
        at = parse_timestamp(at)
    found = list_captures(db, url, method=method)
    if not found:
        what = f"{method.upper()} " if method else ""
        hint = ""
        if method is not None:
            others = sorted({c.method.upper() for c in list_captures(db, url, method=None)})
            if others:
                hint = f"; captures with method {', '.join(others)} exist (ask for that method)"
        raise NotFound(f"{url}: no {what}capture of this URL in the archive (urlkey {surt(url)}){hint}")
    return nearest(found, at)


def resolve_revisit(db: "sqlite_utils.Database", revisit: Capture) -> Capture:
    """The response record a revisit refers to (:func:`archive.index.captures.revisit_original`:
    same payload digest, the referred URL and date preferred). :class:`NotFound` names the
    missing original."""
    target = revisit.refers_to_url or revisit.url
    if not revisit.payload_digest:
        raise NotFound(f"{revisit.url}: revisit {revisit.id} has no payload digest; its original "
                       f"{target} ({revisit.refers_to_date or 'date unknown'}) cannot be found")
    original = revisit_original(db, revisit)
    if original is None:
        raise NotFound(f"{revisit.url}: the original of revisit {revisit.id} is missing: "
                       f"{target} at {revisit.refers_to_date or 'unknown date'} "
                       f"(payload digest {revisit.payload_digest})")
    return original


# --------------------------------------------------------------------------------------------
# Reading the record (through the WARC reader)


@dataclass
class HttpHead:
    """The recorded HTTP response head."""

    status: int
    reason: str
    protocol: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes = b""  # status line + header lines + blank line, as recorded

    def get(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None


@dataclass
class Replay:
    """A capture ready to be replayed: the record whose HTTP head is shown and the record whose
    payload is sent (the same one unless the capture is a revisit)."""

    capture: Capture
    original: Capture  # the response record holding the payload
    head: HttpHead  # shown: the capture's own HTTP head (a revisit's, when it has one)
    data_dir: Path
    payload_head: HttpHead | None = None  # the original's head: how its payload is framed/encoded
    confirmed_by: Capture | None = None  # a later 304 capture that this content stood for

    @property
    def _framing(self) -> HttpHead:
        return self.payload_head or self.head

    @property
    def status(self) -> int:
        return self.head.status

    @property
    def content_type(self) -> str | None:
        return self.head.get("Content-Type") or self.capture.mime or self.original.mime

    @property
    def content_encoding(self) -> str | None:
        value = self._framing.get("Content-Encoding")
        return value.strip().lower() if value and value.strip() else None

    @property
    def chunked(self) -> bool:
        """True when the record kept HTTP chunked framing in its payload (some other tools'
        WARCs do; ours store the body de-chunked)."""
        value = self._framing.get("Transfer-Encoding") or ""
        return "chunked" in value.lower()

    @property
    def entity_length(self) -> int | None:
        """Length of :meth:`entity_payload` when known without reading it."""
        if self.chunked:
            return None
        return self.original.content_length

    def recorded_payload(self) -> Iterator[bytes]:
        """The record's payload exactly as stored (chunked framing kept if it was recorded)."""
        return _iter_payload(self.data_dir, self.original)

    def entity_payload(self) -> Iterator[bytes]:
        """The entity body with its content-encoding kept (chunked framing removed)."""
        raw = self.recorded_payload()
        return dechunk(raw, what=self.capture.url) if self.chunked else raw

    def decoded_payload(self, max_size: int = MAX_DECODED) -> Iterator[bytes]:
        """The entity body with its content-encoding removed, as a browser sees it."""
        return decode_stream(self.entity_payload(), self.content_encoding, max_size=max_size,
                             what=f"{self.capture.url} ({self.capture.id})")

    def raw_response(self) -> Iterator[bytes]:
        """The HTTP response bytes as recorded: head then entity body."""
        yield self.head.raw
        yield from self.recorded_payload()


def open_replay(db: "sqlite_utils.Database", data_dir: Path, url: str,
                at: dt.datetime | str | None = None, *, method: str | None = "GET") -> Replay:
    """Find the capture of ``url`` nearest to ``at`` and prepare its replay."""
    capture = find_capture(db, url, at, method=method)
    return replay_capture(db, data_dir, capture)


def replay_capture(db: "sqlite_utils.Database", data_dir: Path, capture: Capture) -> Replay:
    """Prepare the replay of one capture. A revisit shows its own head with its original's
    payload; a 304 (conditional GET) shows the content it confirmed: the latest earlier capture
    of the URL that has content (``Replay.capture`` stays the 304)."""
    if capture.status == 304:
        full = previous_full(db, capture)
        if full is not None:
            rep = replay_capture(db, data_dir, full)
            rep.confirmed_by = capture
            return rep
    original = capture
    if capture.record_type == "revisit":
        original = resolve_revisit(db, capture)
    payload_head = _read_head(data_dir, original)
    head = _read_head(data_dir, capture) if original is not capture else payload_head
    if head is None:  # a revisit without its own HTTP head shows the original's
        head = payload_head
    if head is None:
        raise WarcError(str(warc_path(data_dir, original)), original.warc_offset,
                        f"record {original.id} has no HTTP response head")
    return Replay(capture=capture, original=original, head=head, data_dir=Path(data_dir),
                  payload_head=payload_head)


def warc_path(data_dir: Path, capture: Capture) -> Path:
    """The WARC file of a capture, which must lie inside ``DATA/warcs``."""
    base = (Path(data_dir) / "warcs").resolve()
    path = (base / capture.warc_file).resolve()
    if base not in path.parents:
        raise UnsafePath(capture.warc_file, capture.warc_offset,
                         "WARC file name in the index points outside DATA/warcs")
    return path


def _read_head(data_dir: Path, capture: Capture) -> HttpHead | None:
    from .warc.reader import read_record

    with read_record(warc_path(data_dir, capture), capture.warc_offset) as view:
        if view.http_status is None:
            return None
        return HttpHead(status=view.http_status, reason=view.http_reason or "",
                        protocol=view.http_protocol or "HTTP/1.1",
                        headers=list(view.http_headers), raw=view.http_head)


def _iter_payload(data_dir: Path, capture: Capture) -> Iterator[bytes]:
    """The entity body of a response record, streamed from its WARC (the reader checks that
    the record is complete and raises WarcError naming file and offset when it is cut)."""
    from .warc.reader import read_record

    with read_record(warc_path(data_dir, capture), capture.warc_offset) as view:
        yield from view.iter_payload(CHUNK)


def dechunk(chunks: Iterator[bytes], *, what: str = "payload") -> Iterator[bytes]:
    """Remove HTTP/1.1 chunked framing from a stream, with the WARC stage's own
    :class:`~archive.warc.records.ChunkChecker`. A body whose framing is broken from its first
    byte (some tools label de-chunked bodies as chunked) is passed through as it is, as browsers
    do; framing that breaks later ends the body after the last good chunk."""
    from .warc.records import ChunkChecker

    checker = ChunkChecker(keep=True)
    held: list[bytes] = []  # raw bytes kept until the framing is known to be chunked
    started = False
    for piece in chunks:
        checker.feed(piece)
        if checker.error is not None:
            if not started and not checker.data:
                yield from held
                yield piece
                yield from chunks
            elif checker.data:
                yield bytes(checker.data)
            return
        if checker.data:
            started = True
            held.clear()
            yield bytes(checker.data)
            checker.data.clear()
        elif not started:
            held.append(piece)
    if checker.finish() is not None and not started:
        yield from held


def decode_stream(chunks: Iterator[bytes], encoding: str | None, *, max_size: int = MAX_DECODED,
                  what: str = "payload") -> Iterator[bytes]:
    """Remove a content-encoding (:mod:`archive.content`: gzip, deflate, br; stacked ones right
    to left) from a stream of chunks. Unknown encodings and bodies that decode beyond
    ``max_size`` raise WarcError naming ``what``."""
    from .content import ContentDecodeError, Decoder

    try:
        yield from Decoder(encoding, limit=max_size).stream(chunks)
    except ContentDecodeError as exc:
        raise WarcError(what, None, {
            "too-large": f"decoded body larger than {max_size} bytes; use raw replay",
            "unsupported": f"content-encoding {exc.coding!r} cannot be decoded; use raw replay",
            "no-decoder": f"content-encoding {exc.coding} needs the brotli package; use raw replay",
        }.get(exc.kind, f"{exc.coding} body does not decode ({exc.detail}); use raw replay")) from None


# Recorded headers forwarded on replay; everything else (hop-by-hop, cookies, the site's own
# security policies, redirects, lengths, Date — the capture time is in Memento-Datetime) is
# dropped and the replay server sets its own.
FORWARD = frozenset({"content-language", "last-modified", "etag", "vary", "content-disposition"})


def safe_headers(head: HttpHead, *, keep_encoding: bool) -> list[tuple[str, str]]:
    """Recorded headers that are safe to forward on replay (a short allow-list);
    ``Content-Encoding`` only when the payload is sent encoded. Hop-by-hop headers
    (``Transfer-Encoding``, ``Connection`` and those it names) are never forwarded."""
    allow = FORWARD | ({"content-encoding"} if keep_encoding else set())
    named = {t.strip().lower() for k, v in head.headers if k.lower() == "connection" for t in v.split(",")}
    return [(k, v) for k, v in head.headers
            if k.lower() in allow and k.lower() not in HOP_BY_HOP and k.lower() not in named]
