"""Attribution lines: the generic ways a copy names the outlet it took a story from.

Site rules name originals for the sites they know (canonical, promo lines, feed slugs); copy
sites nobody wrote rules for still say where a story came from, in a few set phrasings:

* ``Source: Reuters``, ``Via: The Verge``, ``Courtesy of CNN``, ``© Provided by Business Insider``
* ``Read more: CNN``, ``Read the full story at The Guardian``, ``Continue reading on BBC News``
* ``This article originally appeared on Business Insider``, ``Originally published by The
  Conversation``, ``It first appeared in The Atlantic``, ``Republished with permission from AP``
* a syndication profile named after the outlet: an author ``reuters_feed``, a link to
  ``/author/cnn_feed/`` (``<outlet>_feed``)
* a wire dateline opening the story: ``WASHINGTON (Reuters) —``, ``(CNN) —``
* a byline naming an outlet: ``By Reuters Staff``, ``By Jane Doe, Reuters`` (a role such as
  "Senior Writer" is no outlet)

They are looked for in the article text's first and last lines, in the page's short blocks
(trafilatura drops link text and footers: "Source: <a>Reuters</a>" may only be in the HTML), in
the author and in link targets. A "Read more" or "Source" line that links to an article on
another site names that article too (its URL), even when its words are a headline. The outlet must read like a name (at most five words, no
sentence punctuation) and must not be the page's own (its host, its site name): an outlet's own
"(CNN) —" or "Read more from CNN" says nothing. Which article of the archive that outlet
published is for dedupe to find (the name is matched against each site's names there).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

_NAME = r"(?P<pub>[A-Z0-9©@][\w&'’.\-]*(?:\s+(?:[A-Z0-9&][\w&'’.\-]*|of|the|and|de|du|la|le|for|on|in)){0,5})"
_SEP = r"\s*(?:[:|–—-]\s*)?"
# the phrasings are matched in any case, the outlet's name must be capitalised (a name, not prose)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(rx)) for kind, rx in (
    ("source", rf"^(?:(?i:sources?|via|content from|story from)\s*[:|–—]|(?i:via|courtesy of|©\s*provided by|provided by)\s)"
               rf"\s*{_NAME}\s*\.?$"),
    ("read-more", rf"^(?i:(?:read|see|view)\s+(?:more|the (?:full|original|rest of the) (?:story|article|report)"
                  rf"|the (?:story|article)|full (?:story|article)|original (?:story|article)|the rest)"
                  rf"|continue reading)\s*(?:(?i:at|on|from|in|via)\s+|[:|–—]\s*){_NAME}\s*\.?$"),
    ("originally", rf"\b(?i:(?:originally|first)\s+(?:published|appeared|posted|ran|reported)\s+(?:on|in|at|by|with))"
                   rf"\s+{_NAME}"),
    ("republished", rf"\b(?i:(?:republished|reprinted|reproduced|syndicated|reposted)\s+(?:here\s+)?"
                    rf"(?:with permission\s+)?(?:from|by|courtesy of))\s+{_NAME}"),
    ("byline", rf"^(?i:by)\s+(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s*(?:,|\||and|—|–)\s*)?{_NAME}"
               rf"\s+(?i:staff|wire|reporters|news service|newsroom)\s*\.?$"),
    ("byline", rf"^(?i:by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{1,3}}\s*[,|·•]\s*{_NAME}\s*\.?$"),
    ("source", r"^(?i:sources?|via|read more|read the original|originally published)\s*[:|–—-]?\s*(?:at\s+|on\s+)?"
               r"(?:https?://)?(?:www\.)?(?P<pub>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?:[/?#]\S*)?\s*$"),
    ("dateline", r"^(?:[A-Z][A-Za-z.'’\-]*(?:[ ,]+[A-Z][A-Za-z.'’\-]*){0,4}\s*)?\((?P<pub>[A-Z][A-Za-z&.'’ ]{1,30})\)\s*[-–—]"),
))
_FEED = re.compile(r"(?<![\w-])(?P<pub>[a-z0-9][a-z0-9-]{1,30})_feed(?![a-z0-9])", re.I)
_HINTS = ("by ", "source", "via", "courtesy", "provided by", "content from", "story from", "read ", "see ",
          "continue reading", "view ", "originally", "first ", "republished", "reprinted", "reproduced",
          "syndicated", "reposted", "(", "_feed")
_CONNECTORS = re.compile(r"(?:\s+(?:and|of|the|for|on|in|de|du|la|le))+$")
_TRAILING = re.compile(r"(?i)[\s.,;:]+(?:inc|ltd|llc|plc|co|corp|corporation|group|media group)\.?$")
_WEEKDAYS = re.compile(r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_JUNK = re.compile(r"[^0-9a-z]+")
_MAX_LINE = 200
_HEAD, _TAIL = 5, 8


@dataclass(frozen=True)
class Attribution:
    publisher: str   # the outlet as written (trimmed)
    kind: str        # source, read-more, originally, republished, byline, dateline, feed-profile
    line: str        # where it was read
    url: str | None = None  # the article the line links to, when it links off-site


def _key(name: str) -> str:
    k = name.casefold().strip()
    k = k.removeprefix("the ")
    return _JUNK.sub("", k)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:  # "https://[": not a URL any site answers to
        return ""


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return url


def own_names(url: str, site_name: str | None = None, publisher: str | None = None) -> set[str]:
    """Keys of the names a page's own site answers to (host labels, site name, publisher)."""
    host = _host(url)
    labels = [lab for lab in host.split(".") if lab]
    keys = {_key(n) for n in (site_name, publisher) if n}
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in ("co", "com", "net", "org", "ac", "gov"):
        labels = labels[:-1]
    if len(labels) >= 2:
        keys.add(_JUNK.sub("", labels[-2]))
        keys.add(_JUNK.sub("", "".join(labels[:-1])))
    keys.discard("")
    return keys | {k[3:] for k in keys if k.startswith("the") and len(k) >= 6}


