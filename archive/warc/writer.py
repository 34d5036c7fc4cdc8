"""Writing WARC 1.1 files from HTTP exchanges (warcio builds the records; we gzip them).

Each record is serialised by warcio's ``WARCWriter(..., warc_version="1.1")`` into memory and
compressed as its own gzip member at ``gzip_level`` (warcio hard-codes level 9, a quarter of a
crawl's CPU; level 6 gives the same size faster), then appended to the open file: every record's
offset is seekable. Files are named ``PREFIX-YYYYMMDDhhmmssffffff-SERIAL-HOST.warc.gz``, written
as ``….warc.gz.open`` and renamed when closed, rotated once they reach ``max_size``; each starts
with a ``warcinfo`` record naming the software, the format, the source and the crawl id, plus
``info`` (non-string values written as JSON; ``started``, ``rules``, ``seeds`` let reindex rebuild
the ``crawls`` row of a crawl that was killed before its ``crawl-end`` record).

HTTP headers are written byte for byte as received, the body de-chunked (:mod:`.httphead`).

An exchange becomes a ``response`` record, or a ``revisit`` (:mod:`.revisit`): an
unchanged payload (identical-payload-digest, the default re-crawl) or a 304 answer to a
conditional GET (server-not-modified); either keeps its own HTTP head and refers to the record
holding the payload (``WARC-Refers-To-Target-URI``, ``-Date``, ``WARC-Refers-To``).

``Capture.id`` is the UUID of the response/revisit record's ``WARC-Record-ID``
(``<urn:uuid:UUID>``), so ``archive reindex`` derives identical rows from the file alone.
Depth and referring page travel in a ``WARC-JSON-Metadata`` header of the response/revisit.
Record ids are random (uuid4) unless ``record_ids`` supplies them: a seeded supplier makes every
record's bytes reproducible, which tests that damage a file at a fixed byte depend on (with random
ids the same flip hit different deflate bytes on each run and other tools' output varied).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import io
import json
import os
import socket
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import WarcError
from ..model import Capture, CrawlStats, Exchange, FetchFailure, iso, parse_iso, utcnow
from ..urls import surt
from .files import OPEN_SUFFIX, WARC_SUFFIX
from .records import (CRAWL_END, FETCH_ERROR, JSON_METADATA, MARKER, NOT_MODIFIED_PROFILE,
                      capture_id, header, mime_of, sha1_digest)
from .httphead import RawHttp, fix_response_headers, request_target
from .revisit import PreviousCapture, revisit_profile

__all__ = ["ClosedFile", "PreviousCapture", "WarcWriter", "fix_response_headers", "revisit_profile"]

_EMPTY_DIGEST = sha1_digest(b"")


@dataclass
class ClosedFile:
    """A file this writer closed (renamed from ``.open``), with what it holds: the
    ``warc_files`` row a crawl registers once every capture of the file is indexed."""

    name: str
    size: int
    records: int
    captures: int
    failures: int


def _warc_date(ts: dt.datetime) -> str:
    """WARC 1.1 date with microseconds (naive UTC, as warcio and cdxj-indexer want)."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return iso(ts)


def _record_id(rid: str | None) -> str | None:
    if not rid:
        return None
    rid = rid.strip()
    if rid.startswith("<"):
        return rid
    return f"<urn:uuid:{rid}>" if not rid.startswith("urn:") else f"<{rid}>"


