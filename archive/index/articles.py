"""Tables of the extraction stage: ``articles`` (+ FTS5 on title, text), ``digest_items``,
``extract_errors``, and ``extract_done`` (the ledger of every capture the extract stage has
handled, with its outcome: article, digest, skipped, error — what makes a rerun add nothing).
Columns named in the issues are a contract; more may be added."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path
    from typing import Any, Iterator, Sequence

    import sqlite_utils


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS articles (
            id INTEGER PRIMARY KEY,
            capture_id TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            source TEXT,
            site TEXT NOT NULL,
            title TEXT,
            author TEXT,
            published TEXT,
            aggregator_date TEXT,
            text TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            original_publisher TEXT,
            original_url TEXT,
            language TEXT,
            sitename TEXT,
            captured TEXT,
            attribution TEXT,
            text_hash TEXT,
            rules TEXT,
            charset TEXT,
            notes TEXT
        );
        CREATE INDEX IF NOT EXISTS articles_url ON articles(url, captured);
        CREATE INDEX IF NOT EXISTS articles_hash ON articles(text_hash);
        CREATE TABLE IF NOT EXISTS digest_items (
            id INTEGER PRIMARY KEY,
            digest_url TEXT NOT NULL,
            capture_id TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            publisher TEXT NOT NULL,
            headline TEXT NOT NULL,
            summary TEXT,
            link TEXT,
            UNIQUE (capture_id, position)
        );
        CREATE TABLE IF NOT EXISTS extract_done (
            capture_id TEXT PRIMARY KEY,
            outcome TEXT NOT NULL,
            rules TEXT,
            detail TEXT,
            at TEXT
        );
        CREATE INDEX IF NOT EXISTS digest_items_capture ON digest_items(capture_id);
        CREATE TABLE IF NOT EXISTS extract_errors (
            capture_id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            timestamp TEXT,
            error TEXT NOT NULL
        );
        """
    )
    have = {c.name for c in db["articles"].columns}
    for col in ("charset", "notes"):  # added after the first schema: extend older databases
        if col not in have:
            db.execute(f"ALTER TABLE articles ADD COLUMN {col} TEXT")
    if "articles_fts" not in db.table_names():
        # triggers keep the index current for rows added later (Datasette search relies on it)
        db.table("articles").enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


def ids_matching(conn: "sqlite3.Connection", fts_query: str, ids: list[int]) -> set[int]:
    """Which of ``ids`` match an FTS5 query (already escaped: see :mod:`archive.index.fts`).

    The ids are passed to FTS5 as a rowid range (a constraint FTS5 applies while reading its
    doclists), then filtered in Python."""
    found: set[int] = set()
    if not fts_query or not ids:
        return found
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?",
                            (fts_query, chunk[0], chunk[-1]))
        keep = set(chunk)
        found.update(int(r[0]) for r in rows if int(r[0]) in keep)
    return found


# ---------------------------------------------------------------- reads of the dedupe stage

def _in_list(conn: "sqlite3.Connection", sql: str, values: "Sequence[Any]") -> "Iterator[tuple[Any, ...]]":
    """Rows of ``sql`` (an ``IN ({marks})`` query) over ``values`` in slices of 900 (SQLite's host
    parameters per statement are limited), one at a time (a round's rows: no list of them all)."""
    values = list(values)
    for start in range(0, len(values), 900):
        chunk = values[start:start + 900]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def article_texts(db_path: "Path", ids: "Sequence[int]") -> dict[int, str]:
    """Texts of some articles (a NULL text reads as ""), on a read-only connection of this
    process's own: dedupe's worker processes call it with only the ids in hand."""
    from . import connect

    conn = connect(db_path, readonly=True)
    try:
        return {int(aid): text or "" for aid, text in
                _in_list(conn, "SELECT id, text FROM articles WHERE id IN ({marks})", ids)}
    finally:
        conn.close()


def article_fields(conn: "sqlite3.Connection", ids: "Sequence[int]",
                   columns: "Sequence[str]") -> "Iterator[tuple[Any, ...]]":
    """``columns`` (names of ``articles`` columns, given by the code) of some articles."""
    if not all(c.isidentifier() for c in columns):
        raise ValueError(f"not column names: {list(columns)!r}")
    return _in_list(conn, f"SELECT {', '.join(columns)} FROM articles WHERE id IN ({{marks}})", ids)


def article_sites(conn: "sqlite3.Connection", ids: "Sequence[int]") -> "Iterator[tuple[int, str]]":
    """(id, site — or the URL where the site is NULL) of some articles."""
    return _in_list(conn, "SELECT id, coalesce(site, url) FROM articles WHERE id IN ({marks})", ids)


def first_captures(conn: "sqlite3.Connection", urls: "Sequence[str]") -> dict[str, str]:
    """The earliest capture time of each URL among its articles."""
    return dict(_in_list(conn, "SELECT url, MIN(captured) FROM articles WHERE url IN ({marks}) "
                               "GROUP BY url", urls))