_ROLES = re.compile(r"(?i)\b(?:reporter|editor|correspondent|writer|staff|columnist|contributor|analyst|"
                    r"producer|chief|senior|desk|photographer|intern|fellow)\b")


def _clean(name: str) -> str | None:
    name = " ".join(name.split()).strip(" .,:;|-–—©@")
    name = _CONNECTORS.sub("", _TRAILING.sub("", name).strip(" .,"))
    if not name or len(name) > 60 or len(name.split()) > 5 or (_WEEKDAYS.match(name) and len(name) <= 4):
        return None
    if not any(ch.isalpha() for ch in name) or _ROLES.search(name):
        return None
    return name


def _is_own(name: str, own: set[str]) -> bool:
    k = _key(name)
    if not k:
        return True
    return any(k == o or (len(o) >= 3 and (k.startswith(o) or o.startswith(k)) and min(len(k), len(o)) >= 3)
               for o in own)


def in_lines(lines: Iterable[str], where: str = "text") -> Iterator[Attribution]:
    """Attributions in lines (each checked whole; long lines are prose, not attribution)."""
    for raw in lines:
        line = " ".join(raw.split())
        if not line or len(line) > _MAX_LINE:
            continue
        low = line.lower()
        if not any(h in low for h in _HINTS):
            continue
        for kind, rx in _PATTERNS:
            m = rx.search(line)
            if m:
                name = _clean(m.group("pub"))
                if name:
                    yield Attribution(name, kind, line)
                    break
        for m in _FEED.finditer(line):
            yield Attribution(m.group("pub").replace("-", " "), "feed-profile", line)


def _edges(lines: list[str]) -> list[str]:
    if len(lines) <= _HEAD + _TAIL:
        return lines
    return lines[:_HEAD] + lines[-_TAIL:]


_PAGE_HINTS = ("by ", "source", "via", "courtesy", "provided by", "read ", "continue reading", "originally",
               "first ", "republish", "reprint", "syndicat", "_feed")
