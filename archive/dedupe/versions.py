"""Change tracking of one URL: consecutive captures whose texts differ become ``versions`` rows.

Captures of one URL are ordered by capture time; a row links each capture to the next one whose
normalised text differs from it, with a paragraph diff (``-`` removed, ``+`` added).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

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
    ids = [s.capture_id for s in snaps]
    marks = ",".join("?" * len(ids))
    have = {(f, t) for f, t in conn.execute(
        f"SELECT from_capture_id, to_capture_id FROM versions WHERE from_capture_id IN ({marks})", ids)}
    for f, t in have - wanted:  # a capture imported later now sits between these two
        conn.execute("DELETE FROM versions WHERE from_capture_id = ? AND to_capture_id = ?", (f, t))
    added = 0
    for a, b in links:
        if (a.capture_id, b.capture_id) in have:
            continue
        d = paragraph_diff(texts.get(a.article_id, ""), texts.get(b.article_id, ""))
        rem, add = counts(d)
        conn.execute(
            "INSERT OR IGNORE INTO versions (url, from_capture_id, to_capture_id, from_article_id, "
            "to_article_id, from_captured, to_captured, removed, added, diff) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (url, a.capture_id, b.capture_id, a.article_id, b.article_id, a.captured, b.captured,
             rem, add, d))
        added += 1
    return added
