"""``/-/replay/<YYYYMMDDhhmmss>/<url>``: one archived response, streamed from its WARC.

The path is parsed and validated here (the route matches anything under ``/-/replay/``): a
14-digit timestamp, then an http(s) URL (its query string arrives in the request's own query
string). Any other scheme (``file:``, ``javascript:``, ``data:`` …) or a malformed path → 400.
The URL only selects index rows by its SURT key; file names come from the index alone.

Every replay carries ``Content-Security-Policy: sandbox`` (archived scripts never run with the
archive's origin), ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``;
recorded hop-by-hop headers, cookies and the site's own policies are never forwarded.
"""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import unquote, urljoin

from .settings import ARCHIVE_DB, data_dir

if TYPE_CHECKING:
    from ..errors import ArchiveError

SECURITY_HEADERS = {
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}
_SCHEME_ESCAPED = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*%3[Aa]")
_ONE_SLASH = re.compile(r"^(https?):/(?!/)", re.I)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class ReplayRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_replay_path(rest: str, query_string: str) -> tuple[str, str]:
    """``<ts>/<url>`` (percent-encoded, as routed) → (timestamp14, url). Raises
    :class:`ReplayRequestError` (400) for anything but a 14-digit timestamp and an http(s) URL."""
    ts, sep, url = rest.partition("/")
    if not sep or not re.fullmatch(r"\d{14}", ts):
        raise ReplayRequestError(400, f"{rest!r}: expected /-/replay/YYYYMMDDhhmmss/URL")
    if _SCHEME_ESCAPED.match(url):
        url = unquote(url)
    url = _ONE_SLASH.sub(lambda m: m.group(1) + "://", url)  # proxies collapse '//' to '/'
    m = _SCHEME.match(url)
    scheme = (m.group(1) if m else "").lower()
    if scheme not in ("http", "https"):
        shown = url[:80]
        raise ReplayRequestError(400, f"{shown!r}: only http and https URLs can be replayed")
    if query_string:
        url = f"{url}?{query_string}"
    from ..errors import InputError
    from ..urls import check_http_url

    try:
        check_http_url(url)
    except InputError as exc:
        raise ReplayRequestError(400, str(exc)) from None
    return ts, url


def http_status(exc: "ArchiveError") -> int:
    """The answer to an archive error met while serving a route: the request named something
    invalid (400), a file outside the archive (403), something not archived (404), or the
    archive failed (500: a WARC file missing or damaged, named in the message)."""
    from ..errors import InputError, NotFound, UnsafePath

    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, UnsafePath):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 500


def _accepts(accept_encoding: str, coding: str) -> bool:
    tokens = {t.split(";")[0].strip().lower() for t in accept_encoding.split(",")}
    return coding in tokens or (coding == "x-gzip" and "gzip" in tokens)


class BytesStream:
    """An ASGI response that streams bytes from a blocking iterator (Datasette's AsgiStream
    only takes text)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], chunks: Iterator[bytes] | None) -> None:
        self.status = status
        self.headers = headers
        self.chunks = chunks

    async def asgi_send(self, send: Any) -> None:
        await send({
            "type": "http.response.start",
            "status": self.status,
            "headers": [[k.lower().encode("latin-1"), v.encode("latin-1", "replace")]
                        for k, v in self.headers],
        })
        if self.chunks is not None:
            it = self.chunks
            sentinel = object()
            try:
                while True:
                    chunk = await asyncio.to_thread(next, it, sentinel)
                    if chunk is sentinel:
                        break
                    assert isinstance(chunk, bytes)
                    if chunk:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except Exception:  # noqa: BLE001 - headers are gone; end the body where it broke
                pass
            finally:
                close = getattr(it, "close", None)
                if callable(close):
                    close()
        await send({"type": "http.response.body", "body": b""})


def _error(status: int, message: str) -> Any:
    from datasette.utils.asgi import Response

    headers = dict(SECURITY_HEADERS)
    return Response.text(message + "\n", status=status, headers=headers)


async def replay_view(datasette: Any, request: Any) -> Any:
    from ..errors import ArchiveError
    from ..replay import replay_capture, find_capture, safe_headers, to_timestamp14

    if request.method not in ("GET", "HEAD"):
        return _error(405, "replay answers GET and HEAD only")
    rest = request.url_vars.get("rest", "")
    try:
        ts, url = parse_replay_path(rest, request.query_string)
    except ReplayRequestError as exc:
        return _error(exc.status, exc.message)
    method = (request.headers.get("x-archive-method") or "GET").upper()
    if not re.fullmatch(r"[A-Z]{1,16}", method):
        return _error(400, f"{method!r}: not an HTTP method")
    try:
        db = datasette.get_database(ARCHIVE_DB)
    except KeyError:
        return _error(500, "no archive database is served")
    ddir = data_dir(datasette)

    def lookup(conn: Any) -> Any:
        import sqlite_utils

        sdb = sqlite_utils.Database(conn)
        capture = find_capture(sdb, url, ts, method=method)
        return replay_capture(sdb, ddir, capture)

    try:
        replay = await db.execute_fn(lookup)
    except ArchiveError as exc:
        return _error(http_status(exc), str(exc))

    coding = replay.content_encoding
    keep = bool(coding) and _accepts(request.headers.get("accept-encoding", ""), coding or "")
    headers: list[tuple[str, str]] = list(safe_headers(replay.head, keep_encoding=keep))
    headers.append(("Content-Type", replay.content_type or "application/octet-stream"))
    location = replay.head.get("Location")
    if location and 300 <= replay.status < 400:
        target = urljoin(replay.capture.url, location.strip())
        if target.lower().startswith(("http://", "https://")):
            from .links import replay_path

            headers.append(("Location", datasette.urls.path(replay_path(ts, target))))
    headers += list(SECURITY_HEADERS.items())
    headers += [
        ("Memento-Datetime", _http_date(replay.capture.timestamp)),
        ("Link", f'<{replay.capture.url}>; rel="original"'),
        ("X-Archive-Capture-Id", replay.capture.id),
        ("X-Archive-Capture-Timestamp", to_timestamp14(replay.capture.timestamp)),
    ]
    if replay.original.id != replay.capture.id:
        headers.append(("X-Archive-Payload-From", replay.original.id))
    if replay.confirmed_by is not None:  # a 304 capture: the content it confirmed is shown
        headers.append(("X-Archive-Not-Modified-Capture", replay.confirmed_by.id))
    send_encoded = keep or not coding
    if send_encoded and replay.entity_length is not None:
        headers.append(("Content-Length", str(replay.entity_length)))
    chunks = None
    if request.method == "GET":
        chunks = replay.entity_payload() if send_encoded else replay.decoded_payload()
    return BytesStream(replay.status, headers, chunks)


def _http_date(iso_ts: str) -> str:
    from email.utils import format_datetime

    from ..model import parse_iso
    import datetime as dt

    when = parse_iso(iso_ts).replace(tzinfo=dt.timezone.utc)
    return format_datetime(when, usegmt=True)
