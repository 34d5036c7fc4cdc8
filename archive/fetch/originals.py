"""Which off-host links of an in-scope page a crawl follows as the page's original.

An aggregator's copy names its original in a few ways, most trusted first: ``<link
rel=canonical>`` / ``og:url`` (am1's current pages), an anchor whose text says so ("Read the
original at …", "Continue reading", "Source:"; am1's older pages), or, with neither, a link to a
known publisher's host (the ``[publishers]`` table; digest pages list originals this way). Every
other off-host link is no original: share buttons, sponsor and ad links, related stories of other
outlets. Following them all (as the crawl did before) fetched a share endpoint, an ad server and
a sponsor's site for every copy on real pages, and gave extraction and dedupe pages that pair
with nothing.

The rule, for the links of one page (kinds from ``discover.html_links``):

1. ``canonical`` (``rel=canonical``, ``og:url``) and ``source`` (text names the original) links
   name the original: all are followed.
2. Only when the page names none that way, links to a known publisher's host are followed (a
   related story of another known outlet beside a named original is not the original).
3. Never: ``sponsored`` links (``rel=sponsored``/``ugc``), links whose query carries a URL (share
   intents and redirectors: ``?u=https://…``), links to the page's own host or own publisher,
   and links to a site's front page (no article: "Our main source", "READ MORE FROM …" pointing
   at a home page).
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import unquote, urlsplit

from ..attribution import PublisherHosts
from ..urls import host_of

NAMING = ("canonical", "source")
_URL_IN_QUERY = re.compile(r"https?:/|(?:^|[=&])//", re.I)  # absolute or protocol-relative


def carries_url(url: str) -> bool:
    """Whether ``url``'s query holds another URL (plain or percent-encoded, once or twice): the
    mark of a share intent (``/sharer?u=…``, ``/intent/post?url=…``, ``mailto``-like ``?body=…``)
    or a redirector, which are never an article of their own."""
    query = urlsplit(url).query
    if not query:
        return False
    for _ in range(3):
        if _URL_IN_QUERY.search(query):
            return True
        decoded = unquote(query)
        if decoded == query:
            return False
        query = decoded
    return False


def article_like(url: str) -> bool:
    """A path beyond ``/`` or a query (``/?p=123``): a front page is no original."""
    parts = urlsplit(url)
    return len(parts.path.strip("/")) > 1 or bool(parts.query)


def pick_originals(page_url: str, links: Iterable[tuple[str, str]], publishers: PublisherHosts) -> set[str]:
    """The URLs among ``links`` ((url, kind) pairs of the page at ``page_url``) that the page
    names as its original, by the rule in this module's docstring."""
    page_host = host_of(page_url)
    own = publishers.publisher_of(page_url)
    named: set[str] = set()
    hosted: set[str] = set()
    for url, kind in links:
        if kind not in NAMING and kind != "page":
            continue
        if host_of(url) == page_host or not article_like(url) or carries_url(url):
            continue
        publisher = publishers.publisher_of(url)
        if own is not None and publisher == own:
            continue
        if kind in NAMING:
            named.add(url)
        elif publisher is not None:
            hosted.add(url)
    return named or hosted
