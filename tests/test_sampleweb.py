"""The bundled sample web, over real sockets on loopback."""
from __future__ import annotations

import gzip
import socket
import time
from html import unescape
from typing import Iterator

import httpx
import pytest

from archive.errors import InputError
from archive.sampleweb import SampleWeb

NBSP = "\xa0"


@pytest.fixture
def http() -> "Iterator[httpx.Client]":
    with httpx.Client() as c:
        yield c


def raw_get(base: str, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[bytes, bytes]:
    """Send one request on a fresh socket and return (head, raw body bytes as on the wire)."""
    host, port = base.split("://", 1)[1].split(":")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def header(head: bytes, name: str) -> str | None:
    for line in head.decode("latin-1").split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def dechunk(raw: bytes) -> bytes:
    out, rest = b"", raw
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            assert rest == b"\r\n"
            return out
        out += rest[:size]
        assert rest[size:size + 2] == b"\r\n"
        rest = rest[size + 2:]


def test_hosts_bound_on_their_addresses(sample_web: SampleWeb, http: httpx.Client) -> None:
    assert sample_web.aggregator_url.startswith("http://127.0.0.1:")
    assert sample_web.publisher_url.startswith("http://127.0.0.2:")
    r = http.get(sample_web.publisher_url + "/")
    assert r.status_code == 200 and "The Publisher Network" in r.text
    # the publisher does not answer on the aggregator's address and port pair
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sample_web.publisher_port), timeout=2).close()
    log = sample_web.request_log
    assert log[-1].host == "127.0.0.2" and log[-1].role == "publisher"


def test_other_loopback_addresses() -> None:
    with SampleWeb(articles=5, aggregator_host="127.0.0.3", publisher_host="127.0.0.4") as sw:
        assert sw.aggregator_url.startswith("http://127.0.0.3:")
        with httpx.Client() as c:
            front = c.get(sw.aggregator_url + "/").text
            assert f'href="{sw.publisher_url}/"' in front and sw.publisher_url.startswith("http://127.0.0.4:")
        assert {r.host for r in sw.request_log} == {"127.0.0.3"}


def test_same_seed_same_bytes() -> None:
    urls: list[str] = []
    bodies: list[dict[str, bytes]] = []
    ports: tuple[int, int, int] | None = None
    for _ in range(2):
        # copies link to the third host too: the same three ports give the same bytes
        kw = {"aggregator_port": ports[0], "publisher_port": ports[1], "others_port": ports[2]} if ports else {}
        with SampleWeb(articles=30, seed=7, **kw) as sw:
            ports = (sw.aggregator_port, sw.publisher_port, sw.others_port)
            t = sw.truth()
            urls = [sw.aggregator_url + "/", sw.publisher_url + "/feed.xml", sw.publisher_url + "/sitemap-1.xml",
                    t.digests[0].url, sw.features()["script_page"],
                    sw.aggregator_url + "/static/live-data.js", sw.aggregator_url + "/static/font.ttf",
                    sw.aggregator_url + "/static/img/photo-3-320.png"]
            urls += [s.copy_url for s in t[:10] if s.copy_url] + [s.original_url for s in t[:10]]
            with httpx.Client() as c:
                bodies.append({u: c.get(u).content for u in urls})
    assert bodies[0] == bodies[1]
    with SampleWeb(articles=30, seed=8) as other:
        assert other.truth()[0].paragraphs != SampleWeb(articles=30, seed=7).site.body(0)


