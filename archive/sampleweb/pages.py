"""HTML, feeds and sitemaps of the three hosts, rendered from a :class:`Site`.

``render(role, path, query)`` answers one request target with a :class:`Page` (status, type,
body bytes, Last-Modified, redirect target). Bodies depend only on the site's seed, size,
generation and the three base URLs — never on the clock. The aggregator's pages are in
:mod:`.aggregator_pages`, the publisher's in :mod:`.publisher_pages`; the third host and the
static files here.
"""
from __future__ import annotations

from html import escape

from . import assets, text
from .aggregator_pages import AggregatorPages
from .markup import Page, Role, SCRIPT_DATA, _html
from .publisher_pages import PublisherPages
from .site import ADS, OTHER_OUTLETS, SHARE_NETWORKS


class Renderer(AggregatorPages, PublisherPages):
    """Every page of the three hosts: ``render(role, path, query)`` -> :class:`Page`."""

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
