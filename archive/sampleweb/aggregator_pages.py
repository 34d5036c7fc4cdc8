"""The aggregator's pages (127.0.0.1), built the way America One News builds them: the front
page, topic listings, copies with their header lines, decoys and related boxes, digests, and the
script-built live page. A mixin of :class:`.pages.Renderer`."""
from __future__ import annotations

import base64
import json
import math
from html import escape
from urllib.parse import quote

from . import text
from .markup import (CHAIN_MID, CHAIN_START, ERROR_PATH, LATEST_PATH, MISSING_COPY, NBSP, PRIVATE_PATH,
                     SCRIPT_DATA, SCRIPT_PAGE, Page, _date_line, _html, _img, _story_date)
from .renderbase import RendererBase
from .site import ADS, OTHER_OUTLETS, OUTLET_BY_SLUG, OUTLETS, PER_PAGE, SHARE_NETWORKS, Story


class AggregatorPages(RendererBase):
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

