"""A small, fast HTTP/1.1 server for the sample web (asyncio protocol, keep-alive, HEAD).

Bodies come pre-rendered as bytes from a cache; per response the server only picks the
variant (identity, gzip or chunked framing), answers conditional GETs with 304, and logs the
request. Latency injection delays each response without blocking the loop. Given a server
``ssl.SSLContext`` it serves HTTPS (asyncio's TLS transport; same bytes inside).
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt
import email.utils
import gzip
import hashlib
import time
import zlib
from urllib.parse import unquote
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import ssl

from .markup import Page

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request",
           404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error",
           501: "Not Implemented"}
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024
CHUNK = 2048


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it."""

    host: str  # the address the request arrived on ("127.0.0.1" or "127.0.0.2")
    port: int
    role: str  # "aggregator" or "publisher"
    method: str
    path: str  # request target as sent (path and query)
    headers: tuple[tuple[str, str], ...]
    received: float  # time.time() when the request head was complete
    monotonic: float  # time.monotonic() at the same moment
    status: int
    client: str  # peer address

    def header(self, name: str) -> str | None:
        n = name.lower()
        for k, v in self.headers:
            if k.lower() == n:
                return v
        return None


class Variant:
    """A rendered response with its encodings and validators, cached as bytes."""

    __slots__ = ("page", "etag", "last_modified", "_gz", "gzip_ok", "chunked")

    def __init__(self, page: Page, gzip_ok: bool, chunked: bool) -> None:
        self.page = page
        self.etag = '"' + hashlib.sha1(page.body).hexdigest()[:20] + '"'
        lm = page.last_modified
        self.last_modified = email.utils.format_datetime(lm.replace(tzinfo=dt.timezone.utc), usegmt=True) \
            if lm else None
        self._gz: bytes | None = None
        self.gzip_ok = gzip_ok
        self.chunked = chunked

    @property
    def gz(self) -> bytes:
        if self._gz is None:
            self._gz = gzip.compress(self.page.body, compresslevel=6, mtime=0)
        return self._gz

    def freeze(self) -> "Frozen":
        """A compact copy (body kept gzip-compressed) for the pre-rendered store."""
        p = self.page
        return Frozen(p.status, p.content_type, p.location, tuple(p.extra_headers), p.last_modified,
                      self.etag, self.gzip_ok, self.chunked, self.gz)

    @classmethod
    def thaw(cls, f: "Frozen") -> "Variant":
        page = Page(f.status, f.content_type, gzip.decompress(f.gz), f.last_modified, f.location,
                    list(f.extra_headers))
        v = cls.__new__(cls)
        v.page, v.etag, v._gz, v.gzip_ok, v.chunked = page, f.etag, f.gz, f.gzip_ok, f.chunked
        v.last_modified = email.utils.format_datetime(f.last_modified.replace(tzinfo=dt.timezone.utc),
                                                      usegmt=True) if f.last_modified else None
        return v


@dataclass(frozen=True, slots=True)
class Frozen:
    status: int
    content_type: str
    location: str | None
    extra_headers: tuple[tuple[str, str], ...]
    last_modified: dt.datetime | None
    etag: str
    gzip_ok: bool
    chunked: bool
    gz: bytes


def _accepts_gzip(value: str | None) -> bool:
    if not value:
        return False
    for part in value.split(","):
        bits = [b.strip() for b in part.split(";")]
        if bits[0].lower() in ("gzip", "x-gzip", "*"):
            q = 1.0
            for b in bits[1:]:
                if b.startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            return q > 0
    return False


class _Date:
    """The Date header, formatted once per second."""

    def __init__(self) -> None:
        self._sec = -1
        self._text = ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._sec:
            self._sec = now
            self._text = email.utils.formatdate(now, usegmt=True)
        return self._text


_date = _Date()


class HttpProtocol(asyncio.Protocol):
    def __init__(self, server: "SiteServer") -> None:
        self.server = server
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.queue: collections.deque[tuple[str, str, str, list[tuple[str, str]], bytes, float, float]] = \
            collections.deque()
        self.busy = False
        self.closing = False
        self.peer = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else ""
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while not self.closing:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._fail(400)
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            lines = head.split("\r\n")
            try:
                method, target, version = lines[0].split(" ")
            except ValueError:
                self._fail(400)
                return
            headers: list[tuple[str, str]] = []
            length = 0
            for line in lines[1:]:
                k, sep, v = line.partition(":")
                if not sep:
                    continue
                k, v = k.strip(), v.strip()
                headers.append((k, v))
                if k.lower() == "content-length":
                    length = int(v) if v.isdigit() else -1
                elif k.lower() == "transfer-encoding":
                    length = -2
            if length == -2:
                self._fail(501)
                return
            if length < 0 or length > MAX_BODY:
                self._fail(400 if length < 0 else 413)
                return
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4:end + 4 + length])
            del self.buf[:end + 4 + length]
            self.queue.append((method, target, version, headers, body, time.time(), time.monotonic()))
            self._pump()

    def _fail(self, status: int) -> None:
        if self.transport:
            reason = REASONS.get(status, "Error")
            self.transport.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n"
                                 f"Connection: close\r\n\r\n".encode())
            self.transport.close()
        self.closing = True

    def _pump(self) -> None:
        while self.queue and not self.busy and self.transport is not None:
            req = self.queue.popleft()
            delay = self.server.latency
            if delay > 0:
                self.busy = True
                asyncio.get_running_loop().call_later(delay, self._answer_later, req)
                return
            self._answer(req)

    def _answer_later(self, req: tuple[str, str, str, list[tuple[str, str]], bytes, float, float]) -> None:
        self.busy = False
        if self.transport is None:
            return
        self._answer(req)
        self._pump()

    def _answer(self, req: tuple[str, str, str, list[tuple[str, str]], bytes, float, float]) -> None:
        method, target, version, headers, body, t_wall, t_mono = req
        hmap = {k.lower(): v for k, v in headers}
        keep = version == "HTTP/1.1" and hmap.get("connection", "").lower() != "close" or \
            version == "HTTP/1.0" and hmap.get("connection", "").lower() == "keep-alive"
        try:
            out, status = self.server.respond(method, target, hmap, body, keep, http10=version == "HTTP/1.0")
        except Exception:  # a bug in a page must not take the connection down silently
            import traceback
            traceback.print_exc()
            status, keep = 500, False
            out = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        self.server.log(RequestRecord(self.server.host, self.server.port, self.server.role, method, target,
                                      tuple(headers), t_wall, t_mono, status, self.peer))
        assert self.transport is not None
        self.transport.write(out)
        if not keep:
            self.closing = True
            self.transport.close()


