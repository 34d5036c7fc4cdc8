"""The requisites tests' loopback site (:class:`RequisiteSite`): 100 article pages on 127.0.0.1
share one stylesheet (which ``@import``s another with a web font and a background image) and one
logo, each page has its own photo (``srcset``) and an image and an original on a 'CDN' host
(127.0.0.3); validators on all but one stylesheet; every request counted. A one-source config
crawls its stories (:func:`site_config`)."""
from __future__ import annotations

import collections
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from support.sources import write_sources

PAGES = 100
BIG = 64 * 1024


def story_page(i: int, cdn: str) -> bytes:
    return (f'<!doctype html><html><head><title>Story {i}</title>'
            f'<link rel="stylesheet" href="/static/site.css"></head><body>'
            f'<img src="/static/logo.png" alt="logo">'
            f'<img src="/img/{i}-640.png" srcset="/img/{i}-320.png 320w, /img/{i}-640.png 640w">'
            f'<img src="{cdn}/cdn/pixel.png">'
            f'<p>Story number {i}.</p><a href="/">home</a> <a href="{cdn}/story/{i}">original</a>'
            f'</body></html>').encode()


class RequisiteSite:
    """Two loopback servers: the site (127.0.0.1) and a 'CDN' (127.0.0.3)."""

    def __init__(self) -> None:
        self.hits: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.servers = []
        for host in ("127.0.0.1", "127.0.0.3"):
            srv = ThreadingHTTPServer((host, 0), self._handler())
            srv.daemon_threads = True
            self.servers.append(srv)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.servers[0].server_address[1]}"
        self.cdn = f"http://127.0.0.3:{self.servers[1].server_address[1]}"

    def body(self, path: str) -> tuple[bytes, str, bool] | None:
        """(body, content type, with an ETag) for a path, or None (404)."""
        if path == "/":
            links = "".join(f'<a href="/story/{i}">story {i}</a>' for i in range(PAGES))
            return f"<!doctype html><html><body>{links}</body></html>".encode(), "text/html", True
        if path.startswith("/story/"):
            return story_page(int(path.rsplit("/", 1)[1]), self.cdn), "text/html; charset=utf-8", True
        if path == "/static/site.css":
            return b'@import url("base.css");\nbody { background: url(bg.png); }\n', "text/css", True
        if path == "/static/base.css":  # no validators: the second crawl refetches, same digest
            return (b'@font-face { font-family: F; src: url("font.woff2") format("woff2"); }\n'
                    b'h1 { font-family: F; }\n'), "text/css", False
        if path in ("/static/bg.png", "/static/logo.png", "/cdn/pixel.png", "/static/font.woff2"):
            return hashlib.sha256(path.encode()).digest() * 8, "image/png", True
        if path.startswith("/img/"):
            return b"P" * (BIG if path.endswith("-640.png") else 100), "image/png", True
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain", True
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                with site.lock:
                    site.hits[self.path] += 1
                found = site.body(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, ctype, etag = found
                tag = '"' + hashlib.sha1(data).hexdigest() + '"'
                if etag and self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                if etag:
                    self.send_header("ETag", tag)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> "RequisiteSite":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


def site_config(tmp: Path, site: RequisiteSite, name: str, **fields: object) -> Any:
    """The config of one source ``name`` that crawls ``site``'s stories (depth 1, its own host),
    with ``fields`` added to the source; no rules file."""
    from archive.config import load_config

    host = site.base.split("//", 1)[1]
    source = {"start": [f"{site.base}/"], "scope": [f"{host}/story/"], "depth": 1, "follow_original": False,
              "per_host": 4, "delay": 0, "ssrf_guard": False, **fields}
    return load_config(write_sources(tmp / f"{name}.toml", {name: source}, warc_prefix="req", rules_file=""))
