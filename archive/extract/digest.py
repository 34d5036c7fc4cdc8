"""Digest pages: a list of ``Publisher: Headline`` items, each with a short summary and a link.

Read from the page's visible lines (with the links each line holds), after the site's header;
an item line's publisher must be a known publisher or look like a name (a few capitalised
words), so that a summary sentence with a colon does not start an item.
"""
from __future__ import annotations

import re

from ..attribution import Publishers
from ..config.rules import SiteRules
from ..model import DigestItem
from .htmlpage import Line, Page

_NAMEISH = re.compile(r"^(?:[A-Z0-9][\w.&'’-]*|of|the|and|on|de)(?: (?:[A-Z0-9][\w.&'’-]*|of|the|and|on|de)){0,5}$")
MAX_SUMMARY_LINES = 3


def _header_end(lines: list[Line], rules: SiteRules) -> int:
    if rules.header_end is None:
        return 0
    for i, line in enumerate(lines[: rules.header_max_lines]):
        if rules.header_end.search(line.text):
            return i + 1
    return 0


def digest_items(page: Page, rules: SiteRules, publishers: Publishers, url: str,
                 capture_id: str | None = None) -> list[DigestItem]:
    items: list[DigestItem] = []
    summary: list[str] = []
    links: list[str] = []

    def close() -> None:
        if items:
            items[-1].summary = " ".join(summary[:MAX_SUMMARY_LINES])
            if items[-1].link is None and links:
                items[-1].link = links[0]

    for line in page.lines[_header_end(page.lines, rules):]:
        text = line.text
        if rules.is_dropped(text):
            continue
        m = rules.digest_item.match(text)
        pub = m.group("publisher").strip() if m else ""
        if m and (publishers.known(pub) or _NAMEISH.match(pub)):
            close()
            summary, links = [], []
            items.append(DigestItem(digest_url=url, publisher=publishers.canonical(pub) or pub,
                                    headline=m.group("headline").strip(), summary="",
                                    link=line.links[0] if line.links else None,
                                    capture_id=capture_id, position=len(items)))
        elif items:
            summary.append(text)
            links.extend(line.links)
    close()
    return items
