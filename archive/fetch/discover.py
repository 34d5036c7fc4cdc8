"""Link discovery: HTML pages, RSS/Atom feeds, sitemaps and sitemap indexes.

Bodies arrive as they were on the wire, so the content-encoding is decoded first (gzip
pages yield no links otherwise) by :mod:`archive.content`, which stops at a size limit (gzip bombs).
Regular expressions rather than a DOM: discovery runs once per page on the crawl's hot path.

An anchor to another origin is classed by what the page says of it, for the crawl's choice of
originals (``archive/fetch/originals.py``): ``sponsored`` when its ``rel`` says it is paid for or
user-written (``sponsored``, ``ugc``), ``source`` when its text names the original (the shared
``link_text`` default of ``archive/attribution.py``), else ``page``. ``rel=nofollow`` alone says
nothing: am1's own "Read the original at …" links carry it.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

from ..attribution import DEFAULT_LINK_TEXT
from ..content import decode_bytes

MAX_DECODED = 20 * 1024 * 1024

LinkKind = Literal["page", "requisite", "feed", "sitemap", "canonical", "source", "sponsored"]


@dataclass(frozen=True)
class Link:
    url: str
    kind: LinkKind


_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def text_of(body: bytes, content_type: str | None) -> str:
    charset = None
    if content_type:
        m = _CHARSET.search(content_type.encode("latin-1", "replace"))
        if m:
            charset = m.group(1).decode("ascii")
    if charset is None:
        m = _CHARSET.search(body[:2048])
        if m:
            charset = m.group(1).decode("ascii")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def kind_of(content_type: str | None, body_start: bytes) -> str:
    """``html``, ``css``, ``feed``, ``sitemap``, ``sitemapindex`` or ``other``."""
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    if ct == "text/css":
        return "css"
    head = body_start[:1024].lstrip().lower()
    if b"<sitemapindex" in head:
        return "sitemapindex"
    if b"<urlset" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head or ct in (
            "application/rss+xml", "application/atom+xml"):
        return "feed"
    if ct in ("text/html", "application/xhtml+xml") or head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        return "html"
    return "other"


_TAG = re.compile(r"<(a|area|link|img|script|iframe|frame|base|meta|source)\b([^>]*)>", re.I | re.S)
# a name starts only after a non-name character and is never backtracked into (a 100 KB run of
# name characters without "=" was otherwise rescanned from every position: quadratic)
_ATTR = re.compile(r"""(?<![-a-zA-Z0-9_:.])([a-zA-Z_:][-a-zA-Z0-9_:.]*+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
                   re.S)


def _strip_comments(text: str) -> str:
    """``<!-- … -->`` removed in one linear pass; an unterminated ``<!--`` and what follows are
    kept as they are. (The regex ``<!--.*?-->`` rescanned to the end from every unterminated
    ``<!--``: 200 KB of them took 50 s on the crawl's event loop.)"""
    if "<!--" not in text:
        return text
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            parts.append(text[pos:])
            break
        parts.append(text[pos:start])
        end = text.find("-->", start + 4)
        if end < 0:
            parts.append(text[start:])
            break
        pos = end + 3
    return "".join(parts)


def _upto_last(text: str, closer: str) -> str:
    """``text`` cut after the last ``closer`` (case-insensitive): no match can end beyond it, and
    a pattern that scans to its closer otherwise rescanned the rest of the text from every
    unclosed start (quadratic on hostile pages)."""
    end = text.rfind(closer) if closer == ">" else text.lower().rfind(closer)
    return text[: end + len(closer)] if end >= 0 else ""


def _attrs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).lower()
        if name not in out:
            value = m.group(2) if m.group(2) is not None else (m.group(3) if m.group(3) is not None else m.group(4))
            out[name] = html.unescape(value or "").strip()
    return out


_ABS_CACHE: dict[tuple[str, str], str | None] = {}
_ABS_CACHE_MAX = 20_000


