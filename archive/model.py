"""The data model passed from stage to stage.

Each stage takes the dataclasses of the one before it (or reads the rows that stage stored) and
never calls back into it:

    Source ─fetch─► Exchange ─warc─► Capture ─extract─► Article ─dedupe─► Pair
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

RecordType = Literal["response", "revisit"]
CopyKind = Literal["full", "truncated", "excerpt"]
PairMethod = Literal["attribution", "exact", "minhash", "spinner"]


def utcnow() -> dt.datetime:
    """Naive UTC now (warcio wants naive UTC datetimes; aware ones break cdxj-indexer)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def iso(ts: dt.datetime) -> str:
    """ISO 8601 UTC with a ``Z``; microseconds kept when present (WARC 1.1 WARC-Date form)."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds" if ts.microsecond else "seconds") + "Z"


def parse_iso(text: str) -> dt.datetime:
    """Inverse of :func:`iso`; returns a naive UTC datetime."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    value = dt.datetime.fromisoformat(t)
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def find_header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive) in raw header lines, or None."""
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


@dataclass
class Exchange:
    """One HTTP exchange as it happened on the wire (one redirect hop is one exchange).

    ``body`` is the entity body as received: content-encoding kept byte for byte, chunked
    transfer framing removed. ``response_headers`` are the raw header lines in order.
    """

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    started: dt.datetime  # naive UTC, when the request was sent
    http_version: str = "HTTP/1.1"
    ip: str | None = None
    truncated: str | None = None  # WARC-Truncated reason: "length", "time", "disconnect"
    request_body: bytes = b""
    depth: int = 0
    via: str | None = None  # the page this URL was discovered on

    def header(self, name: str) -> str | None:
        return find_header(self.response_headers, name)


@dataclass
class Capture:
    """One row of ``captures``: a response or revisit record and where it lies in its WARC.

    Every field is derived from the WARC records alone (``archive reindex`` rebuilds them).
    """

    id: str  # the response/revisit record's WARC-Record-ID, without "<urn:uuid:" and ">"
    url: str
    urlkey: str  # SURT form, as CDXJ uses
    method: str
    timestamp: str  # ISO 8601 UTC (the WARC-Date)
    status: int | None
    mime: str | None
    payload_digest: str | None
    record_type: RecordType
    warc_file: str  # file name relative to DATA/warcs
    warc_offset: int
    warc_length: int
    source: str | None
    crawl_id: str | None
    refers_to_url: str | None = None
    refers_to_date: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_length: int | None = None
    truncated: str | None = None
    ip: str | None = None
    request_offset: int | None = None
    request_length: int | None = None
    depth: int | None = None
    via: str | None = None


@dataclass
class FetchFailure:
    """One row of ``fetch_errors``: a URL that gave no capture, and why."""

    crawl_id: str
    url: str
    timestamp: str
    error: str  # short kind: dns, connect, timeout, too-large, robots, redirect-loop, ssrf, ...
    detail: str = ""


@dataclass
class CrawlStats:
    """One row of ``crawls``."""

    id: str
    source: str
    started: str
    finished: str | None = None
    pages: int = 0
    bytes: int = 0
    errors: int = 0
    rules: str | None = None
    seeds: list[str] = field(default_factory=list)


@dataclass
class Article:
    """One row of ``articles``: clean text and metadata of one captured page."""

    capture_id: str
    url: str  # always the capture's URL, never trafilatura's (which follows canonical)
    source: str | None
    site: str  # the capture's host
    title: str | None
    author: str | None
    published: str | None  # the story's own publication time/date (ISO), never the aggregator's
    aggregator_date: str | None
    text: str
    word_count: int
    original_publisher: str | None
    original_url: str | None
    language: str | None = None
    sitename: str | None = None
    captured: str | None = None  # the capture's timestamp
    attribution: str | None = None  # how the original was named: canonical, og:url, link, promo, slug, source-line
    text_hash: str | None = None
    rules: str | None = None
    id: int | None = None


@dataclass
class DigestItem:
    """One ``Publisher: Headline`` item of a digest page."""

    digest_url: str
    publisher: str
    headline: str
    summary: str
    link: str | None
    capture_id: str | None = None
    position: int = 0


@dataclass
class Pair:
    """One row of ``syndication``: a copy and the original it was taken from."""

    copy_article_id: int
    original_article_id: int
    copy_url: str
    original_url: str
    method: PairMethod
    similarity: float | None
    containment: float | None
    kind: CopyKind
    lag_seconds: int | None
    lag_resolution: str | None  # "second" or "day"
    direction: str  # how the original was chosen: attribution, aggregator-list, date, containment
    confidence: str  # "high" or "low"
    diff: str
