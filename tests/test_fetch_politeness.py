"""Politeness and HTTP behaviour against tiny servers of our own (real sockets on 127.0.0.1).

Every timing claim is checked on the server's side: the gaps between requests as the server
received them (its own monotonic clock), never the test's wall time.
"""
from __future__ import annotations

import gzip
import logging
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
from support.ports import refused_port

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from support.tiny import Handler, Route, TinyServer, html, text
from support.interop import tool

@pytest.fixture
def tiny():
    servers: list[TinyServer] = []

    def start(routes: dict[str, Route]) -> TinyServer:
        srv = TinyServer(routes)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def write_config(tmp_path: Path, url: str, **fields: object) -> Path:
    lines = ["[sources.t]", f'start = ["{url}/"]', "ssrf_guard = false", "requisites = false"]
    defaults = {"depth": 3, "per_host": 4, "delay": 0}
    defaults.update(fields)
    for k, v in defaults.items():
        lines.append(f"{k} = {str(v).lower() if isinstance(v, bool) else v!r}".replace("'", '"'))
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def db_rows(data_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data_dir / "archive.db") as conn:
        return conn.execute(sql).fetchall()


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def test_robots_disallow_and_crawl_delay_win_over_config(tiny, tmp_path, data_dir):
    srv = tiny({
        "/robots.txt": text("User-agent: *\nDisallow: /private/\nCrawl-delay: 0.4\n"),
        "/": html("/a", "/b", "/private/secret"),
        "/a": html("/b", "/private/other"),
        "/b": html("/"),
    })
    cfg = load_config(write_config(tmp_path, srv.url, delay=0, per_host=4))
    stats = crawl(cfg, data_dir, source="t")
    assert stats.pages == 3
    paths = [p for p, _, _ in srv.log]
    assert not any(p.startswith("/private/") for p in paths)
    assert paths[0] == "/robots.txt"
    assert sorted(db_rows(data_dir, "SELECT url, error FROM fetch_errors")) == [
        (srv.url + "/private/other", "robots"), (srv.url + "/private/secret", "robots")]
    page_times = [t for p, t, _ in srv.log if p != "/robots.txt"]
    assert len(page_times) == 3
    assert min(gaps(page_times)) >= 0.4  # robots.txt Crawl-delay, not the config's 0


def test_config_delay_spacing_measured_by_the_server(tiny, tmp_path, data_dir):
    srv = tiny({"/": html("/1", "/2", "/3"), "/1": html("/4"), "/2": html(), "/3": html(), "/4": html()})
    cfg = load_config(write_config(tmp_path, srv.url, delay=0.3, per_host=4))  # robots.txt: 404
    stats = crawl(cfg, data_dir, source="t")
    assert stats.pages == 5
    page_times = [t for p, t, _ in srv.log if p != "/robots.txt"]
    assert len(page_times) == 5
    assert min(gaps(page_times)) >= 0.3


def test_command_line_delay_overrides_robots_crawl_delay(tiny, tmp_path, data_dir, caplog):
    srv = tiny({"/robots.txt": text("User-agent: *\nCrawl-delay: 30\n"), "/": html("/1", "/2"),
                "/1": html(), "/2": html()})
    cfg = load_config(write_config(tmp_path, srv.url, delay=5))
    with caplog.at_level(logging.WARNING, logger="archive.fetch"):
        stats = crawl(cfg, data_dir, source="t", options=CrawlOptions(delay=0.2, per_host=1, fetchers=1))
    assert stats.pages == 3
    page_times = [t for p, t, _ in srv.log if p != "/robots.txt"]
    assert min(gaps(page_times)) >= 0.2
    assert any("overridden" in r.getMessage() and "Crawl-delay 30" in r.getMessage() for r in caplog.records)


def _busy(retry_value: Callable[[], str]) -> Route:
    def route(h: Handler, n: int) -> tuple[int, list[tuple[str, str]], bytes]:
        if n == 0:
            return 429, [("Retry-After", retry_value()), ("Content-Type", "text/plain")], b"slow down"
        return 200, [("Content-Type", "text/html")], b"<html><body>ok</body></html>"
    return route


def test_429_retry_after_seconds_is_waited(tiny, tmp_path, data_dir):
    srv = tiny({"/": html("/busy"), "/busy": _busy(lambda: "1")})
    cfg = load_config(write_config(tmp_path, srv.url))
    stats = crawl(cfg, data_dir, source="t")
    t = srv.times("/busy")
    assert len(t) == 2 and t[1] - t[0] >= 1.0
    assert db_rows(data_dir, f"SELECT status FROM captures WHERE url = '{srv.url}/busy'") == [(200,)]
    assert stats.errors == 0


def test_429_retry_after_http_date_is_waited(tiny, tmp_path, data_dir):
    import email.utils

    srv = tiny({"/": html("/busy"),
                "/busy": _busy(lambda: email.utils.formatdate(time.time() + 3, usegmt=True))})
    cfg = load_config(write_config(tmp_path, srv.url))
    crawl(cfg, data_dir, source="t")
    t = srv.times("/busy")
    assert len(t) == 2 and t[1] - t[0] >= 1.0  # an HTTP-date has whole seconds: >= 2 s minus rounding