def test_gzip_only_when_accepted(sample_web: SampleWeb) -> None:
    f = sample_web.features()
    assert f["gzip"] and all(sample_web.is_gzip(u) and not sample_web.is_chunked(u) for u in f["gzip"])
    assert f["chunked"] and all(sample_web.is_chunked(u) and not sample_web.is_gzip(u) for u in f["chunked"])
    url = f["gzip"][0]
    path = url.split(sample_web.aggregator_url if url.startswith(sample_web.aggregator_url)
                     else sample_web.publisher_url, 1)[1]
    base = url[:len(url) - len(path)]
    head, plain = raw_get(base, path)
    assert header(head, "Content-Encoding") is None
    head_gz, body_gz = raw_get(base, path, {"Accept-Encoding": "gzip, deflate"})
    assert header(head_gz, "Content-Encoding") == "gzip"
    assert header(head_gz, "Vary") == "Accept-Encoding"
    assert body_gz[:2] == b"\x1f\x8b" and int(header(head_gz, "Content-Length") or 0) == len(body_gz)
    assert gzip.decompress(body_gz) == plain
    head_q0, body_q0 = raw_get(base, path, {"Accept-Encoding": "gzip;q=0"})
    assert header(head_q0, "Content-Encoding") is None and body_q0 == plain
    # a page outside the gzip subset stays identity-encoded even when gzip is accepted
    other = next(s.original_url for s in sample_web.truth() if not sample_web.is_gzip(s.original_url))
    h2, _ = raw_get(sample_web.publisher_url, other[len(sample_web.publisher_url):], {"Accept-Encoding": "gzip"})
    assert header(h2, "Content-Encoding") is None


def test_chunked_framing_on_the_wire(sample_web: SampleWeb) -> None:
    url = next(u for u in sample_web.features()["chunked"] if u.startswith(sample_web.aggregator_url))
    path = url[len(sample_web.aggregator_url):]
    head, raw = raw_get(sample_web.aggregator_url, path)
    assert header(head, "Transfer-Encoding") == "chunked"
    assert header(head, "Content-Length") is None
    first = raw.split(b"\r\n", 1)[0]
    assert int(first, 16) > 0 and raw.endswith(b"0\r\n\r\n")
    body = dechunk(raw)
    assert body == sample_web.body(url) and len(raw) > len(body)
    assert body.count(b"<html") == 1 and b"NextImg:" in body
    # HEAD: same headers, no body
    head_h, body_h = raw_get(sample_web.aggregator_url, path, method="HEAD")
    assert body_h == b"" and header(head_h, "ETag") == header(head, "ETag")


def test_conditional_get_answers_304(sample_web: SampleWeb) -> None:
    s = sample_web.truth()[1]
    with httpx.Client() as c:
        for url in (s.original_url, sample_web.aggregator_url + "/usconservative/topic/nypost"):
            r = c.get(url)
            etag, lm = r.headers["etag"], r.headers["last-modified"]
            assert c.get(url, headers={"If-None-Match": etag}).status_code == 304
            r304 = c.get(url, headers={"If-Modified-Since": lm})
            assert r304.status_code == 304 and r304.content == b"" and r304.headers["etag"] == etag
            assert c.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
            assert c.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200


def test_robots_txt(sample_web: SampleWeb, http: httpx.Client) -> None:
    agg = http.get(sample_web.aggregator_url + "/robots.txt").text
    pub = http.get(sample_web.publisher_url + "/robots.txt").text
    assert "Disallow: /private/" in agg and "Disallow: /__sampleweb/" in agg
    assert "Disallow: /private/" in pub
    assert "crawl-delay" not in (agg + pub).lower()
    assert f"Sitemap: {sample_web.publisher_url}/sitemap.xml" in pub
    front = http.get(sample_web.aggregator_url + "/").text
    assert 'href="/private/members-briefing"' in front  # a disallowed page is linked


def test_redirects_404_and_one_500(sample_web: SampleWeb) -> None:
    f = sample_web.features()
    with httpx.Client(follow_redirects=False) as c:
        chain = f["redirect_chain"]
        r1 = c.get(chain[0])
        assert r1.status_code == 301 and r1.headers["location"] == chain[1]
        r2 = c.get(chain[1])
        assert r2.status_code == 302 and r2.headers["location"] == chain[2]
        assert c.get(chain[2]).status_code == 200
        r = c.get(f["redirect_302"])
        assert r.status_code == 302 and r.headers["location"] == sample_web.truth().digests[-1].url
        assert c.get(f["redirect_301"]).headers["location"] == f["feed"]
        for u in f["not_found"]:
            assert c.get(u).status_code == 404
        assert c.get(f["error_500"]).status_code == 500
        # a copy whose link to the original goes through the publisher's 302
        s = next(s for s in sample_web.truth() if s.copy_link and s.copy_link != s.original_url)
        assert f'href="{s.copy_link}"' in c.get(s.copy_url).text
        r = c.get(s.copy_link)
        assert r.status_code == 302 and r.headers["location"] == s.original_url
    # exactly one 500 among every page listed in the sitemaps, the fixed odd pages included
    statuses = []
    with httpx.Client() as c:
        for sm in f["sitemaps"]:
            for part in _locs(c.get(sm).text):
                statuses += [c.get(u).status_code for u in _locs(c.get(part).text)]
        statuses += [c.get(u).status_code for u in [f["error_500"], *f["not_found"], *f["private"]]]
    assert statuses.count(500) == 1 and statuses.count(200) >= 80


