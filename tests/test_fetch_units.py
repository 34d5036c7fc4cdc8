"""Pure pieces of the crawler: robots.txt rules, Retry-After, link discovery, scope."""
from __future__ import annotations

import datetime as dt
import gzip
import zlib

import brotli  # installed with resiliparse (FastWARC needs it)
import pytest
from support.ports import refused_port

from archive.fetch.client import Conditional, retry_after
from archive.fetch.crawler import in_scope
from archive.content import ContentDecodeError, decode_bytes
from archive.fetch.discover import MAX_DECODED, discover, feed_links, html_links
from archive.fetch.robots import Robots, policy_for_status

UA = "SyndicationArchive/0.1 (+https://example.invalid)"


def test_robots_groups_wildcards_longest_match_and_crawl_delay():
    r = Robots.parse(
        "User-agent: otherbot\nDisallow: /\n\n"
        "User-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /*.pdf$\nCrawl-delay: 2.5\n"
    )
    assert r.allowed("http://h/news/1", UA)
    assert not r.allowed("http://h/private/x", UA)
    assert r.allowed("http://h/private/open/y", UA)  # longer Allow wins
    assert not r.allowed("http://h/files/a.pdf", UA)
    assert r.allowed("http://h/files/a.pdf?x=1", UA)  # "$" anchors the end
    assert r.allowed("http://h/robots.txt", UA)
    assert r.crawl_delay(UA) == 2.5
    assert not r.allowed("http://h/anything", "OtherBot/2.0")
    assert r.crawl_delay("OtherBot/2.0") is None


def test_robots_specific_agent_group_wins_over_star():
    r = Robots.parse("User-agent: *\nDisallow: /\n\nUser-agent: syndicationarchive\nDisallow: /x\n")
    assert r.allowed("http://h/page", UA)
    assert not r.allowed("http://h/x/1", UA)
    assert not r.allowed("http://h/page", "SomeoneElse")


def test_robots_status_policies():
    assert policy_for_status(404, b"").allowed("http://h/a", UA)           # missing: allow all
    assert not policy_for_status(503, b"").allowed("http://h/a", UA)       # broken: disallow all
    assert not policy_for_status(None, b"").allowed("http://h/a", UA)      # unreachable
    big = b"User-agent: *\n" + b"# filler\n" * 200_000 + b"Disallow: /late/\n"
    assert policy_for_status(200, big).allowed("http://h/late/1", UA)      # capped: rule past the cap ignored


def test_retry_after_seconds_and_http_date():
    assert retry_after("7") == 7.0
    now = dt.datetime(2026, 1, 1, 12, 0, 0)
    assert retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == pytest.approx(30.0)
    assert retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_conditional_headers():
    assert Conditional('"abc"', "Wed, 01 Jan 2025 00:00:00 GMT").headers() == {
        "If-None-Match": '"abc"', "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"}
    assert Conditional(None, None).headers() == {}


PAGE = b"""<!doctype html><html><head><base href="http://a.test/dir/">
<link rel="canonical" href="http://pub.test/story/1"><meta property="og:url" content="http://pub.test/story/1">
<link rel="alternate" type="application/rss+xml" href="/feed.xml"><link rel="stylesheet" href="s.css">
</head><body><!-- <a href="/commented-out">x</a> -->
<a href="next?page=2&amp;x=1">next</a> <a href='/abs#frag'>abs</a> <a href=plain.html>p</a>
<a href="mailto:x@y">m</a> <a href="javascript:void(0)">j</a> <img src="/img/1.png"></body></html>"""


def test_html_links_of_a_gzip_page():
    body = gzip.compress(PAGE)
    links = discover(body, "http://a.test/dir/index.html", "text/html; charset=utf-8", "gzip")
    got = {(link.url, link.kind) for link in links}
    assert ("http://a.test/dir/next?page=2&x=1", "page") in got
    assert ("http://a.test/abs", "page") in got
    assert ("http://a.test/dir/plain.html", "page") in got
    assert ("http://pub.test/story/1", "canonical") in got
    assert ("http://a.test/feed.xml", "feed") in got
    assert ("http://a.test/img/1.png", "requisite") in got
    assert ("http://a.test/dir/s.css", "requisite") in got
    assert not any("commented-out" in u or "mailto" in u or "javascript" in u for u, _ in got)
    # without decoding the content-encoding there would be nothing
    assert discover(body, "http://a.test/", "text/html", None) == []
    assert all(link.kind != "requisite" for link in html_links(PAGE.decode(), "http://a.test/", requisites=False))