class SiteServer:
    """One listening socket serving one role of the sample web."""

    def __init__(self, role: str, host: str, port: int,
                 render: Callable[[str, str, str], Variant],
                 control: Callable[[str, str, bytes], tuple[int, str, bytes] | None],
                 log: Callable[[RequestRecord], None], latency_ms: float = 0.0,
                 ssl_context: "ssl.SSLContext | None" = None) -> None:
        self.role = role
        self.ssl_context = ssl_context  # a server context: HTTPS on this socket (TLS tests, bench)
        self.host = host
        self.port = port
        self._render = render
        self._control = control
        self.log = log
        self.latency = latency_ms / 1000.0
        self.connections: set[HttpProtocol] = set()
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: HttpProtocol(self), self.host, self.port,
                                                reuse_address=True, backlog=1024, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for c in list(self.connections):
                if c.transport is not None:
                    c.transport.close()
            await self._server.wait_closed()
            self._server = None

    def respond(self, method: str, target: str, h: dict[str, str], body: bytes, keep: bool,
                http10: bool = False) -> tuple[bytes, int]:
        if target.startswith(("http://", "https://")):  # absolute form (proxies)
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        path, _, query = target.partition("?")
        if "%" in path:
            path = unquote(path)
        conn = "keep-alive" if keep else "close"
        ctl = self._control(method, path, body)
        if ctl is not None:
            status, ctype, payload = ctl
            return (self._head(status, [("Content-Type", ctype), ("Content-Length", str(len(payload))),
                                        ("Cache-Control", "no-store")], conn) + payload, status)
        if method not in ("GET", "HEAD"):
            return self._head(405, [("Allow", "GET, HEAD"), ("Content-Length", "0")], conn), 405
        v = self._render(self.role, path, query)
        page = v.page
        hdrs: list[tuple[str, str]] = [("Content-Type", page.content_type)]
        if page.location:
            hdrs.append(("Location", page.location))
        hdrs.extend(page.extra_headers)
        if page.status == 200:
            if v.last_modified:
                hdrs.append(("Last-Modified", v.last_modified))
            use_gz = v.gzip_ok and _accepts_gzip(h.get("accept-encoding"))
            etag = v.etag[:-1] + '-gz"' if use_gz else v.etag
            hdrs.append(("ETag", etag))
            if v.gzip_ok:
                hdrs.append(("Vary", "Accept-Encoding"))
            inm = h.get("if-none-match")
            ims = h.get("if-modified-since")
            not_modified = False
            if inm is not None:
                tags = [t.strip() for t in inm.split(",")]
                not_modified = "*" in tags or etag in tags or ("W/" + etag) in tags
            elif ims is not None and v.last_modified:
                try:
                    since = email.utils.parsedate_to_datetime(ims)
                    lm = email.utils.parsedate_to_datetime(v.last_modified)
                    not_modified = lm <= since
                except (TypeError, ValueError):
                    not_modified = False
            if not_modified:
                keepers = [x for x in hdrs if x[0] in ("ETag", "Last-Modified", "Vary")]
                return self._head(304, keepers, conn), 304
            payload = v.gz if use_gz else page.body
            if use_gz:
                hdrs.append(("Content-Encoding", "gzip"))
        else:
            payload = page.body
        if v.chunked and page.status == 200 and not http10:  # HTTP/1.0 knows no chunked framing
            hdrs.append(("Transfer-Encoding", "chunked"))
            head = self._head(page.status, hdrs, conn)
            if method == "HEAD":
                return head, page.status
            parts = [head]
            for i in range(0, len(payload), CHUNK):
                piece = payload[i:i + CHUNK]
                parts.append(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            parts.append(b"0\r\n\r\n")
            return b"".join(parts), page.status
        hdrs.append(("Content-Length", str(len(payload))))
        head = self._head(page.status, hdrs, conn)
        return (head if method == "HEAD" else head + payload), page.status

    @staticmethod
    def _head(status: int, headers: list[tuple[str, str]], conn: str) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}", f"Date: {_date()}", "Server: sampleweb/1"]
        lines.extend(f"{k}: {v}" for k, v in headers)
        lines.append(f"Connection: {conn}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def crc_bucket(path: str, n: int) -> int:
    return zlib.crc32(path.encode()) % n
