"""The ``versions`` table: changes between consecutive captures of one URL (written by the
dedupe stage, :mod:`archive.dedupe.versions`). Its schema is made with the dedupe stage's other
tables (:func:`archive.index.syndication.ensure_schema` calls :func:`ensure_schema`) and
emptied with them by ``archive dedupe --rebuild``."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3
    from typing import Any, Sequence

    import sqlite_utils

COLUMNS = ("url", "from_capture_id", "to_capture_id", "from_article_id", "to_article_id",
           "from_captured", "to_captured", "removed", "added", "diff")


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            from_capture_id TEXT NOT NULL,
            to_capture_id TEXT NOT NULL,
            from_article_id INTEGER,
            to_article_id INTEGER,
            from_captured TEXT,
            to_captured TEXT,
            removed INTEGER,
            added INTEGER,
            diff TEXT NOT NULL DEFAULT '',
            UNIQUE (from_capture_id, to_capture_id)
        );
        CREATE INDEX IF NOT EXISTS versions_url ON versions(url);
        """
    )


def clear(conn: "sqlite3.Connection") -> None:
    conn.execute("DELETE FROM versions")


def links_from(conn: "sqlite3.Connection", capture_ids: "Sequence[str]") -> set[tuple[str, str]]:
    """The stored (from, to) capture links that start at one of ``capture_ids``."""
    marks = ",".join("?" * len(capture_ids))
    return {(f, t) for f, t in conn.execute(
        f"SELECT from_capture_id, to_capture_id FROM versions WHERE from_capture_id IN ({marks})",
        list(capture_ids))}


def drop_link(conn: "sqlite3.Connection", from_capture: str, to_capture: str) -> None:
    conn.execute("DELETE FROM versions WHERE from_capture_id = ? AND to_capture_id = ?",
                 (from_capture, to_capture))


def add_link(conn: "sqlite3.Connection", row: "dict[str, Any]") -> None:
    """Store one link (a dict with ``COLUMNS``); an existing (from, to) link is kept as it is."""
    conn.execute(f"INSERT OR IGNORE INTO versions ({', '.join(COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(COLUMNS))})", tuple(row[c] for c in COLUMNS))
