"""The requisite finder on HTML and CSS bytes (archive.fetch.requisites)."""
from __future__ import annotations

from archive.fetch.requisites import (FONT, FRAME, IMAGE, MEDIA, SCRIPT, STYLESHEET, allowed,
                                      css_requisites, html_requisites, parse_srcset, requisites_of)

BASE = "http://news.example/a/story.html"

PAGE = b"""<!doctype html><html><head>
<base href="http://news.example/assets/">
<link rel="stylesheet" href="site.css">
<link rel="preload" as="font" href="f.woff2" crossorigin>
<link rel="icon" href="/favicon.ico">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<style>@import "print.css"; .hero { background-image: url('hero.jpg'); }</style>
<script src="https://cdn.example/lib.js"></script>
<script>var x = "<img src='not-a-tag.png'>";</script>
</head><body style="background: url(body-bg.png)">
<!-- <img src="commented.png"> -->
<img src="a.png" srcset="a-320.png 320w, a,640.png 640w" data-src="lazy.png">
<picture><source srcset="p.webp 1x, p@2x.webp 2x" type="image/webp"><img src="p.jpg"></picture>
<iframe src="/embed/1"></iframe>
<video poster="poster.jpg"><source src="clip.mp4"><track src="subs.vtt"></video>
<img src="data:image/png;base64,AAAA"><img src="javascript:alert(1)">
<a href="/next">next</a><img src="a.png#frag">
</body></html>"""


def test_html_requisites_by_kind_and_order() -> None:
    found = html_requisites(PAGE, BASE)
    by_url = {r.url: r.kind for r in found}
    A = "http://news.example/assets/"
    assert by_url[A + "site.css"] == STYLESHEET
    assert by_url[A + "f.woff2"] == FONT
    assert by_url["http://news.example/favicon.ico"] == IMAGE
    assert by_url["https://cdn.example/lib.js"] == SCRIPT
    assert by_url[A + "print.css"] == STYLESHEET and by_url[A + "hero.jpg"] == IMAGE
    assert by_url[A + "body-bg.png"] == IMAGE
    for name in ("a.png", "a-320.png", "a,640.png", "lazy.png", "p.webp", "p@2x.webp", "p.jpg", "poster.jpg"):
        assert by_url[A + name] == IMAGE, name
    assert by_url["http://news.example/embed/1"] == FRAME
    assert by_url[A + "clip.mp4"] == MEDIA and by_url[A + "subs.vtt"] == MEDIA
    urls = [r.url for r in found]
    assert len(urls) == len(set(urls))  # each once (a.png#frag is a.png)
    assert not [u for u in urls if "feed.xml" in u or "/next" in u or "commented" in u or "not-a-tag" in u]
    assert all(u.startswith(("http://", "https://")) for u in urls)
    assert urls.index(A + "site.css") < urls.index(A + "a.png")


def test_css_imports_fonts_and_images() -> None:
    css = b"""/* url(commented.png) */
@import url("base.css") screen;
@import 'theme.css';
@font-face { font-family: X; src: url(x.woff2) format("woff2"), url("x.ttf") format("truetype"); }
@font-face { font-family: Y; src: url(/fonts/y) format("woff"); }
body { background: #fff url( 'bg.png' ) no-repeat; }
.i { background-image: url(data:image/gif;base64,R0lGOD); }
"""
    found = css_requisites(css, "http://s.example/css/site.css")
    kinds = {r.url: r.kind for r in found}
    assert kinds == {
        "http://s.example/css/base.css": STYLESHEET,
        "http://s.example/css/theme.css": STYLESHEET,
        "http://s.example/css/x.woff2": FONT,
        "http://s.example/css/x.ttf": FONT,
        "http://s.example/fonts/y": FONT,       # a font by @font-face, not by extension
        "http://s.example/css/bg.png": IMAGE,
    }


def test_by_content_type_and_charset() -> None:
    html = "<img src='é.png'>".encode("latin-1")
    assert [r.url for r in requisites_of(html, BASE, "text/html; charset=latin-1")] == ["http://news.example/a/%C3%A9.png"] \
        or [r.url for r in requisites_of(html, BASE, "text/html; charset=latin-1")] == ["http://news.example/a/é.png"]
    assert requisites_of(b"url(x.png)", BASE, "text/css")[0].url == "http://news.example/a/x.png"
    assert requisites_of(b"<img src=x.png>", BASE, "image/png") == []
    assert requisites_of(b"<img src=x.png>", BASE, "text/html; charset=no-such-codec")[0].kind == IMAGE


def test_srcset_and_allowed_hosts() -> None:
    assert parse_srcset("a.png 1x,b.png 2x") == ["a.png", "b.png"]
    assert parse_srcset(" x.jpg ") == ["x.jpg"]
    assert parse_srcset("") == []
    page = "http://news.example:8080/a"
    assert allowed("http://news.example:8080/s.css", page)
    assert not allowed("http://news.example/s.css", page)  # another port is another host
    assert allowed("https://img.cdn.example/x.png", page, ["cdn.example"])
    assert not allowed("https://evilcdn.example/x.png", page, ["cdn.example"])
    assert allowed("http://127.0.0.3:9000/x.png", page, ["127.0.0.3:9000"])
    assert not allowed("http://127.0.0.3:9001/x.png", page, ["127.0.0.3:9000"])
