"""Change tracking of one URL: consecutive captures whose texts differ become ``versions`` rows.

Captures of one URL are ordered by capture time; a row links each capture to the next one whose
normalised text differs from it, with a paragraph diff (``-`` removed, ``+`` added).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..index.versions import add_link, drop_link, links_from
from .diff import counts, paragraph_diff


@dataclass
class Snapshot:
    article_id: int
    capture_id: str
    url: str
    captured: str | None
    norm_hash: str


def chain(snaps: list[Snapshot]) -> list[tuple[Snapshot, Snapshot]]:
    """Consecutive (older, newer) captures whose texts differ."""
    ordered = sorted(snaps, key=lambda s: (s.captured or "", s.article_id))
    return [(a, b) for a, b in zip(ordered, ordered[1:]) if a.norm_hash != b.norm_hash]


def update_url(conn: sqlite3.Connection, snaps: list[Snapshot], texts: dict[int, str]) -> int:
    """Bring the ``versions`` rows of one URL in line with its captures; returns rows added."""
    links = chain(snaps)
    url = min(snaps, key=lambda s: (s.captured or "", s.article_id)).url
    wanted = {(a.capture_id, b.capture_id) for a, b in links}
    have = links_from(conn, [s.capture_id for s in snaps])
    for f, t in have - wanted:  # a capture imported later now sits between these two
        drop_link(conn, f, t)
    added = 0
    for a, b in links:
        if (a.capture_id, b.capture_id) in have:
            continue
        d = paragraph_diff(texts.get(a.article_id, ""), texts.get(b.article_id, ""))
        rem, add = counts(d)
        add_link(conn, dict(url=url, from_capture_id=a.capture_id, to_capture_id=b.capture_id,
                            from_article_id=a.article_id, to_article_id=b.article_id,
                            from_captured=a.captured, to_captured=b.captured, removed=rem, added=add,
                            diff=d))
        added += 1
    return added
