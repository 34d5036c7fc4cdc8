"""Loopback web servers whose pages a test sets (real sockets, port 0 bound by the server itself).

:class:`LoopbackHTTP` is the one way the tests start and stop a ``ThreadingHTTPServer`` of their
own in a thread; :class:`Site` serves ``site.pages[path] = (status, headers, body)`` as the test
sets them (chunked when the headers say so). ``page()`` makes a small HTML page with a headline.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HTML = "text/html; charset=utf-8"


def page(title: str, body: str = "", extra_head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{extra_head}"
            f"</head><body><h1 id='headline'>{title}</h1>{body}</body></html>").encode()


class LoopbackHTTP:
    """``handler`` served on ``host`` (port 0) from a daemon thread for the ``with`` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        self.host = host
        self.server = ThreadingHTTPServer((host, 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _PagesHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        status, headers, body = self.server.pages.get(  # type: ignore[attr-defined]
            self.path, (404, [("Content-Type", "text/plain")], b"not here"))
        self.send_response(status)
        chunked = ("Transfer-Encoding", "chunked") in headers
        for k, v in headers:
            self.send_header(k, v)
        if not chunked:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if chunked:
            for i in range(0, len(body), 100):
                part = body[i:i + 100]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class Site(LoopbackHTTP):
    """A loopback web server whose pages the test sets: ``site.pages[path] = (status, headers, body)``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(_PagesHandler, host)
        self.server.pages = {}  # type: ignore[attr-defined]

    @property
    def pages(self) -> dict[str, tuple[int, list[tuple[str, str]], bytes]]:
        return self.server.pages  # type: ignore[attr-defined,no-any-return]

    def __enter__(self) -> "Site":
        return super().__enter__()  # type: ignore[no-any-return]
