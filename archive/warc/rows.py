"""WARC records as index rows: a response or revisit record is a :class:`~archive.model.Capture`
(paired with its request record), our fetch-error metadata record a
:class:`~archive.model.FetchFailure`; ``warcinfo`` and our ``crawl-end`` records are noted on
the way. The rows are what a crawl inserted: ``archive reindex`` rebuilds the index from them.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

from ..errors import WarcError
from ..model import Capture, CrawlStats, FetchFailure
from ..urls import surt
from .framing import RecordInfo
from .iterate import iter_records
from .parse import WarcRecordView, _split_header
from .records import CRAWL_END, FETCH_ERROR, JSON_METADATA, MARKER, capture_id, mime_of
from .resync import DamagedSpan

__all__ = ["WarcReader", "iter_captures", "is_record_problem", "view_id_match"]


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