def test_feed_and_sitemap_links():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><link>http://a.test/</link>
    <item><title>t</title><link>http://a.test/story/1</link><guid isPermaLink="false">x1</guid></item>
    <item><link><![CDATA[http://a.test/story/2?a=1&b=2]]></link></item></channel></rss>"""
    urls = [link.url for link in discover(rss, "http://a.test/feed.xml", "application/rss+xml", None)]
    assert urls == ["http://a.test/", "http://a.test/story/1", "http://a.test/story/2?a=1&b=2"]
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><link rel="self" href="http://a.test/atom"/>
    <entry><link href="http://a.test/e/1"/></entry><entry><link rel="alternate" href="/e/2"/></entry></feed>"""
    assert [link.url for link in feed_links(atom, "http://a.test/atom")] == ["http://a.test/e/1", "http://a.test/e/2"]
    index = b"""<?xml version="1.0"?><sitemapindex><sitemap><loc>http://a.test/s1.xml</loc></sitemap></sitemapindex>"""
    assert [(link.url, link.kind) for link in discover(index, "http://a.test/sitemap.xml", "application/xml", None)] \
        == [("http://a.test/s1.xml", "sitemap")]
    urlset = b"""<urlset><url><loc> http://a.test/p?a=1&amp;b=2 </loc></url></urlset>"""
    assert [(link.url, link.kind) for link in discover(gzip.compress(urlset), "http://a.test/s1.xml", "application/xml",
                                                       "gzip")] == [("http://a.test/p?a=1&b=2", "page")]


def test_decode_stops_at_the_limit_and_rejects_corrupt_streams():
    bomb = gzip.compress(b"\0" * (5 * 1024 * 1024))
    assert len(bomb) < 10_000
    with pytest.raises(ContentDecodeError, match="exceeds"):
        decode_bytes(bomb, "gzip", limit=1024 * 1024)
    with pytest.raises(ContentDecodeError):
        decode_bytes(b"not gzip at all", "gzip", limit=MAX_DECODED)
    with pytest.raises(ContentDecodeError, match="unsupported"):
        decode_bytes(b"x", "compress", limit=MAX_DECODED)
    # httpx advertises br once brotli is installed: a br page is decoded like a gzip one
    assert decode_bytes(brotli.compress(b"<a href='/b'>b</a>"), "br", limit=MAX_DECODED) == b"<a href='/b'>b</a>"
    assert decode_bytes(gzip.compress(b"one ") + gzip.compress(b"two"), "gzip", limit=MAX_DECODED) == b"one two"
    raw = zlib.compress(b"<a href='/x'>x</a>")
    assert decode_bytes(raw, "deflate", limit=MAX_DECODED) == b"<a href='/x'>x</a>"


def test_scope_prefixes_and_hosts():
    entries = ["127.0.0.1:8601/usconservative/topic/", "pub.test"]
    assert in_scope("http://127.0.0.1:8601/usconservative/topic/x", entries)
    assert not in_scope("http://127.0.0.1:8601/other", entries)
    assert in_scope("https://pub.test/any/where?q=1", entries)
    assert not in_scope("https://sub.pub.test/", entries)


def test_srcset_and_stylesheet_requisites():
    page = '<img src="/a.png" srcset="/a-320.png 320w, http://cdn.test/a-640.png 640w">'
    assert {link.url for link in html_links(page, "http://a.test/p")} == {
        "http://a.test/a.png", "http://a.test/a-320.png", "http://cdn.test/a-640.png"}
    css = b"""@import "base.css"; body { background: url(bg.png) } @font-face { src: url('/f.ttf') }"""
    got = [(link.url, link.kind) for link in discover(css, "http://a.test/static/s.css", "text/css", None)]
    assert got == [("http://a.test/static/base.css", "requisite"), ("http://a.test/static/bg.png", "requisite"),
                   ("http://a.test/f.ttf", "requisite")]
    assert discover(css, "http://a.test/static/s.css", "text/css", None, requisites=False) == []


def test_plain_http_backend_reports_connect_errors_and_reads_keepalive():
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from archive.errors import FetchError
    from archive.fetch.client import fetch_exchange, make_client

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = self.path.encode() * 1000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    async def main() -> tuple[list[bytes], str, str | None]:
        client = make_client(user_agent="t", timeout=5, concurrency=1, tls=False)
        try:
            bodies = [(await fetch_exchange(client, f"http://127.0.0.1:{srv.server_address[1]}/p{i}",
                                            max_body=10**6, deadline=10)).body for i in range(3)]
            ip = (await fetch_exchange(client, f"http://127.0.0.1:{srv.server_address[1]}/",
                                       max_body=10, deadline=10)).ip
            try:
                await fetch_exchange(client, f"http://127.0.0.1:{dead}/", max_body=10, deadline=10)
                kind = "none"
            except FetchError as exc:
                kind = exc.kind
            return bodies, kind, ip
        finally:
            await client.aclose()

    try:
        with refused_port() as dead:  # held bound, never listening: refused, and nobody else's
            bodies, kind, ip = asyncio.run(main())
    finally:
        srv.shutdown()
        srv.server_close()
    assert bodies == [f"/p{i}".encode() * 1000 for i in range(3)]
    assert kind == "connect" and ip == "127.0.0.1"