class WarcWriter:
    """Appends exchanges to rotating WARC 1.1 files in ``warcs_dir`` (one writer per task)."""

    software = "syndication-archive"

    def __init__(self, warcs_dir: Path, prefix: str, *, source: str | None, crawl_id: str | None,
                 max_size: int = 1_000_000_000, gzip_level: int = 6,
                 info: dict[str, Any] | None = None, fsync: bool = False,
                 record_ids: Callable[[], Any] | None = None) -> None:
        if not prefix or "/" in prefix or prefix.startswith("."):
            raise WarcError(str(warcs_dir), None, f"bad WARC file prefix {prefix!r}")
        self.warcs_dir = Path(warcs_dir)
        self.prefix = prefix
        self.source = source
        self.crawl_id = crawl_id
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.info = dict(info or {})
        self.fsync = fsync
        self.hostname = socket.gethostname().split(".")[0] or "localhost"
        self.serial = 0
        self.files: list[str] = []  # final names of every file this writer started
        self.closed: list[ClosedFile] = []  # files closed cleanly (rotated or at close())
        self._counts = [0, 0, 0]  # records, captures, failures in the open file
        self._fh: io.FileIO | None = None  # unbuffered: each append is written at once
        self._name: str | None = None
        self._size = 0
        self._lock = threading.Lock()
        from warcio.warcwriter import WARCWriter

        self._builder = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")
        if record_ids is not None:  # warcinfo records take their id from the builder too
            self._builder._make_warc_id = lambda: f"<urn:uuid:{record_ids()}>"  # type: ignore[method-assign]

    # -- files ---------------------------------------------------------------------------------
    @property
    def current_file(self) -> str | None:
        """Final name (without ``.open``) of the file being written, if one is open."""
        return self._name

    def _open(self) -> None:
        self.warcs_dir.mkdir(parents=True, exist_ok=True)
        while True:
            stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
            name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}{WARC_SUFFIX}"
            path = self.warcs_dir / (name + OPEN_SUFFIX)
            if (self.warcs_dir / name).exists():
                continue
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcError(str(path), None, f"cannot create WARC file ({exc.strerror})") from None
            break
        try:  # recovery skips .open files a live writer holds (the lock dies with the process)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass
        self._fh = io.FileIO(fd, "wb", closefd=True)
        self._name = name
        self._size = 0
        self._counts = [0, 0, 0]
        self.serial += 1
        self.files.append(name)
        fields = {
            "software": f"{self.software}/{_version()} (warcio {_warcio_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
        }
        if self.source:
            fields["source"] = self.source
        if self.crawl_id:
            fields["crawl-id"] = self.crawl_id
        fields.update({k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                       for k, v in self.info.items() if v is not None})
        record = self._builder.create_warcinfo_record(name, fields)
        self._append([self._serialise(record)])

    def _close_file(self) -> None:
        if self._fh is None or self._name is None:
            return
        fh, name = self._fh, self._name
        self._fh = None
        self._name = None
        try:
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(self.warcs_dir / (name + OPEN_SUFFIX), self.warcs_dir / name)
            fh.close()  # after the rename: the lock keeps recovery away until then
        except OSError as exc:
            raise WarcError(str(self.warcs_dir / name), None, f"cannot close WARC file ({exc.strerror})") from None
        self.closed.append(ClosedFile(name, self._size, *self._counts))

    def close(self) -> None:
        with self._lock:
            self._close_file()

    def __enter__(self) -> "WarcWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- records -------------------------------------------------------------------------------
    def _serialise(self, record: Any) -> bytes:
        out = io.BytesIO()
        self._builder._write_warc_record(out, record)
        comp = zlib.compressobj(self.gzip_level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return comp.compress(out.getvalue()) + comp.flush()

    def _append(self, members: list[bytes]) -> list[tuple[int, int]]:
        """Append gzip members to the open file (written through to the OS, fsynced if asked);
        their (offset, length). On a failed write (disk full …) the file is cut back to its last
        complete record and closed, so nothing half-written stays, and WarcError is raised."""
        assert self._fh is not None
        spans = []
        pos = self._size
        for m in members:
            spans.append((pos, len(m)))
            pos += len(m)
        data = memoryview(b"".join(members))
        try:
            done = 0
            while done < len(data):
                n = self._fh.write(data[done:])
                if not n:
                    raise OSError(28, "no bytes written")
                done += n
            if self.fsync:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            failed = self.warcs_dir / f"{self._name}{OPEN_SUFFIX}"
            self._abandon()
            raise WarcError(str(failed), self._size,
                            f"cannot write WARC record ({exc.strerror or exc}); the file was cut back "
                            "to its last complete record") from None
        self._size = pos
        self._counts[0] += len(members)
        return spans

    def _abandon(self) -> None:
        """After a failed write: truncate to the last complete record, close, rename."""
        fh, name = self._fh, self._name
        self._fh = None
        self._name = None
        if fh is None or name is None:
            return
        try:
            os.ftruncate(fh.fileno(), self._size)
            if self._size == 0:  # not even the warcinfo: no file
                os.unlink(self.warcs_dir / (name + OPEN_SUFFIX))
                self.files.remove(name)
        except OSError:
            pass  # left as .open: recovery cuts it back on the next start
        else:
            if self._size:
                try:
                    os.replace(self.warcs_dir / (name + OPEN_SUFFIX), self.warcs_dir / name)
                except OSError:
                    pass
        try:
            fh.close()
        except OSError:
            pass

    def _ready(self) -> None:
        if self._fh is not None and self._size >= self.max_size:
            self._close_file()
        if self._fh is None:
            self._open()

    def _record(self, uri: str, rtype: str, *, date: str, http: RawHttp | None = None,
                payload: bytes = b"", extra: list[tuple[str, str]] | None = None,
                content_type: str = "") -> Any:
        from warcio.statusandheaders import StatusAndHeaders

        rid = self._builder._make_warc_id()
        headers = StatusAndHeaders("", [], protocol="WARC/1.1")
        headers.add_header("WARC-Type", rtype)
        headers.add_header("WARC-Record-ID", rid)
        headers.add_header("WARC-Date", date)
        if uri:
            headers.add_header("WARC-Target-URI", uri)
        for k, v in extra or []:
            headers.add_header(k, v)
        return self._builder.create_warc_record(uri, rtype, payload=io.BytesIO(payload) if payload else None,
                                                length=len(payload), warc_headers=headers,
                                                http_headers=http, warc_content_type=content_type)

    def write_exchange(self, ex: Exchange, previous: PreviousCapture | None = None) -> Capture:
        """Write the response (or a revisit, see :func:`.revisit.revisit_profile`) and the request, flush
        them to the OS, and return the capture row to index."""
        method = (ex.method or "GET").upper()
        date = _warc_date(ex.started)
        digest = sha1_digest(ex.body)
        resp_headers = fix_response_headers(ex.response_headers, len(ex.body), status=ex.status,
                                            method=method)
        status_line = f"{ex.http_version} {ex.status} {ex.reason}".rstrip() if ex.reason else \
            f"{ex.http_version} {ex.status}"
        http = RawHttp(status_line, resp_headers)
        profile = revisit_profile(ex, digest, previous)
        if profile == NOT_MODIFIED_PROFILE:
            assert previous is not None
            digest = previous.payload_digest  # the payload the 304 confirmed
        extra = _exchange_fields(ex, profile, previous, digest)
        with self._lock:
            self._ready()
            if profile:
                resp = self._record(ex.url, "revisit", date=date, http=http, extra=extra)
            else:
                resp = self._record(ex.url, "response", date=date, http=http, payload=ex.body, extra=extra)
            resp_id = resp.rec_headers.get_header("WARC-Record-ID")
            req_headers = list(ex.request_headers)
            req_http = RawHttp(f"{method} {request_target(ex.url)} {ex.http_version}", req_headers)
            req = self._record(ex.url, "request", date=date, http=req_http, payload=ex.request_body,
                               extra=[("WARC-Concurrent-To", resp_id),
                                      ("WARC-Payload-Digest", _EMPTY_DIGEST if not ex.request_body
                                       else sha1_digest(ex.request_body))])
            members = [self._serialise(resp), self._serialise(req)]
            name = self._name
            (r_off, r_len), (q_off, q_len) = self._append(members)
            self._counts[1] += 1
        assert name is not None
        refers = previous if profile else None
        return Capture(
            id=capture_id(resp_id), url=ex.url, urlkey=surt(ex.url), method=method, timestamp=date,
            status=ex.status, mime=mime_of(header(resp_headers, "Content-Type")), payload_digest=digest,
            record_type="revisit" if profile else "response", warc_file=name, warc_offset=r_off,
            warc_length=r_len, source=self.source, crawl_id=self.crawl_id,
            refers_to_url=refers.url if refers else None, refers_to_date=refers.timestamp if refers else None,
            etag=header(resp_headers, "ETag"), last_modified=header(resp_headers, "Last-Modified"),
            content_length=_revisit_length(resp_headers) if profile else len(ex.body),
            truncated=ex.truncated, ip=ex.ip, request_offset=q_off, request_length=q_len,
            depth=ex.depth, via=ex.via,
        )

    def write_failure(self, f: FetchFailure) -> FetchFailure:
        """A ``metadata`` record for a URL that gave no capture; returns the row to index."""
        try:
            date = _warc_date(parse_iso(f.timestamp))
        except ValueError:
            date = _warc_date(utcnow())
        crawl_id = f.crawl_id or self.crawl_id or ""
        row = FetchFailure(crawl_id=crawl_id, url=f.url, timestamp=f.timestamp, error=f.error, detail=f.detail)
        body = {MARKER: FETCH_ERROR, "crawl_id": crawl_id, "url": f.url, "timestamp": f.timestamp,
                "error": f.error, "detail": f.detail}
        self._write_metadata(f.url, date, body, failure=True)
        return row

    def write_crawl_end(self, stats: CrawlStats) -> None:
        """A ``metadata`` record with the crawl's summary (the ``crawls`` row)."""
        body = {MARKER: CRAWL_END, "id": stats.id, "source": stats.source, "started": stats.started,
                "finished": stats.finished, "pages": stats.pages, "bytes": stats.bytes,
                "errors": stats.errors, "rules": stats.rules, "seeds": list(stats.seeds)}
        self._write_metadata(f"urn:syndication-archive:crawl:{stats.id}", _warc_date(utcnow()), body)

    def _write_metadata(self, uri: str, date: str, body: dict[str, Any], *, failure: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        with self._lock:
            self._ready()
            rec = self._record(uri, "metadata", date=date, payload=data, content_type="application/json")
            self._append([self._serialise(rec)])
            self._counts[2] += failure


def _exchange_fields(ex: Exchange, profile: str | None, previous: PreviousCapture | None,
                     digest: str) -> list[tuple[str, str]]:
    """The WARC header fields of a response or revisit record beyond type, id, date and URI."""
    extra: list[tuple[str, str]] = []
    if ex.ip:
        extra.append(("WARC-IP-Address", ex.ip))
    if profile:
        assert previous is not None
        extra.append(("WARC-Profile", profile))
        extra.append(("WARC-Refers-To-Target-URI", previous.url))
        extra.append(("WARC-Refers-To-Date", previous.timestamp))
        ref = _record_id(previous.record_id)
        if ref:
            extra.append(("WARC-Refers-To", ref))
    extra.append(("WARC-Payload-Digest", digest))
    if ex.truncated:
        extra.append(("WARC-Truncated", ex.truncated))
    meta: dict[str, Any] = {"depth": ex.depth}
    if ex.via:
        meta["via"] = ex.via
    extra.append((JSON_METADATA, json.dumps(meta, separators=(",", ":"), ensure_ascii=True)))
    return extra


def _revisit_length(headers: list[tuple[str, str]]) -> int | None:
    value = header(headers, "Content-Length")
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("syndication-archive")
    except Exception:  # noqa: BLE001 - not installed: still write a usable warcinfo
        return "0"


def _warcio_version() -> str:
    try:
        from importlib.metadata import version

        return version("warcio")
    except Exception:  # noqa: BLE001
        return "?"
