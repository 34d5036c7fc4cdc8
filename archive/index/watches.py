"""Tables of the watch stage.

``watch_state``       one row per ``[watch.NAME]`` the stage has seen: its spec (publisher,
                      aggregator, phrase, webhook as JSON) and ``since``, when it began to watch
                      (a changed spec starts again: pairs from before it are not "new" to it)
                      and ``checked``, up to when the pairs' first-seen times were considered;
``watch_deliveries``  one row per (watch, pair ``tag``) the stage tried: ``delivered`` or
                      ``failed`` (retried by the next run) or ``pending`` (not tried: an
                      earlier post failed in the same run), attempts, HTTP status, error. A pair
                      is posted only while its row is missing or ``failed``: at most once per
                      pair and watch.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS watch_state (
            name TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            since TEXT NOT NULL,
            checked TEXT                    -- pairs first seen up to here have been considered
        );
        CREATE TABLE IF NOT EXISTS watch_deliveries (
            watch TEXT NOT NULL,
            tag TEXT NOT NULL,              -- copy_index.tag of the pair
            status TEXT NOT NULL,           -- delivered, failed
            attempts INTEGER NOT NULL DEFAULT 0,
            first_attempt TEXT,
            last_attempt TEXT,
            http_status INTEGER,
            error TEXT,
            PRIMARY KEY (watch, tag)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS watch_deliveries_status ON watch_deliveries(watch, status);
        """
    )


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def register(conn: "sqlite3.Connection", name: str, spec: str, now: str) -> str:
    """The watch's ``since``: kept while its spec is unchanged, else (new or changed) ``now``."""
    row = conn.execute("SELECT spec, since FROM watch_state WHERE name = ?", (name,)).fetchone()
    if row and row[0] == spec:
        return str(row[1])
    with conn:
        conn.execute("INSERT OR REPLACE INTO watch_state (name, spec, since, checked) VALUES (?, ?, ?, NULL)",
                     (name, spec, now))
    return now


def checked(conn: "sqlite3.Connection", name: str) -> str | None:
    row = conn.execute("SELECT checked FROM watch_state WHERE name = ?", (name,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def set_checked(conn: "sqlite3.Connection", name: str, at: str) -> None:
    with conn:
        conn.execute("UPDATE watch_state SET checked = ? WHERE name = ?", (at, name))


def retry_tags(conn: "sqlite3.Connection", watch: str) -> list[str]:
    """Pairs whose post failed, or was not tried after another failed, oldest first."""
    return [r[0] for r in conn.execute("SELECT tag FROM watch_deliveries WHERE watch = ? "
                                       "AND status IN ('failed', 'pending') ORDER BY first_attempt, tag", (watch,))]


def since(conn: "sqlite3.Connection", name: str) -> str | None:
    row = conn.execute("SELECT since FROM watch_state WHERE name = ?", (name,)).fetchone()
    return str(row[0]) if row else None


def delivered_tags(conn: "sqlite3.Connection", watch: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT tag FROM watch_deliveries WHERE watch = ? AND status = 'delivered'",
                                       (watch,))}


def record(conn: "sqlite3.Connection", watch: str, tag: str, *, ok: bool, http_status: int | None,
           error: str | None, at: str) -> None:
    with conn:
        conn.execute(
            "INSERT INTO watch_deliveries (watch, tag, status, attempts, first_attempt, last_attempt, http_status, error) "
            "VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT(watch, tag) DO UPDATE SET status = excluded.status, "
            "attempts = attempts + 1, last_attempt = excluded.last_attempt, http_status = excluded.http_status, "
            "error = excluded.error",
            (watch, tag, "delivered" if ok else "failed", at, at, http_status, error))


def record_pending(conn: "sqlite3.Connection", watch: str, tag: str, at: str, error: str) -> None:
    """A pair not tried this run (the webhook failed on an earlier pair): the next run tries it."""
    with conn:
        conn.execute("INSERT INTO watch_deliveries (watch, tag, status, attempts, first_attempt, last_attempt, error) "
                     "VALUES (?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT(watch, tag) DO UPDATE SET "
                     "error = excluded.error", (watch, tag, at, at, error))


def counts(conn: "sqlite3.Connection", watch: str) -> dict[str, Any]:
    """Delivered and failed pairs of one watch, and its last attempt."""
    row = conn.execute("SELECT sum(status = 'delivered'), sum(status = 'failed'), sum(status = 'pending'), "
                       "max(last_attempt) FROM watch_deliveries WHERE watch = ?", (watch,)).fetchone()
    return {"delivered": int(row[0] or 0), "failed": int(row[1] or 0), "pending": int(row[2] or 0),
            "last_attempt": row[3]}
