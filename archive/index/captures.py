"""Tables of the capture stage: ``crawls``, ``captures``, ``fetch_errors``, ``frontier``.

``captures`` and ``fetch_errors`` are derived from WARC records alone (``archive reindex``
rebuilds them); ``frontier`` is the crawler's on-disk queue (operational state, not archived).
"""
from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, Iterable

from ..model import Capture, CrawlStats, FetchFailure

if TYPE_CHECKING:
    import sqlite_utils

CAPTURE_COLUMNS = [f.name for f in dataclasses.fields(Capture)]


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
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
        );
        CREATE TABLE IF NOT EXISTS captures (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            urlkey TEXT NOT NULL,
            method TEXT NOT NULL DEFAULT 'GET',
            timestamp TEXT NOT NULL,
            status INTEGER,
            mime TEXT,
            payload_digest TEXT,
            record_type TEXT NOT NULL,
            warc_file TEXT NOT NULL,
            warc_offset INTEGER NOT NULL,
            warc_length INTEGER NOT NULL,
            source TEXT,
            crawl_id TEXT,
            refers_to_url TEXT,
            refers_to_date TEXT,
            etag TEXT,
            last_modified TEXT,
            content_length INTEGER,
            truncated TEXT,
            ip TEXT,
            request_offset INTEGER,
            request_length INTEGER,
            depth INTEGER,
            via TEXT
        );
        CREATE INDEX IF NOT EXISTS captures_urlkey ON captures(urlkey, timestamp);
        CREATE INDEX IF NOT EXISTS captures_crawl ON captures(crawl_id);
        CREATE INDEX IF NOT EXISTS captures_digest ON captures(payload_digest);
        CREATE INDEX IF NOT EXISTS captures_file ON captures(warc_file, warc_offset);
        -- the captures table page sorts by time (1M captures: a sort of every row without it)
        CREATE INDEX IF NOT EXISTS captures_timestamp ON captures(timestamp);
        CREATE TABLE IF NOT EXISTS fetch_errors (
            crawl_id TEXT,
            url TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            error TEXT NOT NULL,
            detail TEXT,
            PRIMARY KEY (crawl_id, url, timestamp)
        );
        CREATE TABLE IF NOT EXISTS frontier (
            source TEXT NOT NULL,
            crawl_id TEXT NOT NULL,
            url TEXT NOT NULL,
            depth INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',
            via TEXT,
            kind TEXT,
            PRIMARY KEY (crawl_id, url)
        );
        CREATE INDEX IF NOT EXISTS frontier_state ON frontier(crawl_id, state);
        """
    )


def insert_captures(db: "sqlite_utils.Database", captures: Iterable[Capture], *, replace: bool = True) -> int:
    """Insert (or replace, idempotently) capture rows in one transaction.

    ``replace=False`` keeps rows already there (``INSERT OR IGNORE``: index only what is missing)."""
    rows = [dataclasses.asdict(c) for c in captures]
    if not rows:
        return 0
    cols = ", ".join(CAPTURE_COLUMNS)
    marks = ", ".join("?" for _ in CAPTURE_COLUMNS)
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    with db.conn:
        db.conn.executemany(f"{verb} INTO captures ({cols}) VALUES ({marks})",
                            [tuple(r[c] for c in CAPTURE_COLUMNS) for r in rows])
    return len(rows)


def insert_fetch_errors(db: "sqlite_utils.Database", failures: Iterable[FetchFailure], *,
                        replace: bool = True) -> int:
    rows = [(f.crawl_id, f.url, f.timestamp, f.error, f.detail) for f in failures]
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    if rows:
        with db.conn:
            db.conn.executemany(f"{verb} INTO fetch_errors (crawl_id, url, timestamp, error, detail) "
                                "VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def upsert_crawl(db: "sqlite_utils.Database", crawl: CrawlStats) -> None:
    with db.conn:
        db.conn.execute(
            "INSERT INTO crawls (id, source, started, finished, pages, bytes, errors, rules, seeds) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "finished=excluded.finished, pages=excluded.pages, bytes=excluded.bytes, "
            "errors=excluded.errors, rules=coalesce(excluded.rules, crawls.rules), "
            "seeds=coalesce(excluded.seeds, crawls.seeds)",
            (crawl.id, crawl.source, crawl.started, crawl.finished, crawl.pages, crawl.bytes,
             crawl.errors, crawl.rules, json.dumps(crawl.seeds) if crawl.seeds else None),
        )


def unchanged_count(db: "sqlite_utils.Database", crawl_id: str) -> int:
    """Pages of a crawl stored as revisits (unchanged since the last capture: no payload stored
    again), robots.txt aside: what a re-crawl's report shows beside its page count."""
    (n,) = db.conn.execute("SELECT count(*) FROM captures WHERE crawl_id = ? AND record_type = 'revisit' "
                           "AND url NOT LIKE '%/robots.txt'", (crawl_id,)).fetchone()
    return int(n)


def row_to_capture(row: dict[str, Any]) -> Capture:
    values: dict[str, Any] = {k: row.get(k) for k in CAPTURE_COLUMNS}
    return Capture(**values)
