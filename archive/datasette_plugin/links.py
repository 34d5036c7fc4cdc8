"""Replay (and, for pages, snapshot) links in table cells (``captures`` and ``articles`` at their own capture time,
``syndication`` URLs at their latest capture), canned-query ``replay…`` and ``snapshot…`` columns,
and search snippets."""
from __future__ import annotations

import re
from typing import Any

from ..replay import REPLAY_PREFIX, SNAPSHOT_PREFIX, link_path

LATEST = "99991231235959"  # nearest to the end of time: the latest capture


def replay_path(timestamp14: str, url: str) -> str:
    return link_path(REPLAY_PREFIX, timestamp14, url)


def snapshot_path(timestamp14: str, url: str) -> str:
    return link_path(SNAPSHOT_PREFIX, timestamp14, url)


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def replay_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    from markupsafe import Markup, escape

    from ..replay import to_timestamp14

    if not isinstance(value, str) or not value:
        return None
    if value.startswith(REPLAY_PREFIX) and column.startswith("replay"):
        # canned queries build '/-/replay/<ts>/<url>' columns
        rest = value[len(REPLAY_PREFIX):]
        ts, _, url = rest.partition("/")
        href = datasette.urls.path(replay_path(ts, url))
        return Markup(f'<a href="{escape(href)}">replay</a>')
    if value.startswith(SNAPSHOT_PREFIX) and column.startswith("snapshot"):
        ts, _, url = value[len(SNAPSHOT_PREFIX):].partition("/")
        href = datasette.urls.path(snapshot_path(ts, url))
        return Markup(f'<a href="{escape(href)}">snapshot</a>')
    if table == "syndication" and column in ("copy_url", "original_url") \
            and value.startswith(("http://", "https://")):
        href = datasette.urls.path(replay_path(LATEST, value))
        return Markup(f'{escape(value)} <a class="archive-replay" href="{escape(href)}" '
                      f'title="latest archived copy">[replay]</a>')
    stamp_column = {"captures": "timestamp", "articles": "captured"}.get(table or "")
    if column != "url" or stamp_column is None:
        return None
    if not value.startswith(("http://", "https://")):
        return None
    ts = to_timestamp14(_get(row, stamp_column))
    if not ts:
        return None
    href = datasette.urls.path(replay_path(ts, value))
    links = (f'{escape(value)} <a class="archive-replay" href="{escape(href)}" '
             f'title="archived copy of {ts}">[replay]</a>')
    mime = _get(row, "mime") if table == "captures" else "text/html"
    if mime is not None and str(mime).startswith(("text/html", "application/xhtml")):
        shot = datasette.urls.path(snapshot_path(ts, value))
        links += (f' <a class="archive-snapshot" href="{escape(shot)}" '
                  f'title="the page as it looked at {ts}">[snapshot]</a>')
    return Markup(links)


SNIPPET_OPEN, SNIPPET_CLOSE = "[[", "]]"


def snippet_cell(value: Any) -> Any:
    """A search result's ``snippet`` (FTS5 ``snippet()`` with ``[[``/``]]`` around matches):
    escaped, then the matches marked."""
    from markupsafe import Markup, escape

    if not isinstance(value, str) or SNIPPET_OPEN not in value:
        return None
    html = re.sub(r"\[\[(.*?)\]\]", r"<mark>\1</mark>", str(escape(value)))
    return Markup(html)
