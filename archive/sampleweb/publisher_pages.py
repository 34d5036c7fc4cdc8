"""The publisher's pages (127.0.0.2): four outlets' sections and originals, the RSS feed, the
sitemap index and its parts, and the redirects between them. A mixin of :class:`.pages.Renderer`."""
from __future__ import annotations

import math
from html import escape

from .markup import MISSING_ORIGINAL, PUB_SCRIPT_PAGE, SCRIPT_DATA, Page, _html, _img
from .renderbase import RendererBase
from .site import OUTLET_BY_SLUG, OUTLETS, PER_PAGE, Story


class PublisherPages(RendererBase):
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

