"""A tiny threaded HTTP server of fixed routes on a loopback address (real sockets), with a log
of every request as the server received it (path, its own monotonic clock, headers)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Route = Callable[["Handler", int], tuple[int, list[tuple[str, str]], bytes]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "TinyServer"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        with srv.lock:
            n = srv.counts.get(self.path, 0)
            srv.counts[self.path] = n + 1
            srv.log.append((self.path, time.monotonic(), dict(self.headers.items())))
        route = srv.routes.get(self.path)
        if route is None:
            status, headers, body = 404, [("Content-Type", "text/plain")], b"not found"
        else:
            status, headers, body = route(self, n)
        if status == -1:  # the route wrote the response itself
            return
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TinyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), Handler)
        self.routes = routes
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.log: list[tuple[str, float, dict[str, str]]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def times(self, path: str | None = None) -> list[float]:
        return [t for p, t, _ in self.log if path is None or p == path]


def html(*links: str) -> Route:
    body = ("<html><body>" + "".join(f'<a href="{u}">{u}</a>' for u in links) + "</body></html>").encode()
    return lambda h, n: (200, [("Content-Type", "text/html")], body)


def text(body: str, status: int = 200, ctype: str = "text/plain") -> Route:
    return lambda h, n: (status, [("Content-Type", ctype)], body.encode())
