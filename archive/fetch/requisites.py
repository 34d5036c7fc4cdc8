"""Page requisites: what an HTML page or a stylesheet needs to render.

From HTML bytes: stylesheets (``<link rel=stylesheet>``, also ``preload``/``icon`` links),
``<style>`` blocks and ``style=""`` attributes (their ``@import`` and ``url()``), images
(``src``, ``srcset``, ``<picture><source srcset>``, lazy ``data-src``/``data-srcset``, ``poster``,
``<input type=image>``), scripts, iframes/frames, ``<embed>``/``<object>``, ``<video>``/
``<audio>``/``<track>`` sources. From CSS bytes: ``@import`` (string or ``url()``) and every
``url()`` (fonts in ``@font-face``, background images). Relative references resolve against
the document (``<base href>`` honoured for HTML). Only http(s) URLs come back, in document
order, without fragments, each once. ``data:``, ``javascript:``, ``about:`` and the like are
dropped.

:func:`requisites_of` picks the parser by content type; :func:`allowed` applies a source's
host rules (the page's own host plus the source's ``requisite_hosts``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

# kinds
STYLESHEET, IMAGE, FONT, SCRIPT, FRAME, MEDIA, OTHER = (
    "stylesheet", "image", "font", "script", "frame", "media", "other")



def _strip_css_comments(data: bytes) -> bytes:
    """``/* … */`` removed in one linear pass; an unterminated ``/*`` ends the stylesheet (as in
    CSS). The regex for a whole comment rescanned to the end from every unterminated ``/*``:
    120 KB of them took 32 s."""
    if b"/*" not in data:
        return data
    parts: list[bytes] = []
    pos = 0
    while True:
        start = data.find(b"/*", pos)
        if start < 0:
            parts.append(data[pos:])
            break
        parts.append(data[pos:start])
        end = data.find(b"*/", start + 2)
        if end < 0:
            break
        pos = end + 2
    return b"".join(parts)


