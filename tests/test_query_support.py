"""Test archives for the query/replay tests (no tests here; imported by test_query_*,
test_replay_*, test_wacz_*, test_browser_*).

A tiny HTTP server of our own on 127.0.0.1 serves pages whose content the test changes between
fetches; each fetch goes over a real socket with httpx (raw body kept: gzip stays gzip), is
written with the project's WarcWriter at a chosen WARC-Date, and indexed. Articles, syndication
pairs and versions rows are added through archive.index.open_db (tables with the contract
columns are created when the dedupe stage's schema has not landed yet).
"""
from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from support.ports import wait_listening

from archive.index import open_db
from archive.index.captures import insert_captures
from archive.model import Capture, Exchange
from archive.warc.writer import PreviousCapture, WarcWriter

ROOT = Path(__file__).resolve().parent.parent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {}
    served: dict[str, bytes] = {}

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


class Site:
    """A loopback web server whose pages the test sets: ``site.pages[path] = (status, headers, body)``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.pages = {}  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def pages(self) -> dict[str, tuple[int, list[tuple[str, str]], bytes]]:
        return self.server.pages  # type: ignore[attr-defined,no-any-return]

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> "Site":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def fetch(url: str, started: dt.datetime) -> Exchange:
    """One real exchange, the entity body as received (content-encoding kept)."""
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
            body = b"".join(r.iter_raw())
            ip = None
            stream = r.extensions.get("network_stream")
            if stream is not None:
                addr = stream.get_extra_info("server_addr")
                ip = addr[0] if addr else None
            return Exchange(
                url=url, method="GET",
                request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in r.request.headers.raw],
                status=r.status_code, reason=r.reason_phrase,
                response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in r.headers.raw],
                body=body, started=started, http_version=r.http_version, ip=ip)


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d%H%M%S")


HTML = "text/html; charset=utf-8"


def page(title: str, body: str = "", extra_head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{extra_head}"
            f"</head><body><h1 id='headline'>{title}</h1>{body}</body></html>").encode()


@dataclass
class Archive:
    data_dir: Path
    captures: dict[str, Capture] = field(default_factory=dict)  # name -> capture
    bodies: dict[str, bytes] = field(default_factory=dict)      # name -> body as served (wire)
    urls: dict[str, str] = field(default_factory=dict)          # name -> url
    articles: dict[str, int] = field(default_factory=dict)      # name -> article id


COOKIE_SCRIPT = """
<p id="result">script did not run</p>
<script>
  var out = [];
  try { document.cookie = "probe=1"; out.push("cookie:" + document.cookie); }
  catch (e) { out.push("cookie-error:" + e.name); }
  document.getElementById("result").textContent = out.join(" ");
  fetch(ORIGIN + "/-/versions.json").then(function (r) { return r.text(); })
    .then(function (t) { document.getElementById("result").textContent += " fetch-ok:" + t.length; })
    .catch(function (e) { document.getElementById("result").textContent += " fetch-error:" + e.name; });
