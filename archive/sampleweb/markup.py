"""What every page of the three hosts is made of: the :class:`Page` answer, the fixed paths of
the odd pages, and the HTML frame and date lines the renderers share."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Literal

from .site import Story

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