_CSS_IMPORT = re.compile(rb"""@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|"([^"]*)"|'([^']*)')""", re.I)
_CSS_URL = re.compile(rb"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s"']*))\s*\)""", re.I)
_CSS_FONT_FACE = re.compile(rb"@font-face\s*\{[^}]*\}", re.I | re.S)
_FONT_EXT = (".woff2", ".woff", ".ttf", ".otf", ".eot")
_LINK_RELS = {"stylesheet": STYLESHEET, "icon": IMAGE, "shortcut": IMAGE, "apple-touch-icon": IMAGE,
              "preload": OTHER, "modulepreload": SCRIPT}
_PRELOAD_AS = {"style": STYLESHEET, "script": SCRIPT, "font": FONT, "image": IMAGE}


@dataclass(frozen=True)
class Requisite:
    url: str
    kind: str


def _clean(base: str, ref: str) -> str | None:
    ref = ref.strip()
    if not ref:
        return None
    low = ref[:12].lower()
    if low.startswith(("data:", "javascript:", "about:", "mailto:", "blob:", "#")):
        return None
    try:
        url = urldefrag(urljoin(base, ref))[0]
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def parse_srcset(value: str) -> list[str]:
    """The URLs of a ``srcset`` value (``a.png 1x, b.png 2x`` or ``a.png 320w, …``), following
    the HTML candidate-string rules (a URL may contain commas; descriptors end at a comma)."""
    urls: list[str] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors up to the next comma
            while i < n and value[i] != ",":
                i += 1
        if url:
            urls.append(url)
    return urls


def _font_urls(css: bytes) -> set[bytes]:
    found: set[bytes] = set()
    end = css.rfind(b"}")  # no block closes beyond it: an unclosed "{" is never rescanned to the end
    for block in _CSS_FONT_FACE.findall(css[: end + 1] if end >= 0 else b""):
        for m in _CSS_URL.finditer(block):
            found.add(next(g for g in m.groups() if g is not None))
    return found


def css_requisites(css: bytes | str, base: str) -> list[Requisite]:
    """``@import`` targets (kind stylesheet) and ``url()`` references (fonts inside
    ``@font-face``, else by extension; images otherwise) of a stylesheet."""
    data = css.encode("utf-8", "surrogateescape") if isinstance(css, str) else css
    data = _strip_css_comments(data)
    out: list[Requisite] = []
    imported: set[bytes] = set()
    for m in _CSS_IMPORT.finditer(data):
        ref = next(g for g in m.groups() if g is not None)
        imported.add(ref)
        url = _clean(base, ref.decode("utf-8", "replace"))
        if url:
            out.append(Requisite(url, STYLESHEET))
    fonts = _font_urls(data)
    for m in _CSS_URL.finditer(data):
        ref = next(g for g in m.groups() if g is not None)
        if ref in imported:
            continue
        url = _clean(base, ref.decode("utf-8", "replace"))
        if not url:
            continue
        path = urlsplit(url).path.lower()
        kind = FONT if ref in fonts or path.endswith(_FONT_EXT) else IMAGE
        out.append(Requisite(url, kind))
    return _unique(out)


class _Collector(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.base_set = False
        self.refs: list[tuple[str, str]] = []      # (reference, kind), resolved later
        self.css: list[tuple[str, str]] = []       # (css text, base) of <style> and style=""
        self._in_style = False
        self._style: list[str] = []
        self._media = 0                            # inside <video>/<audio>: <source> is media

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        add = self.refs.append
        if tag == "base" and a.get("href") and not self.base_set:
            self.base = urljoin(self.base, a["href"])
            self.base_set = True
        elif tag == "link":
            rels = a.get("rel", "").lower().split()
            kind = next((_LINK_RELS[r] for r in rels if r in _LINK_RELS), None)
            if kind == OTHER:
                kind = _PRELOAD_AS.get(a.get("as", "").lower())
            if kind and a.get("href"):
                add((a["href"], kind))
            if kind and a.get("imagesrcset"):
                for u in parse_srcset(a["imagesrcset"]):
                    add((u, IMAGE))
        elif tag == "script" and a.get("src"):
            add((a["src"], SCRIPT))
        elif tag in ("img", "source", "input", "video", "audio", "track", "embed", "iframe", "frame", "object"):
            kind = {"iframe": FRAME, "frame": FRAME, "embed": MEDIA, "object": MEDIA, "video": MEDIA,
                    "audio": MEDIA, "track": MEDIA}.get(tag, IMAGE)
            if tag == "source" and self._media:
                kind = MEDIA
            if tag in ("video", "audio"):
                self._media += 1
            if tag == "input" and a.get("type", "").lower() != "image":
                pass
            else:
                for attr in ("src", "data-src", "data"):
                    if a.get(attr):
                        add((a[attr], kind))
            for attr in ("srcset", "data-srcset"):
                if a.get(attr):
                    for u in parse_srcset(a[attr]):
                        add((u, IMAGE))
            if a.get("poster"):
                add((a["poster"], IMAGE))
        elif tag == "style":
            self._in_style = True
            self._style = []
        if a.get("style") and "url(" in a["style"].lower():
            self.css.append((a["style"], ""))
        if tag in ("body", "table", "td", "th") and a.get("background"):
            add((a["background"], IMAGE))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag in ("video", "audio") and self._media:
            self._media -= 1
        if tag == "style" and self._in_style:
            self.css.append(("".join(self._style), ""))
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._style.append(data)


def _unique(items: list[Requisite]) -> list[Requisite]:
    seen: set[str] = set()
    out = []
    for r in items:
        if r.url not in seen:
            seen.add(r.url)
            out.append(r)
    return out


def html_requisites(html: bytes | str, base: str, *, encoding: str | None = None) -> list[Requisite]:
    """The requisites an HTML document names directly (not those of its stylesheets)."""
    text = html if isinstance(html, str) else html.decode(encoding or "utf-8", "replace")
    end = text.rfind(">")
    if "<" in text[end + 1:]:
        # an unclosed tag after the last ">" names nothing, but html.parser rescanned such a
        # tail from every "<" in it: 24 KB of "<a " took 7 s, a megabyte hours
        text = text[: end + 1]
    c = _Collector(base)
    try:
        c.feed(text)
        c.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; keep what was found before it gave up
        pass
    out: list[Requisite] = []
    for ref, kind in c.refs:
        url = _clean(c.base, ref)
        if url:
            out.append(Requisite(url, kind))
    for css, _ in c.css:
        out.extend(css_requisites(css, c.base))
    return _unique(out)


def requisites_of(body: bytes, url: str, content_type: str | None) -> list[Requisite]:
    """Requisites of a fetched body by its content type: HTML pages and CSS stylesheets; any
    other type has none."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    charset = None
    m = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    if m:
        charset = m.group(1)
    if ctype in ("text/html", "application/xhtml+xml"):
        try:
            return html_requisites(body, url, encoding=charset)
        except LookupError:
            return html_requisites(body, url)
    if ctype == "text/css":
        return css_requisites(body, url)
    return []


def allowed(requisite_url: str, page_url: str, extra_hosts: tuple[str, ...] | list[str] = ()) -> bool:
    """A requisite is fetched when it is on the page's own host (with port) or on one of the
    source's ``requisite_hosts`` (``cdn.example`` matches that host and its subdomains;
    ``host:port`` matches exactly)."""
    r = urlsplit(requisite_url)
    p = urlsplit(page_url)
    if r.netloc.lower() == p.netloc.lower():
        return True
    host = (r.hostname or "").lower()
    for entry in extra_hosts:
        e = entry.lower().strip()
        if not e:
            continue
        if ":" in e:
            if r.netloc.lower() == e:
                return True
        elif host == e or host.endswith("." + e):
            return True
    return False


__all__ = ["Requisite", "requisites_of", "html_requisites", "css_requisites", "parse_srcset", "allowed",
           "STYLESHEET", "IMAGE", "FONT", "SCRIPT", "FRAME", "MEDIA", "OTHER"]
