"""HTML, feeds and sitemaps of the three hosts, rendered from a :class:`Site`.

``render(role, path, query)`` answers one request target with a :class:`Page` (status, type,
body bytes, Last-Modified, redirect target). Bodies depend only on the site's seed, size,
generation and the three base URLs — never on the clock.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from html import escape
from typing import Literal
from urllib.parse import parse_qs, quote

from . import assets, text
from .site import (ADS, OTHER_OUTLETS, OUTLET_BY_SLUG, OUTLETS, PER_PAGE, SHARE_NETWORKS, Site, Story)

Role = Literal["aggregator", "publisher", "others"]
NBSP = "\xa0"
SITEMAP_CHUNK = 1000
CONTROL_PREFIX = "/__sampleweb/"

# the fixed odd pages (linked from the front pages); tests and other engineers read FEATURES
PRIVATE_PATH = "/private/members-briefing"
ERROR_PATH = "/usconservative/topic/broken-feed"
CHAIN_START = "/old/topic/waexaminer"  # 301 -> CHAIN_MID (302) -> the waexaminer topic page
CHAIN_MID = "/moved/topic/waexaminer"
LATEST_PATH = "/latest-digest"  # 302 -> newest digest
MISSING_COPY = "/usconservative/topic/waexaminer/6-slug-this-story-was-removed"
MISSING_ORIGINAL = "/waexaminer/policy/0/story-that-never-was"
SCRIPT_PAGE = "/usconservative/live/6-slug-live-updates-senate-budget-night"
SCRIPT_DATA = "/static/live-data.js"
PUB_SCRIPT_PAGE = "/live/senate-budget-night"  # the same script-built page on the publisher host
                                               # (warcprox refuses 127.0.0.1 targets)


@dataclass
class Page:
    status: int
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    last_modified: dt.datetime | None = None
    location: str | None = None
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


def _html(title: str, head_extra: str, body: str, css: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n"
            f'<link rel="stylesheet" href="/static/{css}.css">\n{head_extra}'
            f'<script src="/static/app.js" defer></script>\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def _date_line(d: dt.datetime) -> str:
    return f"{d.strftime('%b')} {d.day}, {d.year} {NBSP}| {NBSP}"


def _story_date(d: dt.datetime) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}"


def _img(s: Story, alt: str) -> str:
    k = s.image
    return (f'<img class="hero" src="/static/img/photo-{k}-640.png" '
            f'srcset="/static/img/photo-{k}-320.png 320w, /static/img/photo-{k}-640.png 640w" '
            f'sizes="(max-width: 700px) 320px, 640px" width="640" height="360" alt="{escape(alt)}">')


class Renderer:
    def __init__(self, site: Site, aggregator_url: str, publisher_url: str, others_url: str) -> None:
        self.site = site
        self.agg = aggregator_url.rstrip("/")
        self.pub = publisher_url.rstrip("/")
        self.others = others_url.rstrip("/")  # share, sponsor, ad and other outlets' pages

    # ---- helpers -------------------------------------------------------------------------
    def original_url(self, s: Story) -> str:
        return self.pub + s.original_path

    def copy_url(self, s: Story) -> str | None:
        return self.agg + s.copy_path if s.copy_path else None

    def story_index(self) -> dict[str, int]:
        """Path of every copy, original and /r/ redirect -> story index (current generation)."""
        return self._copy_index()

    def _copy_index(self) -> dict[str, int]:
        key = ("copy-index", self.site.generation)
        cache = self.__dict__.setdefault("_idx", {})
        if key not in cache:
            cache.clear()
            idx: dict[str, int] = {}
            for i in range(self.site.story_count):
                s = self.site.story(i)
                for cp in s.copy_paths:
                    idx[cp] = i
                idx[s.original_path] = i
                idx[f"/r/{s.pub_id}"] = i
            cache[key] = idx
        return cache[key]

    def sponsor_url(self, slot: int) -> str:
        """The sponsor link of the header's ``slot``-th "Sponsor:" line (on every aggregator page)."""
        return f"{self.others}/qwiket/fantasy-sports?slot={slot}"

    def sponsor_slots(self, seed_variant: int) -> int:
        return 2 + seed_variant % 3

    def _header_lines(self, d: dt.datetime, seed_variant: int, link_site: bool = True) -> str:
        """The aggregator's header lines, as on the real am1 pages (NBSPs included)."""
        sponsors = [f"Sponsor:{NBSP} QWIKET{NBSP}", f"Sponsor:{NBSP} QWIKET{NBSP}",
                    f"Sponsor:{NBSP} QWIKET:{NBSP}Elevate your fantasy game! Interactive Sports Knowledge.",
                    f"Sponsor:{NBSP} QWIKET:{NBSP}Elevate your fantasy game! Interactive Sports Knowledge "
                    f"and Reasoning Support for Fantasy Sports and Betting Enthusiasts."]
        sponsor_html = "\n".join(f'<p class="sponsor"><a href="{self.sponsor_url(n)}">{escape(x)}</a></p>'
                                 for n, x in enumerate(sponsors[:self.sponsor_slots(seed_variant)]))
        site = '<a href="/">THE AMERICA ONE NEWS</a>' if link_site else "THE AMERICA ONE NEWS"
        return (f'<div class="hdr">\n<p class="site">{site}</p>\n'
                f'<p class="date">{_date_line(d)}</p>\n<p class="count">0</p>\n'
                f'<p class="loc">{NBSP}| Remer,MN</p>\n{sponsor_html}\n</div>\n')

    # ---- dispatch ------------------------------------------------------------------------
    def render(self, role: Role, path: str, query: str) -> Page:
        if path.startswith("/static/"):
            return self._static(role, path)
        if path == "/favicon.ico":
            return Page(200, "image/x-icon", assets.favicon_ico(0 if role == "aggregator" else 1))
        if role == "aggregator":
            return self._aggregator(path, query)
        if role == "others":
            return self._others(path)
        return self._publisher(path, query)

    # ---- aggregator ----------------------------------------------------------------------
    def _aggregator(self, path: str, query: str) -> Page:
        site = self.site
        if path == "/":
            return self._agg_front()
        if path == "/robots.txt":
            return Page(200, "text/plain; charset=utf-8", (
                "User-agent: *\nDisallow: /private/\nDisallow: /__sampleweb/\n\n"
                f"Sitemap: {self.agg}/sitemap.xml\n").encode())
        if path == "/sitemap.xml" or path.startswith("/sitemap-"):
            paths = ["/"] + [f"/usconservative/topic/{o.slug}" for o in OUTLETS] + \
                    ["/usconservative/topic/fq", SCRIPT_PAGE] + [d.path for d in site.digests()] + \
                    [cp for i in range(site.story_count) for cp in site.story(i).copy_paths]
            return self._sitemap(path, [self.agg + p for p in paths])
        if path == PRIVATE_PATH:
            return self._simple("Members briefing", "<p>Members only. Crawlers must not fetch this page "
                                "(robots.txt disallows /private/).</p>", "am1")
        if path == ERROR_PATH:
            return Page(500, body=b"<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1>"
                                  b"<p>The feed backend failed.</p></body></html>\n")
        if path == CHAIN_START:
            return Page(301, location=self.agg + CHAIN_MID)
        if path == CHAIN_MID:
            return Page(302, location=self.agg + "/usconservative/topic/waexaminer")
        if path == LATEST_PATH:
            ds = site.digests()
            return Page(302, location=self.agg + (ds[-1].path if ds else "/"))
        if path == SCRIPT_PAGE:
            return self._script_page()
        parts = path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] == "usconservative" and parts[1] == "topic":
            slug = parts[2]
            if slug == "fq":
                if len(parts) == 3:
                    return self._digest_index(query)
                d = site.digest_by_path(path) if len(parts) == 4 else None
                if d is not None:
                    return self._digest(d)
                return self._not_found()
            if slug not in OUTLET_BY_SLUG:
                return self._not_found()
            if len(parts) == 3:
                return self._topic(slug, query)
            if len(parts) == 5 and parts[3] == "page" and parts[4].isdigit():
                return Page(301, location=f"{self.agg}/usconservative/topic/{slug}?page={int(parts[4])}")
            i = self._copy_index().get(path)
            if i is not None and path in site.story(i).copy_paths:
                return self._copy(site.story(i))
        return self._not_found()

    def _not_found(self) -> Page:
        return Page(404, body=b"<!DOCTYPE html><html><head><title>Not found</title></head>"
                              b"<body><h1>404 Not Found</h1></body></html>\n")

    def _simple(self, title: str, inner: str, css: str) -> Page:
        return Page(200, body=_html(title, "", f"<main>\n<h1>{escape(title)}</h1>\n{inner}\n</main>",
                                    css).encode())

    def _agg_front(self) -> Page:
        site = self.site
        items = "\n".join(
            f'<div class="item"><a href="{escape(site.story(i).copy_path or "")}">'
            f'{escape(site.story(i).headline)}</a> <span class="src">{escape(site.story(i).outlet.name)}</span></div>'
            for i in site.latest_copies(20))
        topics = "\n".join(f'<a href="/usconservative/topic/{o.slug}">{escape(o.name)}</a>' for o in OUTLETS)
        ds = site.digests()[-5:][::-1]
        digests = "\n".join(f'<div class="item"><a href="{d.path}">The Digest no. {d.number}</a></div>' for d in ds)
        body = (self._header_lines(site.last_change(), 2) +
                f'<nav>\n{topics}\n<a href="/usconservative/topic/fq">The Digest</a>\n</nav>\n<main>\n'
                f"<h2>Latest</h2>\n{items}\n<h2>Digests</h2>\n{digests}\n"
                f'<h2>More</h2>\n<ul>\n<li><a href="{SCRIPT_PAGE}">Live updates</a></li>\n'
                f'<li><a href="{LATEST_PATH}">Latest digest</a></li>\n'
                f'<li><a href="{CHAIN_START}">Washington Examiner (old address)</a></li>\n'
                f'<li><a href="{ERROR_PATH}">Broken feed</a></li>\n'
                f'<li><a href="{MISSING_COPY}">A removed story</a></li>\n'
                f'<li><a href="{PRIVATE_PATH}">Members briefing</a></li>\n'
                f'<li><a href="{self.pub}/">Our main source</a></li>\n</ul>\n</main>')
        return Page(200, body=_html("THE AMERICA ONE NEWS", "", body, "am1").encode(),
                    last_modified=site.last_change())

    def _pager(self, base: str, page: int, pages: int) -> str:
        links = []
        if page > 1:
            links.append(f'<a rel="prev" href="{base}?page={page - 1}">Previous</a>')
        lo, hi = max(1, page - 4), min(pages, page + 4)
        for p in range(lo, hi + 1):
            links.append(f"<span>{p}</span>" if p == page else f'<a href="{base}?page={p}">{p}</a>')
        if page < pages:
            links.append(f'<a rel="next" href="{base}?page={page + 1}">Next</a>')
        return '<div class="pager">' + " ".join(links) + "</div>"

    @staticmethod
    def _page_number(query: str) -> int | None:
        q = parse_qs(query)
        raw = q.get("page", ["1"])[0]
        return int(raw) if raw.isdigit() and int(raw) >= 1 else None

    def _topic(self, slug: str, query: str) -> Page:
        site = self.site
        ids = site.topic_stories(slug)
        pages = max(1, math.ceil(len(ids) / PER_PAGE))
        page = self._page_number(query)
        if page is None or page > pages:
            return self._not_found()
        chunk = ids[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = []
        for i in chunk:
            s = site.story(i)
            assert s.copied is not None
            for cp in s.copy_paths:
                items.append(f'<div class="item"><p><a href="{escape(cp)}">{escape(s.headline)}</a></p>\n'
                             f'<p class="meta">{escape(s.outlet.name)} · {_date_line(s.copied)}</p>\n'
                             f"<p>{escape(site.summary(i))}</p></div>")
        base = f"/usconservative/topic/{slug}"
        o = OUTLET_BY_SLUG[slug]
        lm = max((site.story(i).copied for i in chunk), default=None)  # type: ignore[type-var]
        body = (self._header_lines(lm or site.last_change(), 1) +
                f"<main>\n<h1>{escape(o.name)}</h1>\n" + "\n".join(items) + "\n" +
                self._pager(base, page, pages) + "\n</main>")
        return Page(200, body=_html(f"{o.name} | THE AMERICA ONE NEWS", "", body, "am1").encode(),
                    last_modified=self._listing_modified(chunk))

    def _listing_modified(self, ids: list[int]) -> dt.datetime | None:
        site = self.site
        times = [site.story(i).copied or site.story(i).published for i in ids]
        times += [t for t in (site.revised_at(i) for i in ids) if t]
        return max(times, default=None)

    def _copy(self, s: Story) -> Page:
        site = self.site
        orig = self.original_url(s)
        assert s.copied is not None
        head = [f'<meta property="og:title" content="{escape(s.headline)}">\n',
                '<meta property="og:type" content="article">\n',
                '<meta property="og:site_name" content="THE AMERICA ONE NEWS">\n']
        if s.canonical:
            head.append(f'<link rel="canonical" href="{escape(orig)}">\n')
        if s.og_url:
            head.append(f'<meta property="og:url" content="{escape(orig)}">\n')
        # a little markup variety between copies: 0 "flat" (header lines inside the article's
        # container, as plain <p> lines: they survive text extraction, as on many am1 captures),
        # 1 "chrome" (header in its own block outside the article), 2 "flat" with <div> lines
        v = s.index % 3
        header = self._header_lines(s.copied, s.index, link_site=v == 1)
        nav = (f'<p class="back"><a href="/usconservative/topic/{s.outlet.slug}">back</a>{NBSP}{NBSP}</p>\n'
               f'<p class="topic"><a href="/usconservative/topic/{s.outlet.slug}">topic</a></p>\n')
        if v == 1:
            lines = [header, '<div class="nav">\n', nav, "</div>\n"]
        else:
            lines = ['<div class="article">\n', header, nav]
        if s.source_lines:
            lines.append(f'<p class="src">{escape(s.outlet.short)}</p>\n<p class="src">{escape(s.outlet.full)}</p>\n'
                         f'<p class="src">{_story_date(s.published)}</p>\n')
        if v == 1:
            lines.append('<div class="article">\n')
        lines.append(f'<p class="byline">{escape(s.byline)}</p>\n' if v != 2 else
                     f'<div class="byline">{escape(s.byline)}</div>\n')
        lines.append(f"<p>{_img(s, 'NextImg:' + s.headline)}</p>\n")
        paras = site.copy_body(s.index)
        tag = "div" if v == 2 else "p"
        for p in paras:
            lines.append(f"<{tag}>{escape(p)}</{tag}>\n")
        link = self.pub + f"/r/{s.pub_id}" if s.via_redirect else orig
        if s.copy_kind == "truncated":
            lines.append(f'<p class="more"><a href="{escape(link)}">Continue reading at {escape(s.outlet.name)}</a></p>\n')
        else:
            lines.append(f'<p class="orig"><a href="{escape(link)}" rel="nofollow">Read the original at '
                         f"{escape(s.outlet.name)}</a></p>\n")
        lines.append("</div>\n")
        lines.append(self._copy_extras(s))
        revised = site.revised_at(s.index) if s.copy_kind == "full" else None  # a cut copy misses updates
        lm = max(s.copied, revised or s.copied)
        return Page(200, body=_html(s.headline, "".join(head), "".join(lines), "am1").encode(), last_modified=lm)

    def decoy_links(self, s: Story) -> list[str]:
        """Every off-host link on ``s``'s copy that is not its original: the header's sponsor
        links, share buttons (their query carries the original's URL), two ads (one
        ``rel=nofollow``, one ``rel=sponsored`` reading "Read more") and the related stories of
        other outlets (two on the third host, one a known publisher's original on 127.0.0.2)."""
        return ([self.sponsor_url(n) for n in range(self.sponsor_slots(s.index))]
                + [u for u, _ in self._share(s)] + [u for u, _, _ in self._ads(s)]
                + [u for u, _, _ in self._related(s)])

    def _share(self, s: Story) -> list[tuple[str, str]]:
        q = quote(self.original_url(s), safe="")
        return [(f"{self.others}/share/{net}?{param}={q}", label) for net, label, param in SHARE_NETWORKS]

    def _ads(self, s: Story) -> list[tuple[str, str, str]]:
        a, b = self.site.ads(s.index)
        return [(f"{self.others}/ads/{a}?src=am1", f"Advertisement: {ADS[a]}", "nofollow"),
                (f"{self.others}/ads/{b}?src=am1", f"Promoted: {ADS[b]}. Read more", "sponsored nofollow")]

    def _related(self, s: Story) -> list[tuple[str, str, str]]:
        names = dict(OTHER_OUTLETS)
        out = [(self.others + self._other_path(slug, k), text.headline(k), names[slug])
               for slug, k in self.site.related_elsewhere(s.index)]
        j = self.site.related_known(s.index)
        if j is not None:
            other = self.site.story(j)
            out.append((self.original_url(other), other.headline, other.outlet.name))
        return out

    def _copy_extras(self, s: Story) -> str:
        """Share buttons, ads and "related" stories of other outlets, after the copy's text (in
        ``nav``/``aside``, as real pages have them: no part of the article's text)."""
        share = " ".join(f'<a href="{escape(u)}">{escape(label)}</a>' for u, label in self._share(s))
        ads = "".join(f'<p><a href="{escape(u)}" rel="{rel}">{escape(label)}</a></p>\n' for u, label, rel in self._ads(s))
        items = "\n".join(f'<li><a href="{escape(u)}">{escape(h)}</a> <span class="src">{escape(o)}</span></li>'
                          for u, h, o in self._related(s))
        return (f'<nav class="share">{share}</nav>\n<aside class="ad">\n{ads}</aside>\n'
                f'<aside class="related">\n<h2>From other outlets</h2>\n<ul>\n{items}\n</ul>\n</aside>\n')

    @staticmethod
    def _other_path(slug: str, k: int) -> str:
        return f"/{slug}/{k}/{text.slugify(text.headline(k))}"

    def _digest_index(self, query: str) -> Page:
        ds = self.site.digests()[::-1]
        pages = max(1, math.ceil(len(ds) / PER_PAGE))
        page = self._page_number(query)
        if page is None or page > pages:
            return self._not_found()
        chunk = ds[(page - 1) * PER_PAGE: page * PER_PAGE]
        items = "\n".join(f'<div class="item"><p><a href="{d.path}">The Digest no. {d.number}</a></p>'
                          f'<p class="meta">{_date_line(d.date)}</p></div>' for d in chunk)
        body = (self._header_lines(chunk[0].date if chunk else self.site.last_change(), 0) +
                f"<main>\n<h1>The Digest</h1>\n{items}\n" +
                self._pager("/usconservative/topic/fq", page, pages) + "\n</main>")
        return Page(200, body=_html("The Digest | THE AMERICA ONE NEWS", "", body, "am1").encode(),
                    last_modified=max((d.date for d in chunk), default=None))

    def digest_link(self, i: int) -> str:
        s = self.site.story(i)
        if self.site.digest_link_original(i) or s.copy_path is None:
            return self.original_url(s)
        return self.agg + s.copy_path

    def _digest(self, d: object) -> Page:
        from .site import Digest
        assert isinstance(d, Digest)
        site = self.site
        items = []
        for i in d.stories:
            s = site.story(i)
            items.append(f'<div class="digest-item">\n<p><a href="{escape(self.digest_link(i))}">'
                         f"{escape(s.outlet.name)}: {escape(s.headline)}</a></p>\n"
                         f"<p>{escape(site.summary(i))}</p>\n</div>")
        title = f"The Digest no. {d.number}"
        body = (self._header_lines(d.date, d.number) +
                f'<div class="nav">\n<p class="back"><a href="/usconservative/topic/fq">back</a>{NBSP}{NBSP}</p>\n'
                f'<p class="topic"><a href="/usconservative/topic/fq">topic</a></p>\n</div>\n'
                f'<div class="article">\n<h1>{escape(title)}</h1>\n' + "\n".join(items) + "\n</div>")
        head = f'<meta property="og:title" content="{escape(title)}">\n'
        return Page(200, body=_html(title, head, body, "am1").encode(),
                    last_modified=max(d.date, max((site.revised_at(i) or d.date for i in d.stories))))

    def script_page_text(self) -> list[str]:
        """The paragraphs that only a script puts on the page (ground truth for render tests)."""
        from . import text
        return text.body(self.site.seed, 999_999, promo_headlines=[], promo_line=None,
                         caption_date="Tuesday, June 3, 2025")[:6]

    def _script_page(self) -> Page:
        body = (self._header_lines(self.site.generation_time(0), 3) +
                '<div class="article">\n<h1>Live updates: Senate budget night</h1>\n'
                '<div id="live-text"><noscript>Enable JavaScript to read the live updates.</noscript></div>\n'
                f'<script src="{SCRIPT_DATA}"></script>\n</div>')
        return Page(200, body=_html("Live updates: Senate budget night", "", body, "am1").encode(),
                    last_modified=self.site.generation_time(0))

    def _script_data(self) -> bytes:
        blob = base64.b64encode(json.dumps(self.script_page_text()).encode()).decode()
        return ("// Builds the live article text; the HTML page itself carries none of it.\n"
                f'(function () {{ var paras = JSON.parse(decodeURIComponent(escape(atob("{blob}"))));\n'
                '  var box = document.getElementById("live-text");\n'
                '  paras.forEach(function (t) { var p = document.createElement("p"); p.textContent = t; '
                'box.appendChild(p); }); })();\n').encode()

    # ---- publisher -----------------------------------------------------------------------
    def _pub_chrome(self, title: str, inner: str, head_extra: str = "", outlet: str | None = None) -> bytes:
        nav = " ".join(f'<a href="/{o.slug}/">{escape(o.name)}</a>' for o in OUTLETS)
        brand = OUTLET_BY_SLUG[outlet].name if outlet else "The Publisher Network"
        body = (f'<header>\n<div class="brand"><a href="/">{escape(brand.upper())}</a></div>\n'
                f'<nav>{nav} <a href="/feed.xml">RSS</a></nav>\n</header>\n<main>\n{inner}\n</main>\n'
                f'<footer>\n<a href="/about">About us</a> <a href="/private/drafts">Drafts</a> '
                f'<a href="/sitemap.xml">Sitemap</a>\n<p>© 2025 {escape(brand)}. Generated sample content.</p>\n'
                f"</footer>")
        return _html(title, head_extra, body, "pub").encode()

    def _publisher(self, path: str, query: str) -> Page:
        site = self.site
        if path == "/robots.txt":
            return Page(200, "text/plain; charset=utf-8", (
                "User-agent: *\nDisallow: /private/\n\n"
                f"Sitemap: {self.pub}/sitemap.xml\n").encode())
        if path == "/":
            items = "\n".join(self._pub_item(i) for i in site.latest_originals(20))
            live = f'<p><a href="{PUB_SCRIPT_PAGE}">Live updates: Senate budget night</a></p>\n'
            return Page(200, body=self._pub_chrome("The Publisher Network", f"{live}<h1>Latest</h1>\n{items}"),
                        last_modified=site.story(site.latest_originals(1)[0]).published)
        if path == "/about":
            return Page(200, body=self._pub_chrome("About us", "<h1>About us</h1>\n<p>Four outlets, one "
                                                   "loopback address, generated stories.</p>"))
        if path.startswith("/private/"):
            return Page(200, body=self._pub_chrome("Drafts", "<h1>Drafts</h1><p>Not for crawlers.</p>"))
        if path == PUB_SCRIPT_PAGE:
            inner = ('<article>\n<h1>Live updates: Senate budget night</h1>\n'
                     '<div id="live-text"><noscript>Enable JavaScript to read the live updates.</noscript></div>\n'
                     f'<script src="{SCRIPT_DATA}"></script>\n</article>')
            return Page(200, body=self._pub_chrome("Live updates: Senate budget night", inner),
                        last_modified=site.generation_time(0))
        if path in ("/rss", "/feed"):
            return Page(301, location=self.pub + "/feed.xml")
        if path == "/feed.xml":
            return self._rss()
        if path == "/sitemap.xml" or path.startswith("/sitemap-"):
            return self._sitemap(path, [self.pub + site.story(i).original_path for i in range(site.story_count)])
        parts = path.strip("/").split("/")
        if len(parts) == 1 and parts[0] in OUTLET_BY_SLUG and path.endswith("/"):
            return self._section(parts[0], query)
        if len(parts) == 2 and parts[0] == "r":
            i = self._copy_index().get(path)
            if i is not None:
                return Page(302, location=self.original_url(site.story(i)))
            return self._not_found()
        i = self._copy_index().get(path)
        if i is not None and site.story(i).original_path == path:
            return self._original(site.story(i))
        return self._not_found()

    def _pub_item(self, i: int) -> str:
        s = self.site.story(i)
        return (f'<article class="item"><h3><a href="{escape(s.original_path)}">{escape(s.headline)}</a></h3>'
                f'<p class="meta">{escape(s.outlet.name)} · <time datetime="{s.published.isoformat()}Z">'
                f"{s.published.strftime('%B')} {s.published.day}, {s.published.year}</time></p></article>")

    def _section(self, slug: str, query: str) -> Page:
        ids = self.site.outlet_stories(slug)
        pages = max(1, math.ceil(len(ids) / PER_PAGE))
        page = self._page_number(query)
        if page is None or page > pages:
            return self._not_found()
        chunk = ids[(page - 1) * PER_PAGE: page * PER_PAGE]
        o = OUTLET_BY_SLUG[slug]
        inner = (f"<h1>{escape(o.name)}</h1>\n" + "\n".join(self._pub_item(i) for i in chunk) + "\n"
                 + self._pager(f"/{slug}/", page, pages))
        return Page(200, body=self._pub_chrome(o.name, inner, outlet=slug),
                    last_modified=self._listing_modified(chunk))

    def _original(self, s: Story) -> Page:
        site = self.site
        url = self.original_url(s)
        rev = site.revised_at(s.index)
        pub_iso = s.published.isoformat() + "Z"
        head = (f'<link rel="canonical" href="{escape(url)}">\n'
                f'<meta property="og:url" content="{escape(url)}">\n'
                f'<meta property="og:title" content="{escape(s.headline)}">\n'
                f'<meta property="og:site_name" content="{escape(s.outlet.name)}">\n'
                f'<meta property="og:type" content="article">\n'
                f'<meta property="article:published_time" content="{pub_iso}">\n'
                + (f'<meta property="article:modified_time" content="{rev.isoformat()}Z">\n' if rev else "")
                + f'<meta name="author" content="{escape(s.author)}">\n')
        paras = "\n".join(f"<p>{escape(p)}</p>" for p in site.body(s.index))
        related = [site.story(j) for j in site.related(s.index)]
        rel = "\n".join(f'<li><a href="{escape(r.original_path)}">{escape(r.headline)}</a></li>' for r in related)
        if s.index % 17 == 5:
            rel += f'\n<li><a href="{MISSING_ORIGINAL}">An older story</a></li>'
        inner = (f'<article>\n<h1>{escape(s.headline)}</h1>\n'
                 f'<p class="byline">{escape(s.byline)}</p>\n'
                 f'<p class="dateline"><time datetime="{pub_iso}">{s.published.strftime("%B")} '
                 f'{s.published.day}, {s.published.year} {s.published.strftime("%I:%M %p")}</time></p>\n'
                 f"<figure>{_img(s, s.headline)}</figure>\n"
                 f'<div class="article-body">\n{paras}\n</div>\n</article>\n'
                 f'<aside class="related">\n<h2>Related</h2>\n<ul>\n{rel}\n</ul>\n</aside>')
        return Page(200, body=self._pub_chrome(f"{s.headline} | {s.outlet.name}", inner, head, s.outlet.slug),
                    last_modified=rev or s.published)

    def _rss(self) -> Page:
        site = self.site
        items = []
        ids = site.latest_originals(50)
        for i in ids:
            s = site.story(i)
            items.append(f"<item><title>{escape(s.headline)}</title><link>{escape(self.original_url(s))}</link>"
                         f'<guid isPermaLink="true">{escape(self.original_url(s))}</guid>'
                         f"<pubDate>{s.published.strftime('%a, %d %b %Y %H:%M:%S')} +0000</pubDate>"
                         f"<dc:creator>{escape(s.author)}</dc:creator>"
                         f"<category>{escape(s.outlet.name)}</category>"
                         f"<description>{escape(site.summary(i))}</description></item>")
        newest = site.story(ids[0]).published if ids else None
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n<title>The Publisher Network</title>\n'
               f"<link>{self.pub}/</link>\n<description>Latest stories</description>\n"
               + "\n".join(items) + "\n</channel>\n</rss>\n")
        return Page(200, "application/rss+xml; charset=utf-8", xml.encode(), last_modified=newest)

    def _sitemap(self, path: str, urls: list[str]) -> Page:
        base = self.agg if urls and urls[0].startswith(self.agg) else self.pub
        chunks = max(1, math.ceil(len(urls) / SITEMAP_CHUNK))
        head = '<?xml version="1.0" encoding="UTF-8"?>\n'
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if path == "/sitemap.xml":
            body = (head + f"<sitemapindex {ns}>\n" +
                    "".join(f"<sitemap><loc>{base}/sitemap-{n + 1}.xml</loc></sitemap>\n" for n in range(chunks))
                    + "</sitemapindex>\n")
            return Page(200, "application/xml", body.encode())
        num = path[len("/sitemap-"):-len(".xml")] if path.endswith(".xml") else ""
        if not num.isdigit() or not 1 <= int(num) <= chunks:
            return self._not_found()
        n = int(num)
        part = urls[(n - 1) * SITEMAP_CHUNK: n * SITEMAP_CHUNK]
        body = head + f"<urlset {ns}>\n" + "".join(f"<url><loc>{escape(u)}</loc></url>\n" for u in part) + "</urlset>\n"
        return Page(200, "application/xml", body.encode())

    # ---- the third host: share endpoints, the sponsor, ads, other outlets ----------------------
    def _others(self, path: str) -> Page:
        if path == "/robots.txt":
            return Page(200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow:\n")
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "share" and parts[1] in {n for n, _, _ in SHARE_NETWORKS}:
            return self._simple("Share this story", "<p>Sign in to share.</p>", "pub")
        if path == "/qwiket/fantasy-sports":
            return self._simple("QWIKET", "<p>Elevate your fantasy game!</p>", "pub")
        if len(parts) == 2 and parts[0] == "ads" and parts[1].isdigit() and int(parts[1]) < len(ADS):
            return self._simple(ADS[int(parts[1])], "<p>Limited time offer.</p>", "pub")
        names = dict(OTHER_OUTLETS)
        if len(parts) == 3 and parts[0] in names and parts[1].isdigit() and \
                path == self._other_path(parts[0], int(parts[1])):
            k = int(parts[1])
            paras = text.body(self.site.seed, k, promo_headlines=[], promo_line=None,
                              caption_date="Monday, June 2, 2025")
            inner = (f"<article>\n<h1>{escape(text.headline(k))}</h1>\n<p class=\"byline\">{escape(names[parts[0]])}</p>\n"
                     + "\n".join(f"<p>{escape(p)}</p>" for p in paras) + "\n</article>")
            return Page(200, body=_html(text.headline(k), "", inner, "pub").encode())
        return self._not_found()

    # ---- static --------------------------------------------------------------------------
    def _static(self, role: Role, path: str) -> Page:
        name = path[len("/static/"):]
        kind = "am1" if role == "aggregator" else "pub"
        if name == f"{kind}.css":
            return Page(200, "text/css; charset=utf-8", assets.stylesheet(kind).encode())
        if name == "base.css":
            return Page(200, "text/css; charset=utf-8", assets.BASE_CSS.encode())
        if name == f"bg-{kind}.png":
            return Page(200, "image/png", assets.background_png(0 if kind == "am1" else 1))
        if name == "font.ttf":
            return Page(200, "font/ttf", assets.font_ttf())
        if name == "app.js":
            return Page(200, "text/javascript; charset=utf-8", assets.APP_JS.encode())
        if path == SCRIPT_DATA:
            return Page(200, "text/javascript; charset=utf-8", self._script_data())
        if name.startswith("img/photo-") and name.endswith(".png"):
            bits = name[len("img/photo-"):-4].split("-")
            if (len(bits) == 2 and all(b.isdigit() for b in bits) and int(bits[0]) < assets.PHOTO_COUNT
                    and int(bits[1]) in assets.PHOTO_WIDTHS):
                return Page(200, "image/png", assets.photo_png(int(bits[0]), int(bits[1])))
        return self._not_found()