def _absolute(base: str, ref: str) -> str | None:
    """``ref`` resolved against ``base`` (http(s) only, fragment dropped), memoised: pages of
    one site repeat the same navigation links, and ``urljoin`` is a large share of discovery."""
    ref = ref.strip()
    if not ref or ref.startswith(("#", "javascript:", "mailto:", "data:", "tel:")):
        return None
    if ref.startswith(("http://", "https://")):
        key = ("", ref)
    elif ref.startswith("/") and not ref.startswith("//"):
        key = (base[: base.find("/", base.find("//") + 2)] if base.count("/") >= 3 else base, ref)
    else:
        key = (base, ref)
    try:
        return _ABS_CACHE[key]
    except KeyError:
        pass
    url = _resolve(base, ref)
    if len(_ABS_CACHE) >= _ABS_CACHE_MAX:
        _ABS_CACHE.clear()
    _ABS_CACHE[key] = url
    return url


def _resolve(base: str, ref: str) -> str | None:
    try:
        url = urljoin(base, ref)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url.split("#", 1)[0]


_ANCHOR_END = re.compile(r"</a\s*>|<a[\s>]", re.I)  # its close, or the next anchor (no nesting)
_INNER_TAG = re.compile(r"<[^>]*>")
ANCHOR_TEXT_SPAN = 1000
"""Characters after ``<a …>`` searched for its end: bounded, so a page of unclosed anchors stays
linear; a phrase naming the original ("Read the original at New York Post") is far shorter."""
# when one URL is linked several ways, every occurrence takes the strongest claim (the engine
# keeps the first occurrence of a URL): the page's own canonical, then a paid/user link, then text
_CLAIM = {"page": 0, "source": 1, "sponsored": 2, "canonical": 3}


@functools.lru_cache(maxsize=32)
def link_text_pattern(pattern: str | None) -> re.Pattern[str]:
    """The compiled ``link_text`` of a rules block (None: the shared default)."""
    return re.compile(pattern if pattern is not None else DEFAULT_LINK_TEXT)


def _anchor_kind(text: str, end: int, attrs: dict[str, str], says_original: re.Pattern[str]) -> LinkKind:
    """``sponsored``, ``source`` or ``page`` for an anchor whose start tag ends at ``end``
    (``end`` < 0: no text to read, as for ``<area>``); ``says_original``: the link text that
    names the original."""
    rels = attrs.get("rel", "").lower().split()
    if "sponsored" in rels or "ugc" in rels:
        return "sponsored"
    if end < 0:
        return "page"
    close = _ANCHOR_END.search(text, end, end + ANCHOR_TEXT_SPAN)
    if close is None:
        return "page"
    label = text[end:close.start()]
    if "<" in label:
        label = _INNER_TAG.sub(" ", label)
    if "&" in label:
        label = html.unescape(label)
    label = " ".join(label.split())  # NBSP, line breaks and runs of spaces: one space, as extraction
    return "source" if says_original.search(label) else "page"


def _settle_claims(links: list[Link]) -> list[Link]:
    strongest: dict[str, LinkKind] = {}
    for link in links:
        rank = _CLAIM.get(link.kind)
        if rank is not None and rank > 0 and rank > _CLAIM[strongest.get(link.url, "page")]:
            strongest[link.url] = link.kind
    if not strongest:
        return links
    return [Link(link.url, strongest[link.url]) if link.url in strongest and link.kind in _CLAIM else link
            for link in links]


def html_links(text: str, base_url: str, *, requisites: bool = True, link_text: str | None = None) -> list[Link]:
    """Links of an HTML page: anchors (``page``; to another origin ``source`` or ``sponsored``
    by what the page says of them, ``link_text`` being the rules block's pattern of anchor text
    that names the original), feeds named by ``<link rel=alternate>``, ``canonical``/``og:url``,
    and (when ``requisites``) images, scripts and stylesheets."""
    says_original = link_text_pattern(link_text)
    text = _upto_last(_strip_comments(text), ">")
    base = base_url
    origin = base_url[: base_url.find("/", base_url.find("//") + 2) + 1] if base_url.count("/") >= 3 \
        else base_url + "/"
    out: list[Link] = []
    for m in _TAG.finditer(text):
        tag = m.group(1).lower()
        attrs = _attrs(m.group(2))
        if tag == "base":
            if attrs.get("href"):
                base = urljoin(base_url, attrs["href"])
            continue
        kind: LinkKind
        ref: str | None
        if tag in ("a", "area"):
            ref, kind = attrs.get("href"), "page"
        elif tag == "link":
            rel = attrs.get("rel", "").lower().split()
            ref = attrs.get("href")
            typ = attrs.get("type", "").lower()
            if "canonical" in rel:
                kind = "canonical"
            elif "alternate" in rel and ("rss" in typ or "atom" in typ):
                kind = "feed"
            elif "stylesheet" in rel or "icon" in rel:
                if not requisites:
                    continue
                kind = "requisite"
            else:
                continue
        elif tag == "meta":
            if attrs.get("property", attrs.get("name", "")).lower() != "og:url":
                continue
            ref, kind = attrs.get("content"), "canonical"
        elif tag in ("iframe", "frame"):
            ref, kind = attrs.get("src"), "page"
        else:  # img, script, source
            if not requisites:
                continue
            ref, kind = attrs.get("src"), "requisite"
            for candidate in _srcset(attrs.get("srcset", "")):
                url = _absolute(base, candidate)
                if url:
                    out.append(Link(url, "requisite"))
        if not ref:
            continue
        url = _absolute(base, ref)
        if url:
            if tag in ("a", "area") and not (url.startswith(origin) or url == origin[:-1]):
                kind = _anchor_kind(text, m.end() if tag == "a" else -1, attrs, says_original)
            out.append(Link(url, kind))
    return _settle_claims(out)