def _locs(xml: str) -> list[str]:
    return [chunk.split("</loc>")[0] for chunk in xml.split("<loc>")[1:]]


def test_copy_pages_carry_am1_header_lines(sample_web: SampleWeb, http: httpx.Client) -> None:
    t = sample_web.truth()
    s = next(x for x in t if x.copy_kind == "full" and x.outlet == "waexaminer")
    html = http.get(s.copy_url).text
    assert ">THE AMERICA ONE NEWS<" in html
    assert s.aggregator_date_line and s.aggregator_date_line in html
    assert f"{NBSP}| {NBSP}" in s.aggregator_date_line
    assert f">{NBSP}| Remer,MN<" in html
    assert f"Sponsor:{NBSP} QWIKET{NBSP}" in html
    assert f">back</a>{NBSP}{NBSP}<" in html and ">topic</a>" in html
    assert f'alt="NextImg:{s.headline}"' in html.replace("&#x27;", "'")
    assert "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER" in html
    orig = http.get(s.original_url).text
    assert "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER" in orig
    assert f'<meta property="article:published_time" content="{s.published}">' in orig
    # every copy links to its original; canonical/og:url only where the truth says so
    for x in t:
        for url in x.copy_urls:
            page = http.get(url).text
            assert f'href="{x.copy_link}"' in page
            assert (f'<link rel="canonical" href="{x.original_url}">' in page) == x.canonical
            assert (f'<meta property="og:url" content="{x.original_url}">' in page) == x.og_url
            assert ("<p class=\"src\">" in page) == x.source_lines
            assert x.aggregator_date_line and x.aggregator_date_line in page
    # a story the aggregator ingested twice: two copies, same text, one original
    twice = [x for x in t if len(x.copy_urls) == 2]
    assert twice and all(u == x.copy_urls[0] + "-2" for x in twice for u in x.copy_urls[1:])
    a, b = (http.get(u).text for u in twice[0].copy_urls)
    assert a.count("<p>") == b.count("<p>") and a.split("NextImg:")[1] == b.split("NextImg:")[1]
    kinds = {x.copy_kind for x in t}
    assert {"full", "truncated", "none"} <= kinds
    assert any(x.canonical for x in t) and any(x.copy_url and not x.canonical for x in t)
    trunc = next(x for x in t if x.copy_kind == "truncated")
    assert len(trunc.copy_paragraphs) < len(trunc.paragraphs)


def test_digest_items(sample_web: SampleWeb, http: httpx.Client) -> None:
    d = sample_web.truth().digests[0]
    html = http.get(d.url).text
    for item in d.items:
        assert f'<a href="{item.link}">{item.publisher}: {item.headline}</a>'.replace("'", "&#x27;") in html
        assert item.summary.split()[0] in html
    assert any(i.link == i.original_url for i in d.items) and any(i.link == i.copy_url for i in d.items)


def test_advance_changes_some_pages_and_keeps_the_rest(sample_web: SampleWeb, http: httpx.Client) -> None:
    before_truth = sample_web.truth()
    f = sample_web.features()
    urls = [s.original_url for s in before_truth] + [s.copy_url for s in before_truth if s.copy_url]
    urls += list(f["topics"].values()) + [f["front"], f["feed"]]
    with httpx.Client() as c:
        before = {u: c.get(u).content for u in urls}
        gen = c.post(f["control"]).json()["generation"]
        assert gen == 1 == sample_web.generation
        after = {u: c.get(u).content for u in urls}
    changed = {u for u in urls if before[u] != after[u]}
    revised = sample_web.changed_in(1)
    assert revised
    t = sample_web.truth()
    # a truncated copy ends before the update paragraph: it stays identical
    expect = {t[i].original_url for i in revised} | {t[i].copy_url for i in revised if t[i].copy_kind == "full"}
    expect |= set(f["topics"].values()) | {f["front"], f["feed"]}
    assert changed == expect
    assert len(t) == len(before_truth) + 4
    for i in revised:
        assert t[i].revision == 1 and t[i].paragraphs[-1].startswith("UPDATE 1:")
    new = t[-4:]
    for s in new:
        assert s.copy_url  # every story advance() adds is copied by the aggregator ...
        copy = http.get(s.copy_url)  # ... and its copy is served, with the story's headline
        assert copy.status_code == 200 and s.headline in unescape(copy.text), s.copy_url
        assert f'href="{s.copy_url[len(sample_web.aggregator_url):]}"' in http.get(f["topics"][s.outlet]).text
    assert sample_web.advance() == 2