def test_503_retries_are_bounded_then_recorded(tiny, tmp_path, data_dir):
    srv = tiny({"/": html("/down"), "/down": lambda h, n: (503, [("Retry-After", "0")], b"down")})
    cfg = load_config(write_config(tmp_path, srv.url, retries=2))
    stats = crawl(cfg, data_dir, source="t")
    assert srv.counts["/down"] == 3  # first try + 2 retries
    assert db_rows(data_dir, "SELECT error FROM fetch_errors") == [("http-5xx",)]
    assert db_rows(data_dir, f"SELECT status FROM captures WHERE url = '{srv.url}/down'") == [(503,)]
    assert stats.errors == 1


def test_max_body_keeps_what_was_received_and_marks_warc_truncated(tiny, tmp_path, data_dir):
    big = bytes(range(256)) * 800  # 204800 bytes
    srv = tiny({"/": html("/big"), "/big": lambda h, n: (200, [("Content-Type", "application/octet-stream")], big)})
    cfg = load_config(write_config(tmp_path, srv.url, max_body=50_000))
    crawl(cfg, data_dir, source="t")
    (warc_file, offset, truncated, length), = db_rows(
        data_dir, f"SELECT warc_file, warc_offset, truncated, content_length FROM captures WHERE url = '{srv.url}/big'")
    assert truncated == "length" and length == 50_000
    assert db_rows(data_dir, "SELECT url, error FROM fetch_errors") == [(srv.url + "/big", "too-large")]
    from warcio.archiveiterator import ArchiveIterator

    with (data_dir / "warcs" / warc_file).open("rb") as fh:
        fh.seek(offset)
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"
        assert rec.content_stream().read() == big[:50_000]
    out = subprocess.run([tool("warcio"), "check", "-v", str(data_dir / "warcs" / warc_file)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_redirect_hops_each_captured_and_loops_stopped(tiny, tmp_path, data_dir):
    srv = tiny({
        "/": html("/r1", "/loop1"),
        "/r1": lambda h, n: (301, [("Location", "/r2")], b""),
        "/r2": lambda h, n: (302, [("Location", "/final")], b"moved"),
        "/final": html(),
        "/loop1": lambda h, n: (302, [("Location", "/loop2")], b""),
        "/loop2": lambda h, n: (302, [("Location", "/loop1")], b""),
    })
    cfg = load_config(write_config(tmp_path, srv.url))
    crawl(cfg, data_dir, source="t")
    rows = dict(db_rows(data_dir, "SELECT url, status FROM captures"))
    u = srv.url
    assert rows[u + "/r1"] == 301 and rows[u + "/r2"] == 302 and rows[u + "/final"] == 200
    assert rows[u + "/loop1"] == 302 and rows[u + "/loop2"] == 302
    assert srv.counts["/loop1"] == 1
    assert db_rows(data_dir, "SELECT url, error FROM fetch_errors") == [(u + "/loop2", "redirect-loop")]


def test_deadline_bounds_a_trickling_response(tiny, tmp_path, data_dir):
    def trickle(h: Handler, n: int) -> tuple[int, list[tuple[str, str]], bytes]:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", "100")
        h.end_headers()
        try:
            for _ in range(100):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.3)  # every read finishes well within httpx's timeout
        except OSError:
            pass
        return -1, [], b""

    srv = tiny({"/": html("/slow"), "/slow": trickle})
    cfg = load_config(write_config(tmp_path, srv.url, deadline=1.5, timeout=5.0))
    crawl(cfg, data_dir, source="t")
    (truncated, length), = db_rows(data_dir, f"SELECT truncated, content_length FROM captures WHERE url = '{srv.url}/slow'")
    assert truncated == "time" and 0 < length < 100
    assert db_rows(data_dir, "SELECT error FROM fetch_errors") == [("deadline",)]


def test_gzip_page_links_are_followed(tiny, tmp_path, data_dir):
    page = gzip.compress(b'<html><body><a href="/inner">in</a></body></html>')
    srv = tiny({"/": lambda h, n: (200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], page),
                "/inner": html()})
    cfg = load_config(write_config(tmp_path, srv.url))
    crawl(cfg, data_dir, source="t")
    assert srv.counts.get("/inner") == 1
    # the body is archived as received: still gzip
    (length,), = db_rows(data_dir, f"SELECT content_length FROM captures WHERE url = '{srv.url}/'")
    assert length == len(page)


def test_unreachable_host_and_broken_robots(tiny, tmp_path, data_dir):
    srv = tiny({"/robots.txt": text("oops", status=500), "/": html("/x")})
    cfg = load_config(write_config(tmp_path, srv.url, retries=0))
    with refused_port() as dead_port:  # bound, never listening, held while the crawl runs
        stats = crawl(cfg, data_dir, seeds=[f"http://127.0.0.1:{dead_port}/", srv.url + "/"],
                      options=CrawlOptions(fetchers=1))
    assert stats.pages == 0
    errors = dict(db_rows(data_dir, "SELECT url, error FROM fetch_errors"))
    assert errors == {f"http://127.0.0.1:{dead_port}/": "connect", srv.url + "/": "robots"}
    assert list(srv.counts) == ["/robots.txt"]  # a 5xx robots.txt: nothing else asked of that host


def test_no_cookie_is_sent_back(tiny, tmp_path, data_dir):
    srv = tiny({"/": lambda h, n: (200, [("Content-Type", "text/html"), ("Set-Cookie", "s=1; Path=/")],
                                   b'<a href="/next">n</a>'), "/next": html()})
    cfg = load_config(write_config(tmp_path, srv.url))
    crawl(cfg, data_dir, source="t")
    assert [p for p, _, _ in srv.log if p != "/robots.txt"] == ["/", "/next"]
    assert all("Cookie" not in headers for _, _, headers in srv.log)
