"""The ``fetch_errors`` table: URLs that gave no capture (or a truncated or failed one), and why.

Every row comes from a ``metadata`` record of the crawl's own WARC (``archive reindex`` rebuilds
the table); the crawl inserts a batch's rows with its captures in one transaction.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..model import FetchFailure
from . import write_rows

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["ensure_schema", "insert_fetch_errors", "has_fetch_error", "fetch_error_count", "failed_urls",
           "error_summary", "fetch_error_keys", "delete_fetch_errors"]

ErrorKey = tuple[str | None, str, str]  # (crawl_id, url, timestamp): the primary key


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS fetch_errors (
            crawl_id TEXT,
            url TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            error TEXT NOT NULL,
            detail TEXT,
            PRIMARY KEY (crawl_id, url, timestamp)
        )
        """
    )


def insert_fetch_errors(db: "sqlite_utils.Database", failures: Iterable[FetchFailure], *,
                        replace: bool = True, commit: bool = True) -> int:
    """Insert (or replace) fetch-error rows; ``replace=False`` keeps rows already there.
    ``commit=False``: inside the caller's transaction (a crawl's batch)."""
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    return write_rows(db, f"{verb} INTO fetch_errors (crawl_id, url, timestamp, error, detail) VALUES (?, ?, ?, ?, ?)",
                      [(f.crawl_id, f.url, f.timestamp, f.error, f.detail) for f in failures], commit=commit)


def has_fetch_error(db: "sqlite_utils.Database", crawl_id: str, url: str) -> bool:
    return db.conn.execute("SELECT 1 FROM fetch_errors WHERE crawl_id = ? AND url = ? LIMIT 1",
                           (crawl_id, url)).fetchone() is not None


def fetch_error_count(db: "sqlite_utils.Database", crawl_id: str) -> int:
    (n,) = db.conn.execute("SELECT count(*) FROM fetch_errors WHERE crawl_id = ?", (crawl_id,)).fetchone()
    return int(n)


def failed_urls(db: "sqlite_utils.Database", crawl_id: str) -> set[str]:
    """Every URL of the crawl with at least one fetch error."""
    return {u for (u,) in db.conn.execute("SELECT DISTINCT url FROM fetch_errors WHERE crawl_id = ?",
                                          (crawl_id,))}


def error_summary(db: "sqlite_utils.Database", crawl_id: str, limit: int = 5) -> list[tuple[str, int, str]]:
    """(kind, count, one example URL) of the crawl's fetch errors, most frequent first."""
    rows = db.conn.execute(
        "SELECT error, count(*), min(url) FROM fetch_errors WHERE crawl_id = ? "
        "GROUP BY error ORDER BY count(*) DESC, error LIMIT ?", (crawl_id, limit)).fetchall()
    return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]


def fetch_error_keys(db: "sqlite_utils.Database") -> list[ErrorKey]:
    """The primary key of every row."""
    return [(r[0], r[1], r[2]) for r in db.conn.execute("SELECT crawl_id, url, timestamp FROM fetch_errors")]


def delete_fetch_errors(db: "sqlite_utils.Database", keys: Iterable[ErrorKey]) -> int:
    return write_rows(db, "DELETE FROM fetch_errors WHERE crawl_id IS ? AND url = ? AND timestamp = ?", keys)
