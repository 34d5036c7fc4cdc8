"""The ``crawls`` table: one row per crawl (a source's run, or a seed crawl), its counts and seeds.

A crawl writes its row first (a frontier never exists without it) and updates it with each
batch; ``archive reindex`` rebuilds it from the ``crawl-end`` record, or from the files'
``warcinfo`` for a crawl that was killed before it ended (:func:`add_crawl_if_missing`).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..model import CrawlStats

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["ensure_schema", "upsert_crawl", "add_crawl_if_missing", "get_crawl", "unfinished_crawls"]


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS crawls (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            rules TEXT,
            seeds TEXT
        )
        """
    )


def _seeds_json(seeds: list[str]) -> str | None:
    return json.dumps(seeds) if seeds else None


def upsert_crawl(db: "sqlite_utils.Database", crawl: CrawlStats) -> None:
    """Write a crawl's row, or update its end and counts (rules and seeds once known are kept)."""
    with db.conn:
        db.conn.execute(
            "INSERT INTO crawls (id, source, started, finished, pages, bytes, errors, rules, seeds) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "finished=excluded.finished, pages=excluded.pages, bytes=excluded.bytes, "
            "errors=excluded.errors, rules=coalesce(excluded.rules, crawls.rules), "
            "seeds=coalesce(excluded.seeds, crawls.seeds)",
            (crawl.id, crawl.source, crawl.started, crawl.finished, crawl.pages, crawl.bytes,
             crawl.errors, crawl.rules, _seeds_json(crawl.seeds)),
        )


def add_crawl_if_missing(db: "sqlite_utils.Database", crawl: CrawlStats) -> None:
    """The row of a crawl that never ended (no ``finished``), unless the crawl has one already."""
    with db.conn:
        db.conn.execute(
            "INSERT OR IGNORE INTO crawls (id, source, started, finished, pages, bytes, errors, rules, seeds) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            (crawl.id, crawl.source, crawl.started, crawl.pages, crawl.bytes, crawl.errors, crawl.rules,
             _seeds_json(crawl.seeds)))


def get_crawl(db: "sqlite_utils.Database", crawl_id: str) -> CrawlStats | None:
    """The ``crawls`` row of ``crawl_id`` as :class:`CrawlStats`, or None."""
    row = db.conn.execute("SELECT id, source, started, finished, pages, bytes, errors, rules, seeds "
                          "FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
    if row is None:
        return None
    return CrawlStats(id=row[0], source=row[1], started=row[2], finished=row[3], pages=row[4],
                      bytes=row[5], errors=row[6], rules=row[7], seeds=json.loads(row[8]) if row[8] else [])


def unfinished_crawls(db: "sqlite_utils.Database", source: str, seeds: list[str]) -> list[str]:
    """Ids of ``source``'s crawls with exactly these seeds that never finished, newest first."""
    return [cid for (cid,) in db.conn.execute(
        "SELECT id FROM crawls WHERE source = ? AND finished IS NULL AND seeds = ? ORDER BY started DESC",
        (source, json.dumps(seeds)))]
