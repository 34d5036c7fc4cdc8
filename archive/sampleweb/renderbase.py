"""What every renderer of the sample web shares: its site and three base URLs, where a story's
original and copy live, the aggregator's header lines, listing pagers, sitemaps, and the plain
pages (404, a simple page)."""
from __future__ import annotations

import datetime as dt
import math
from html import escape
from urllib.parse import parse_qs

from .markup import NBSP, SITEMAP_CHUNK, Page, _date_line, _html
from .site import Site, Story


class RendererBase:
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

    def _not_found(self) -> Page:
        return Page(404, body=b"<!DOCTYPE html><html><head><title>Not found</title></head>"
                              b"<body><h1>404 Not Found</h1></body></html>\n")

    def _simple(self, title: str, inner: str, css: str) -> Page:
        return Page(200, body=_html(title, "", f"<main>\n<h1>{escape(title)}</h1>\n{inner}\n</main>",
                                    css).encode())

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

    def _listing_modified(self, ids: list[int]) -> dt.datetime | None:
        site = self.site
        times = [site.story(i).copied or site.story(i).published for i in ids]
        times += [t for t in (site.revised_at(i) for i in ids) if t]
        return max(times, default=None)

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