_LOC = re.compile(r"<loc>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</loc>", re.I | re.S)
_FEED_LINK_TEXT = re.compile(r"<link>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</link>", re.I | re.S)
_FEED_LINK_HREF = re.compile(r"<(?:atom:)?link\b([^>]*)/?>", re.I | re.S)
_GUID = re.compile(r"<guid\b([^>]*)>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</guid>", re.I | re.S)


def _srcset(value: str) -> list[str]:
    """URLs of a ``srcset`` (``a.png 1x, b.png 2x``)."""
    if not value:
        return []
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def css_links(text: str, base_url: str) -> list[Link]:
    """Requisites named by a stylesheet: ``url(...)`` and ``@import``."""
    out = []
    for m in _CSS_URL.finditer(text):
        ref = next((g for g in m.groups() if g), "")
        url = _absolute(base_url, ref)
        if url:
            out.append(Link(url, "requisite"))
    return out


def sitemap_links(text: str, base_url: str, *, index: bool) -> list[Link]:
    kind: LinkKind = "sitemap" if index else "page"
    out = []
    for m in _LOC.finditer(_upto_last(text, "</loc>")):
        url = _absolute(base_url, html.unescape(m.group(1)))
        if url:
            out.append(Link(url, kind))
    return out


def feed_links(text: str, base_url: str) -> list[Link]:
    """Item links of RSS 2.0 / RSS 1.0 / Atom feeds (the feed's own self links excluded)."""
    out: list[Link] = []
    seen: set[str] = set()

    def add(ref: str) -> None:
        url = _absolute(base_url, html.unescape(ref))
        if url and url not in seen:
            seen.add(url)
            out.append(Link(url, "page"))

    for m in _FEED_LINK_TEXT.finditer(_upto_last(text, "</link>")):
        add(m.group(1))
    for m in _FEED_LINK_HREF.finditer(_upto_last(text, ">")):
        attrs = _attrs(m.group(1))
        rel = attrs.get("rel", "alternate").lower()
        if attrs.get("href") and rel == "alternate":
            add(attrs["href"])
    for m in _GUID.finditer(_upto_last(text, "</guid>")):
        if "ispermalink=\"false\"" not in m.group(1).lower().replace("'", '"') and m.group(2).startswith("http"):
            add(m.group(2))
    return out


def discover(body: bytes, url: str, content_type: str | None, content_encoding: str | None, *,
             requisites: bool = True, limit: int = MAX_DECODED, link_text: str | None = None) -> list[Link]:
    """All links of one response body (raw, as on the wire); ``link_text``: the rules block's
    pattern of anchor text naming the original (None: the default). Raises
    :class:`archive.content.ContentDecodeError`."""
    data = decode_bytes(body, content_encoding, limit=limit)
    kind = kind_of(content_type, data)
    if kind == "other":
        return []
    text = text_of(data, content_type)
    if kind == "html":
        return html_links(text, url, requisites=requisites, link_text=link_text)
    if kind == "feed":
        return feed_links(text, url)
    if kind == "css":
        return css_links(text, url) if requisites else []
    return sitemap_links(text, url, index=(kind == "sitemapindex"))