def test_latency_is_injected() -> None:
    with SampleWeb(articles=10, latency_ms=150) as sw:
        with httpx.Client() as c:
            t0 = time.monotonic()
            for _ in range(3):
                assert c.get(sw.aggregator_url + "/robots.txt").status_code == 200
            elapsed = time.monotonic() - t0
        recs = [r for r in sw.request_log if r.path == "/robots.txt"]
        assert len(recs) == 3
        # the server received each request only after it answered the previous one
        gaps = [b.monotonic - a.monotonic for a, b in zip(recs, recs[1:])]
        assert min(gaps) >= 0.15 and elapsed >= 0.45


def test_request_log_records_requests(sample_web: SampleWeb, http: httpx.Client) -> None:
    http.get(sample_web.aggregator_url + "/usconservative/topic/pjmedia?page=1", headers={"User-Agent": "t/1"})
    rec = sample_web.request_log[-1]
    assert (rec.host, rec.method, rec.path, rec.status) == ("127.0.0.1", "GET",
                                                            "/usconservative/topic/pjmedia?page=1", 200)
    assert rec.header("user-agent") == "t/1" and rec.received > 0


def test_page_requisites(sample_web: SampleWeb) -> None:
    a = sample_web.aggregator_url
    with httpx.Client() as c:
        css = c.get(a + "/static/am1.css").text
        assert '@import url("base.css")' in css and "url(\"bg-am1.png\")" in css and "font.ttf" in css
        png = c.get(a + "/static/bg-am1.png")
        assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        font = c.get(a + "/static/font.ttf").content
        assert font[:4] == b"\x00\x01\x00\x00" and b"cmap" in font[:300] and b"glyf" in font[:300]
        s = sample_web.truth()[0]
        page = c.get(s.copy_url).text
        assert 'srcset="/static/img/photo-' in page and '<script src="/static/app.js"' in page
        for part in page.split('srcset="')[1].split('"')[0].split(", "):
            assert c.get(a + part.split()[0]).content[:4] == b"\x89PNG"
        live = c.get(sample_web.features()["script_page"]).text
        truth = sample_web.truth().script_page
        assert truth["paragraphs"][0] not in live and "live-data.js" in live
        assert c.get(truth["script"]).status_code == 200
        pub_live = c.get(truth["publisher_url"]).text
        assert truth["paragraphs"][0] not in pub_live and "live-data.js" in pub_live
        assert c.get(truth["publisher_script"]).content == c.get(truth["script"]).content


def test_feed_and_sitemaps(sample_web: SampleWeb) -> None:
    t = sample_web.truth()
    with httpx.Client() as c:
        feed = c.get(sample_web.publisher_url + "/feed.xml")
        assert feed.headers["content-type"].startswith("application/rss+xml")
        assert all(f"<link>{s.original_url}</link>" in feed.text for s in t)
        index = c.get(sample_web.publisher_url + "/sitemap.xml").text
        assert "<sitemapindex" in index
        part = c.get(sample_web.publisher_url + "/sitemap-1.xml").text
        assert all(f"<loc>{s.original_url}</loc>" in part for s in t)


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="articles"):
        SampleWeb(articles=0)
    with pytest.raises(InputError, match="loopback"):
        SampleWeb(aggregator_host="0.0.0.0")
    with SampleWeb(articles=5) as sw:
        with pytest.raises(InputError, match="cannot listen"):
            SampleWeb(articles=5, aggregator_port=sw.aggregator_port).start()


