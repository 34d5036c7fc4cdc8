"""``articles_recent_fts``: a full-text index of the newest articles only, for ranked search.

FTS5's ``bm25()`` first counts every document that holds each query term (its IDF), whatever
rows the query keeps, then scores each row it ranks (≈ 1 µs a row): for a word in most of a
million articles the count alone took 80–130 ms here (2 cores under load), and scoring the 48k
matches of such a word among 50k articles ≈ 50 ms. Over this index of the newest ``WINDOW``
articles, scoring only a word's newest 5 000 matches, it took 16–25 ms. The front page's search
(the ``search_articles`` canned query) ranks over the whole archive when the words match fewer
than 2 000 articles (count and scores are then cheap), and here otherwise.

It keeps its own copy of title and text (SQLite 3.40 here: no contentless-delete tables, and an
external-content index needs the old values to delete a row). :func:`refresh` adds the articles
past its newest id and drops those that fell out of the window; an ``articles`` table that
shrank (rebuilt) makes it start again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

WINDOW = 50_000


def ensure_schema(db: "sqlite_utils.Database") -> None:
    # the same tokenizer as articles_fts (sqlite-utils' enable_fts with tokenize="porter")
    db.executescript(
        """
        CREATE VIRTUAL TABLE IF NOT EXISTS articles_recent_fts USING fts5(title, text, tokenize='porter');
        CREATE TABLE IF NOT EXISTS recent_state (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        """
    )


def refresh(db: "sqlite_utils.Database", window: int = WINDOW) -> int:
    """Bring the index to the newest ``window`` articles; returns the rows added."""
    conn = db.conn
    top = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    row = conn.execute("SELECT value FROM recent_state WHERE name = 'hi'").fetchone()
    hi = int(row[0]) if row else 0
    lo = max(0, top - window)
    with conn:
        if top < hi:  # articles rebuilt: the ids mean other articles now
            conn.execute("DELETE FROM articles_recent_fts")
            hi = 0
        conn.execute("DELETE FROM articles_recent_fts WHERE rowid <= ?", (lo,))
        cur = conn.execute("INSERT INTO articles_recent_fts (rowid, title, text) "
                           "SELECT id, title, text FROM articles WHERE id > ? AND id <= ?", (max(hi, lo), top))
        conn.execute("INSERT OR REPLACE INTO recent_state (name, value) VALUES ('hi', ?)", (top,))
    return int(cur.rowcount or 0)