</script>
"""


def build_archive(data_dir: Path) -> Archive:
    """Two hosts (publisher 127.0.0.1, aggregator 127.0.0.2), captures at chosen times:

    - ``story``: original article (2025-01-01 00:00:00), recaptured unchanged (revisit, 01-03);
    - ``copy``: the aggregator's copy of it (2025-01-01 06:00:00), with an article + pair;
    - ``gz``: a gzip-encoded page; ``redirect``: a 302 to the story;
    - ``tie_a`` / ``tie_b``: one URL captured at 10:00:00 and 10:00:20 with different bodies;
    - ``changing_1`` / ``changing_2``: one URL on 01-01 and 01-02, different texts (+ versions row);
    - ``orphan``: a revisit whose original was never archived;
    - ``nm_1`` / ``nm_2``: a page, then a 304 answer to a conditional GET of it;
    - ``query``: a URL with a query string; ``chunked``: a chunked response with hop-by-hop headers;
    - ``cookie``: a page whose script reads document.cookie and fetches the archive origin.
    """
    arc = Archive(data_dir=data_dir)
    pub, agg = Site("127.0.0.1"), Site("127.0.0.2")
    with pub, agg, WarcWriter(data_dir / "warcs", "test", source="sample", crawl_id="crawl-1") as w:
        def capture(name: str, site: Site, path: str, when: str, status: int, headers: list[tuple[str, str]],
                    body: bytes, previous: Capture | None = None) -> Capture:
            site.pages[path] = (status, headers, body)
            ex = fetch(site.url(path), at(when))
            cap = w.write_exchange(ex, PreviousCapture.from_capture(previous) if previous else None)
            arc.captures[name] = cap
            arc.bodies[name] = ex.body
            arc.urls[name] = cap.url
            return cap

        story_html = page("Putin wants crisis to worsen", "<p>Western officials suspect Russia.</p>")
        story = capture("story", pub, "/news/putin-crisis", "20250101000000", 200,
                        [("Content-Type", HTML), ("Set-Cookie", "tracker=1"),
                         ("Content-Security-Policy", "default-src *")], story_html)
        capture("story_again", pub, "/news/putin-crisis", "20250103000000", 200,
                [("Content-Type", HTML)], story_html, previous=story)
        capture("copy", agg, "/topic/waexaminer/6-slug-putin-crisis", "20250101060000", 200,
                [("Content-Type", HTML)],
                page("NextImg:Putin wants crisis to worsen",
                     "<p>Western officials suspect Russia.</p><p>CLICK HERE TO READ MORE</p>"))
        gz_plain = page("Gzip page headline", "<p>compressed body</p>" * 50)
        capture("gz", pub, "/gz", "20250101010000", 200,
                [("Content-Type", HTML), ("Content-Encoding", "gzip")], gzip.compress(gz_plain, mtime=0))
        arc.bodies["gz_decoded"] = gz_plain
        capture("redirect", pub, "/old", "20250101020000", 302,
                [("Location", "/news/putin-crisis"), ("Content-Type", "text/plain")], b"moved")
        capture("query", pub, "/search?q=putin&page=2", "20250101050000", 200, [("Content-Type", HTML)],
                page("Search results for putin"))
        capture("chunked", pub, "/chunked", "20250101050000", 200,
                [("Content-Type", HTML), ("Transfer-Encoding", "chunked"), ("Keep-Alive", "timeout=5"),
                 ("X-Hop", "secret"), ("Connection", "X-Hop")],
                page("Chunked page", "<p>sent in pieces</p>" * 20))
        capture("nm_1", pub, "/nm", "20250101080000", 200, [("Content-Type", HTML), ("ETag", '"v1"')],
                page("Not modified later"))
        capture("nm_2", pub, "/nm", "20250102080000", 304, [("ETag", '"v1"')], b"")
        capture("tie_a", pub, "/tie", "20250101100000", 200, [("Content-Type", HTML)], page("tie A"))
        capture("tie_b", pub, "/tie", "20250101100020", 200, [("Content-Type", HTML)], page("tie B"))
        capture("changing_1", pub, "/changing", "20250101000000", 200, [("Content-Type", HTML)],
                page("Changing page", "<p>First version of the text.</p>"))
        capture("changing_2", pub, "/changing", "20250102000000", 200, [("Content-Type", HTML)],
                page("Changing page", "<p>Second version, corrected.</p>"))
        ghost = Capture(id="00000000-0000-0000-0000-000000000000", url=pub.url("/ghost"),
                        urlkey="", method="GET", timestamp="2024-12-31T00:00:00Z", status=200,
                        mime="text/html", payload_digest=None, record_type="response", warc_file="",
                        warc_offset=0, warc_length=0, source=None, crawl_id=None)
        orphan_body = page("Orphan page")
        from archive.warc.records import sha1_digest
        ghost.payload_digest = sha1_digest(orphan_body)
        capture("orphan", pub, "/orphan", "20250101030000", 200, [("Content-Type", HTML)], orphan_body,
                previous=ghost)
        capture("cookie", pub, "/cookie", "20250101040000", 200, [("Content-Type", HTML)],
                page("Cookie probe", COOKIE_SCRIPT.replace("ORIGIN", "window.ARCHIVE_ORIGIN"),
                     "<script>window.ARCHIVE_ORIGIN = location.origin;</script>"))
    db = open_db(data_dir)
    insert_captures(db, arc.captures.values())
    add_article_rows(db, arc)
    db.conn.close()
    return arc


SYNDICATION_DDL = """
CREATE TABLE IF NOT EXISTS syndication (
    copy_article_id INTEGER NOT NULL, original_article_id INTEGER NOT NULL,
    copy_url TEXT NOT NULL, original_url TEXT NOT NULL, method TEXT NOT NULL,
    similarity REAL, containment REAL, kind TEXT NOT NULL, lag_seconds INTEGER,
    lag_resolution TEXT, direction TEXT, confidence TEXT, diff TEXT
);
CREATE TABLE IF NOT EXISTS versions (
    url TEXT NOT NULL, from_capture_id TEXT NOT NULL, to_capture_id TEXT NOT NULL, diff TEXT
);
"""


def _insert(db: Any, table: str, row: dict[str, Any]) -> int:
    cols = {c.name for c in db[table].columns}
    row = {k: v for k, v in row.items() if k in cols}
    with db.conn:
        cur = db.conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                              list(row.values()))
    return int(cur.lastrowid or 0)


def add_article_rows(db: Any, arc: Archive) -> None:
    db.executescript(SYNDICATION_DDL)

    def article(name: str, **kw: Any) -> None:
        cap = arc.captures[name]
        from archive.urls import host_of
        row = dict(capture_id=cap.id, url=cap.url, source=cap.source, site=host_of(cap.url),
                   title=None, author=None, published=None, aggregator_date=None, text="",
                   word_count=0, original_publisher=None, original_url=None, captured=cap.timestamp)
        row.update(kw)
        row["word_count"] = len(row["text"].split())
        arc.articles[name] = _insert(db, "articles", row)

    article("story", title="Putin wants crisis to worsen", text="Western officials suspect Russia.",
            published="2024-12-31T22:00:00Z", sitename="Washington Examiner")
    article("copy", title="Putin wants crisis to worsen",
            text="Western officials suspect Russia. CLICK HERE TO READ MORE",
            original_publisher="Washington Examiner", original_url=arc.urls["story"],
            aggregator_date="2025-01-01")
    article("changing_1", title="Changing page", text="First version of the text.")
    article("changing_2", title="Changing page", text="Second version, corrected.")
    article("gz", title="Gzip page headline", text="compressed body " * 50)
    _insert(db, "syndication", dict(
        copy_article_id=arc.articles["copy"], original_article_id=arc.articles["story"],
        copy_url=arc.urls["copy"], original_url=arc.urls["story"], method="attribution",
        similarity=0.91, containment=1.0, kind="full", lag_seconds=8 * 3600, lag_resolution="second",
        direction="attribution", confidence="high", diff="+ CLICK HERE TO READ MORE"))
    _insert(db, "versions", dict(url=arc.urls["changing_1"], from_capture_id=arc.captures["changing_1"].id,
                                 to_capture_id=arc.captures["changing_2"].id,
                                 diff="- First version of the text.\n+ Second version, corrected."))


class Served:
    """A real ``archive serve`` process on a loopback port it picked itself (``--port 0``; the
    port is read back from the kernel, see ``support.ports``)."""

    def __init__(self, data_dir: Path, metadata: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "archive.cli", "serve", "--data", str(data_dir),
               "--port", "0", "--host", "127.0.0.1",
               "--config", str(ROOT / "config" / "sources.toml")]
        if metadata is not None:
            cmd += ["--metadata", str(metadata)]
        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self.port = wait_listening(self.proc, "archive serve", log=self._output)
            self.base = f"http://127.0.0.1:{self.port}"
            # uvicorn listens once the app's start-up is done: the first answer is the real one
            resp = httpx.get(self.base + "/-/versions.json", timeout=60)
            if resp.status_code != 200:
                raise RuntimeError(f"archive serve answered {resp.status_code}: {resp.text[:500]}")
        except BaseException:
            self.stop()
            raise

    def _output(self) -> str:
        """What the process printed: read only once it has exited (the read would wait for it)."""
        if self.proc.poll() is None or self.proc.stdout is None:
            return ""
        return self.proc.stdout.read().decode(errors="replace")

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def record_block(path: Path, offset: int) -> bytes:
    """The block of a per-record-gzip WARC record (HTTP head + payload), read by hand: an
    independent reader to check the archive's own against."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read())
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([ln.split(b":", 1)[1] for ln in head.split(b"\r\n")
                  if ln.lower().startswith(b"content-length:")][0])
    return rest[:length]