_TAGS = ("p", "div", "span", "li", "footer", "small", "em", "strong", "cite", "address", "figcaption",
         "section", "aside", "h5", "h6", "i", "b")


def _short_blocks(tree: Any) -> Iterator[tuple[str, list[str]]]:
    """Texts of the page's short blocks (at most six children and 400 characters) whose own
    words or their children's hold a hint of an attribution, with their links' targets. CPU
    time on the Readability pages: 1.6 ms a page (reading every short block: 2.0 ms; an XPath
    ``contains()`` search for the hints: 5.4 ms), against 20–26 ms for the page's extraction."""
    if tree is None or not hasattr(tree, "iter"):
        return
    body = tree.find("body") if hasattr(tree, "find") else None
    for el in (body if body is not None else tree).iter(*_TAGS):
        if len(el) > 6:
            continue
        near = " ".join([el.text or ""] + [t for c in el for t in (c.text or "", c.tail or "")]).lower()
        if not any(h in near for h in _PAGE_HINTS):
            continue
        try:
            text = el.text_content()
        except ValueError:
            continue
        if len(text) <= _MAX_LINE * 2:
            yield text, [a.get("href") or "" for a in el.iter("a")]


# a line that says where the story is, whatever follows: with a link off-site, the link names it
_LEADS = re.compile(r"^(?i:sources?\s*[:|–—-]|via\s|read (?:more\s*(?:[:|–—-]|at\s|on\s|from\s|in\s)|the (?:full|"
                    r"original) (?:story|article))|continue reading|full story|originally (?:published|appeared)|"
                    r"first (?:published|appeared)|this (?:story|article) (?:originally|first))")


def _linked(blocks: Iterable[tuple[str, list[str]]], url: str) -> Iterator[Attribution]:
    """Attributions of short blocks; one that opens with a lead phrase and links to an article
    on another site names that article (and its site, when the words name no outlet: "Read
    more: <a href=…>the original headline</a>")."""
    from urllib.parse import urljoin

    own = _host(url)
    for text, hrefs in blocks:
        named = list(in_lines([text], "page"))
        line = " ".join(text.split())
        target = None
        if _LEADS.match(line):
            for h in hrefs:
                full = urljoin(url, h.strip()) if h else ""
                host = _host(full)
                if full.startswith(("http://", "https://")) and host and host != own and len(_path(full).strip("/")) > 1:
                    target = full
                    break
        if named:
            yield Attribution(named[0].publisher, named[0].kind, named[0].line, target)
        elif target:
            yield Attribution(_host(target), "link", line, target)


def find(text_lines: list[str], *, url: str, tree: Any = None, author: str | None = None,
         links: Iterable[str] = (), site_name: str | None = None,
         own_publisher: str | None = None) -> list[Attribution]:
    """Attributions of a page naming another outlet than its own, most telling first: the
    article text's first and last lines, then the page's short blocks, then a feed profile in
    the author or a link target. Never raises on odd input (a page with no tree, no lines)."""
    own = own_names(url, site_name, own_publisher)
    found: list[Attribution] = []
    seen: set[str] = set()

    def add(items: Iterable[Attribution]) -> None:
        for a in items:
            k = _key(a.publisher)
            if k and k not in seen and not _is_own(a.publisher, own):
                seen.add(k)
                found.append(a)

    add(in_lines(_edges(text_lines)))
    page = list(_linked(_short_blocks(tree), url))
    for a in page:  # a link to the article itself adds its URL to what the text named
        if a.url and found and found[0].url is None and _key(a.publisher) == _key(found[0].publisher):
            found[0] = Attribution(found[0].publisher, found[0].kind, found[0].line, a.url)
    add(page)
    profiles = [author or ""] + [_path(h) for h in links if h and "_feed" in h]
    add(Attribution(m.group("pub").replace("-", " "), "feed-profile", s)
        for s in profiles for m in _FEED.finditer(s))
    return found