def test_cli_serves_until_interrupted() -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "sample-web", "--articles", "8",
                             "--seed", "3", "--publisher-host", "127.0.0.2", "--port", "0", "--publisher-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        agg = proc.stdout.readline().split()
        pub = proc.stdout.readline().split()
        assert agg[0] == "aggregator" and agg[1].startswith("http://127.0.0.1:")
        assert pub[0] == "publisher" and pub[1].startswith("http://127.0.0.2:")
        with httpx.Client() as c:
            assert "THE AMERICA ONE NEWS" in c.get(agg[1]).text
            assert c.post(agg[1] + "__sampleweb/advance").json() == {"generation": 1}
            assert c.get(agg[1] + "__sampleweb/state").json()["generation"] == 1
            assert c.get(agg[1] + "__sampleweb/advance").status_code == 405
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err  # stopped by Ctrl-C: 128 + SIGINT, as every command
    assert "Traceback" not in err and "stopped" in err


def test_keep_alive_pipelining_and_http10(sample_web: SampleWeb) -> None:
    host, port = "127.0.0.1", sample_web.aggregator_port
    with socket.create_connection((host, port), timeout=10) as s:
        # two pipelined requests in one write on one connection: two answers, in order
        s.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"HEAD /usconservative/topic/nypost HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200") and b"Connection: keep-alive" in first
    n = int(header(first, "Content-Length") or 0)
    assert rest[:n].startswith(b"User-agent: *")
    second = rest[n:]
    assert second.startswith(b"HTTP/1.1 200") and b"Connection: close" in second
    assert second.endswith(b"\r\n\r\n")  # HEAD: no body
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /usconservative/topic/%77aexaminer HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):  # HTTP/1.0 without keep-alive: the server closes
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and b"Washington Examiner" in data
    chunked = sample_web.features()["chunked"][0][len(sample_web.aggregator_url):]
    head, body = raw_get(sample_web.aggregator_url, chunked)
    assert header(head, "Transfer-Encoding") == "chunked"
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(f"GET {chunked} HTTP/1.0\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head10, _, body10 = data.partition(b"\r\n\r\n")
    assert header(head10, "Transfer-Encoding") is None and body10 == dechunk(body)
    assert int(header(head10, "Content-Length") or 0) == len(body10)
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        assert s.recv(1024).startswith(b"HTTP/1.1 400")


def test_prerendered_pages_are_the_same_bytes() -> None:
    with SampleWeb(articles=30, seed=5) as lazy, SampleWeb(articles=30, seed=5) as pre:
        total = pre.prerender()
        assert total >= len(pre.page_urls())

        def fetch(sw: SampleWeb, c: httpx.Client) -> dict[str, tuple[int, bytes, str | None, str | None]]:
            out = {}
            for u in sw.page_urls() + [sw.aggregator_url + "/static/am1.css"]:
                path = u.split("://", 1)[1].split("/", 1)[1]
                r = c.get(u, headers={"Accept-Encoding": "gzip"})
                out[("pub:" if u.startswith(sw.publisher_url) else "agg:") + path] = (
                    r.status_code, r.content, r.headers.get("etag"), r.headers.get("last-modified"))
            return out

        def normal(sw: SampleWeb, pages: dict[str, tuple[int, bytes, str | None, str | None]]) -> dict[str, object]:
            # bodies name their own ports: compare with the base URLs written out (the share
            # buttons carry the original's URL percent-encoded)
            from urllib.parse import quote

            names = [(quote(sw.publisher_url, safe=""), b"PUB%"), (sw.aggregator_url, b"AGG"),
                     (sw.publisher_url, b"PUB"), (sw.others_url, b"OTHERS")]

            def written_out(body: bytes) -> bytes:
                for url, name in names:
                    body = body.replace(url.encode(), name)
                return body
            return {k: (s, written_out(b)) for k, (s, b, _, _) in pages.items()}

        with httpx.Client() as c:
            a, b = fetch(lazy, c), fetch(pre, c)
            assert normal(lazy, a) == normal(pre, b)
            lazy.advance()
            pre.advance()
            again = pre.prerender()
            assert 0 < again < total / 2  # only what advance() changed is rendered again
            a2, b2 = fetch(lazy, c), fetch(pre, c)
            assert normal(lazy, a2) == normal(pre, b2)
            assert [v[3] for v in a2.values()] == [v[3] for v in b2.values()]
