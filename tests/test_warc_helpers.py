"""Test helpers for the WARC tests: a tiny loopback HTTP server and an httpx fetch → Exchange.

The server answers plain, gzip-encoded, chunked, redirect and 404 pages over a real socket; the
fetch streams with ``httpx.AsyncClient.stream`` and keeps ``iter_raw()`` bytes (content-encoding
kept, chunked framing removed) and the server IP, as the crawler does.
"""
from __future__ import annotations

import asyncio
import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import httpx

from archive.model import Exchange, utcnow

PLAIN = b"<html><head><title>Plain</title></head><body><p>Plain page \xc3\xa9</p></body></html>"
GZ_TEXT = b"<html><body>" + b"<p>Compressed words repeat, repeat, repeat.</p>" * 40 + b"</body></html>"
GZ_BODY = gzip.compress(GZ_TEXT, mtime=0)
CHUNKS = [b"<html><body><p>first chunk</p>", b"<p>second chunk</p>", b"<p>third</p></body></html>"]
CHUNKED = b"".join(CHUNKS)
MISSING = b"<html><body>no such page</body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "warc-test/1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path == "/plain":
            self._send(200, PLAIN, [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"p1"'),
                                    ("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")])
        elif path == "/gzip":
            self._send(200, GZ_BODY, [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                      ("Vary", "Accept-Encoding")])
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for c in CHUNKS:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/redirect":
            self._send(302, b"", [("Location", "/plain")])
        elif path.startswith("/item/"):
            n = path.rsplit("/", 1)[-1]
            self._send(200, b"<html><body>item %s</body></html>" % n.encode(), [("Content-Type", "text/html")])
        else:
            self._send(404, MISSING, [("Content-Type", "text/html")])


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "LoopbackServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


async def fetch_exchange(client: httpx.AsyncClient, url: str, *, headers: dict[str, str] | None = None,
                         depth: int = 0, via: str | None = None) -> Exchange:
    started = utcnow()
    async with client.stream("GET", url, headers=headers) as resp:
        stream = resp.extensions.get("network_stream")
        addr = stream.get_extra_info("server_addr") if stream is not None else None
        body = b"".join([chunk async for chunk in resp.aiter_raw()])
        req = resp.request
        return Exchange(
            url=str(req.url), method=req.method,
            request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw],
            status=resp.status_code, reason=resp.reason_phrase,
            response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw],
            body=body, started=started, http_version=resp.http_version,
            ip=addr[0] if addr else None, depth=depth, via=via)


def fetch_all(urls: list[str], *, headers: dict[str, str] | None = None) -> list[Exchange]:
    async def run() -> list[Exchange]:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            return [await fetch_exchange(client, u, headers=headers) for u in urls]

    return asyncio.run(run())


def chunks(data: bytes, n: int) -> Iterator[bytes]:
    for i in range(0, len(data), n):
        yield data[i:i + n]
