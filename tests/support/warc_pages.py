"""The WARC tests' loopback server of fixed pages: plain, gzip-encoded, chunked, a redirect,
numbered items (``/item/N``) and a 404, over a real socket (see :mod:`support.site`)."""
from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler

from support.site import LoopbackHTTP

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


class LoopbackServer(LoopbackHTTP):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(_Handler, host)
        self.server.daemon_threads = True

    def __enter__(self) -> "LoopbackServer":
        return super().__enter__()  # type: ignore[no-any-return]
