"""``daily_stats``: pages captured, articles extracted, copies found and fetch errors per source
and day (UTC), kept up to date by the pipeline (the ``daily_counts`` canned query reads it).

Why a table: the same figures computed per request took 2.2–2.5 s on a million-article archive
(the article's capture time sits after its text, in overflow pages, so every article row is read);
read from here they take a few milliseconds.

Incremental: each refresh adds the rows past the last ``rowid`` it counted in ``captures``,
``articles`` and ``fetch_errors`` (watermarks in ``summary_state``); copies are counted from
``copy_index`` (refreshed first) for the source-days its refresh touched. Then each column's
total is checked against its table's ``count(*)``: a table that lost or replaced rows (``archive
reindex``, a rebuilt dedupe) makes the sums disagree, and the whole table is recounted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

# column -> (table counted, grouped SELECT of (source, day, n) for the rows between two rowids)
_SOURCES = {
    "pages": ("captures", "SELECT source, substr(timestamp, 1, 10), count(*) FROM captures "
                          "WHERE rowid > ? AND rowid <= ? GROUP BY 1, 2"),
    "articles": ("articles", "SELECT a.source, substr(coalesce(a.captured, k.timestamp), 1, 10), count(*) "
                             "FROM articles a LEFT JOIN captures k ON k.id = a.capture_id "
                             "WHERE a.rowid > ? AND a.rowid <= ? GROUP BY 1, 2"),
    "errors": ("fetch_errors", "SELECT r.source, substr(e.timestamp, 1, 10), count(*) FROM fetch_errors e "
                               "LEFT JOIN crawls r ON r.id = e.crawl_id WHERE e.rowid > ? AND e.rowid <= ? GROUP BY 1, 2"),
}


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS daily_stats (
            source TEXT NOT NULL,            -- '(none)' when the row has no source
            day TEXT NOT NULL,
            pages INTEGER NOT NULL DEFAULT 0,
            articles INTEGER NOT NULL DEFAULT 0,
            copies INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (source, day)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS daily_stats_day ON daily_stats(day DESC, source);
        CREATE TABLE IF NOT EXISTS summary_state (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        """
    )


@dataclass
class DailyStats:
    rows_counted: int = 0
    recounted: bool = False

    def summary(self) -> str:
        how = "recounted from scratch" if self.recounted else "updated"
        return f"daily stats {how} ({self.rows_counted} new rows counted)"


def _mark(conn: "sqlite3.Connection", name: str) -> int:
    row = conn.execute("SELECT value FROM summary_state WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row else 0


def _add(conn: "sqlite3.Connection", column: str, rows: list[tuple[str | None, str | None, int]]) -> None:
    conn.executemany(
        f"INSERT INTO daily_stats (source, day, {column}) VALUES (?, ?, ?) "
        f"ON CONFLICT(source, day) DO UPDATE SET {column} = {column} + excluded.{column}",
        [(s or "(none)", d or "(no date)", n) for s, d, n in rows])


def _count_new(conn: "sqlite3.Connection") -> int:
    counted = 0
    for column, (table, sql) in _SOURCES.items():
        mark = _mark(conn, f"{table}_rowid")
        top = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        if top <= mark:
            continue
        rows = conn.execute(sql, (mark, top)).fetchall()
        _add(conn, column, rows)
        counted += sum(n for _, _, n in rows)
        conn.execute("INSERT OR REPLACE INTO summary_state (name, value) VALUES (?, ?)", (f"{table}_rowid", top))
    return counted


def _count_copies(conn: "sqlite3.Connection", keys: set[tuple[str | None, str | None]] | None) -> None:
    """Copies per source and day from ``copy_index``: for ``keys`` (what its refresh touched,
    through its index on source and day), or all of them."""
    if keys is None:
        conn.execute("UPDATE daily_stats SET copies = 0")
        rows = conn.execute("SELECT copy_source, substr(copied, 1, 10), count(*) FROM copy_index GROUP BY 1, 2").fetchall()
    else:
        rows = [(src, day, conn.execute("SELECT count(*) FROM copy_index WHERE copy_source IS ? "
                                        "AND substr(copied, 1, 10) IS ?", (src, day)).fetchone()[0])
                for src, day in keys]
    conn.executemany(
        "INSERT INTO daily_stats (source, day, copies) VALUES (?, ?, ?) "
        "ON CONFLICT(source, day) DO UPDATE SET copies = excluded.copies",
        [(s or "(none)", d or "(no date)", n) for s, d, n in rows])


def _consistent(conn: "sqlite3.Connection") -> bool:
    sums = conn.execute("SELECT coalesce(sum(pages), 0), coalesce(sum(articles), 0), coalesce(sum(errors), 0), "
                        "coalesce(sum(copies), 0) FROM daily_stats").fetchone()
    for have, table in zip(sums, [t for t, _ in _SOURCES.values()] + ["copy_index"]):
        if have != conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
            return False
    return True


def refresh(db: "sqlite_utils.Database", copy_keys: set[tuple[str | None, str | None]] | None = None) -> DailyStats:
    """Count what is new; recount everything when a table's total disagrees (see module doc).

    ``copy_keys``: the (source, day) keys whose copies changed (``copies.refresh`` tells them);
    ``None`` counts the copies of every day again."""
    conn = db.conn
    stats = DailyStats()
    with conn:
        stats.rows_counted = _count_new(conn)
        _count_copies(conn, copy_keys)
        if not _consistent(conn):
            conn.execute("DELETE FROM daily_stats")
            conn.execute("DELETE FROM summary_state WHERE name LIKE '%_rowid'")
            stats.rows_counted = _count_new(conn)
            _count_copies(conn, None)
            stats.recounted = True
        conn.execute("DELETE FROM daily_stats WHERE pages = 0 AND articles = 0 AND copies = 0 AND errors = 0")
    return stats
