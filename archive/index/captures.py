"""The ``captures`` table (one row per response or revisit record, and where it lies in its WARC)
and the crawler's ``frontier``: every query the stages make of them.

``captures`` is derived from WARC records alone (``archive reindex`` rebuilds it); ``frontier``
is the crawler's on-disk queue (operational state, not archived; only ``archive/fetch/frontier.py``
reads and writes it). The neighbouring tables have their own owners: ``crawls``
(:mod:`.crawls`), ``fetch_errors`` (:mod:`.fetch_errors`), ``warc_files`` (:mod:`.warc_files`).

Functions take the sqlite-utils database or, where a fetcher holds only a read-only connection
(``archive/fetch/engine.py``), either.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable, Sequence, Union

from ..model import Capture, parse_iso
from ..urls import surt
from . import write_rows
from .crawls import upsert_crawl  # importers of the former home keep working
from .fetch_errors import insert_fetch_errors  # likewise

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

__all__ = ["CAPTURE_COLUMNS", "Db", "ensure_schema", "row_to_capture", "insert_captures", "delete_captures",
           "delete_captures_of_files", "captures_of_url", "previous_capture", "previous_full", "revisit_original",
           "latest_in_crawl", "url_totals", "page_totals", "unchanged_count", "crawl_urls", "group_size",
           "group_urls", "group_gets", "captures_of_source", "captures_in_files", "ids_in_file", "indexed_files",
           "article_pages", "upsert_crawl", "insert_fetch_errors"]

Db = Union["sqlite_utils.Database", "sqlite3.Connection"]
CAPTURE_COLUMNS = [f.name for f in dataclasses.fields(Capture)]
GROUP_COLUMNS = ("crawl_id", "warc_file")  # what a snapshot's WACZ groups captures by


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
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


def _conn(db: Db) -> "sqlite3.Connection":
    conn = getattr(db, "conn", None)
    return conn if conn is not None else db  # type: ignore[return-value]


def row_to_capture(row: dict[str, Any]) -> Capture:
    values: dict[str, Any] = {k: row.get(k) for k in CAPTURE_COLUMNS}
    return Capture(**values)


def _captures(db: Db, where: str, params: Sequence[Any] = ()) -> list[Capture]:
    cur = _conn(db).execute(f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures {where}", list(params))
    return [Capture(*row) for row in cur.fetchall()]


# -- writing ---------------------------------------------------------------------------------

def insert_captures(db: "sqlite_utils.Database", captures: Iterable[Capture], *, replace: bool = True,
                    commit: bool = True) -> int:
    """Insert (or replace, idempotently) capture rows in one transaction.

    ``replace=False`` keeps rows already there (``INSERT OR IGNORE``: index only what is missing);
    ``commit=False`` writes inside the caller's transaction (a crawl's batch with its frontier)."""
    cols = ", ".join(CAPTURE_COLUMNS)
    marks = ", ".join("?" for _ in CAPTURE_COLUMNS)
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    return write_rows(db, f"{verb} INTO captures ({cols}) VALUES ({marks})",
                      [tuple(getattr(c, k) for k in CAPTURE_COLUMNS) for c in captures], commit=commit)


def delete_captures(db: "sqlite_utils.Database", ids: Iterable[str]) -> int:
    return write_rows(db, "DELETE FROM captures WHERE id = ?", [(i,) for i in ids])


def delete_captures_of_files(db: "sqlite_utils.Database", names: Iterable[str]) -> int:
    """Remove every row of the WARC files ``names``; how many went."""
    removed = 0
    with db.conn:
        for n in names:
            removed += db.conn.execute("DELETE FROM captures WHERE warc_file = ?", [n]).rowcount
    return removed


# -- one URL ---------------------------------------------------------------------------------

def captures_of_url(db: Db, url: str, method: str | None = "GET") -> list[Capture]:
    """Every capture of ``url`` (by its SURT key, so equivalent spellings match), oldest first;
    ``method=None``: any method."""
    where, params = "WHERE urlkey = ?", [surt(url)]
    if method is not None:
        where += " AND upper(method) = ?"
        params.append(method.upper())
    return _captures(db, where + " ORDER BY timestamp, id", params)


def previous_capture(db: Db, url: str) -> Capture | None:
    """The URL's last capture that carries a payload (a 304 carries none): what a re-crawl
    compares its payload digest (and sends the validators of) against."""
    found = _captures(db, "WHERE urlkey = ? AND url = ? AND payload_digest IS NOT NULL "
                          "AND (status IS NULL OR status != 304) ORDER BY timestamp DESC LIMIT 1",
                      (surt(url), url))
    return found[0] if found else None


def previous_full(db: Db, capture: Capture) -> Capture | None:
    """For a ``304 Not Modified`` capture (a conditional GET): the latest earlier capture of the
    same URL and method that has content (not itself a 304), or None."""
    found = _captures(db, "WHERE urlkey = ? AND upper(method) = ? AND timestamp <= ? "
                          "AND coalesce(status, 0) != 304 AND id != ? ORDER BY timestamp DESC, id DESC LIMIT 1",
                      (capture.urlkey, capture.method.upper(), capture.timestamp, capture.id))
    return found[0] if found else None


def revisit_original(db: Db, revisit: Capture) -> Capture | None:
    """The response record holding a revisit's payload: one with the same payload digest, the
    referred URL and date preferred, else the revisit's own URL, else any URL (a URL-agnostic
    revisit); an earlier record before a later one. None when no response has that digest."""
    if not revisit.payload_digest:
        return None
    candidates = _captures(db, "WHERE payload_digest = ? AND record_type = 'response'", (revisit.payload_digest,))
    if not candidates:
        return None
    want_key = surt(revisit.refers_to_url or revisit.url)
    when = parse_iso(revisit.timestamp)
    want_date = parse_iso(revisit.refers_to_date) if revisit.refers_to_date else when

    def rank(c: Capture) -> tuple[int, int, float, str]:
        same_key = 0 if c.urlkey == want_key else (1 if c.urlkey == revisit.urlkey else 2)
        at = parse_iso(c.timestamp)
        later = 1 if at > when else 0  # an original normally precedes its revisit
        return (same_key, later, abs((at - want_date).total_seconds()), c.id)

    return min(candidates, key=rank)


# -- one crawl -------------------------------------------------------------------------------

def latest_in_crawl(db: "sqlite_utils.Database", crawl_id: str, url: str) -> Capture | None:
    """The crawl's latest capture of ``url``."""
    found = _captures(db, "WHERE crawl_id = ? AND url = ? ORDER BY timestamp DESC LIMIT 1", (crawl_id, url))
    return found[0] if found else None


def url_totals(db: "sqlite_utils.Database", crawl_id: str, url: str) -> tuple[int, int]:
    """(captures, content bytes) of ``url`` in the crawl."""
    row = db.conn.execute("SELECT count(*), coalesce(sum(content_length), 0) FROM captures "
                          "WHERE crawl_id = ? AND url = ?", (crawl_id, url)).fetchone()
    return int(row[0]), int(row[1])


def page_totals(db: "sqlite_utils.Database", crawl_id: str) -> tuple[int, int]:
    """(pages, content bytes) the crawl captured, robots.txt aside (it is no page)."""
    row = db.conn.execute("SELECT count(*), coalesce(sum(content_length), 0) FROM captures WHERE crawl_id = ? "
                          "AND url NOT LIKE '%/robots.txt'", (crawl_id,)).fetchone()
    return int(row[0]), int(row[1])


def unchanged_count(db: "sqlite_utils.Database", crawl_id: str) -> int:
    """Pages of a crawl stored as revisits (unchanged since the last capture: no payload stored
    again), robots.txt aside: what a re-crawl's report shows beside its page count."""
    (n,) = db.conn.execute("SELECT count(*) FROM captures WHERE crawl_id = ? AND record_type = 'revisit' "
                           "AND url NOT LIKE '%/robots.txt'", (crawl_id,)).fetchone()
    return int(n)


def crawl_urls(db: "sqlite_utils.Database", crawl_id: str) -> list[tuple[str, int | None, str | None]]:
    """(url, depth, via) of every capture of the crawl, in capture order."""
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT url, depth, via FROM captures WHERE crawl_id = ? ORDER BY timestamp", (crawl_id,))]


# -- groups: a crawl or a WARC file ---------------------------------------------------------

def _group_column(column: str) -> str:
    if column not in GROUP_COLUMNS:
        raise ValueError(f"captures are grouped by {' or '.join(GROUP_COLUMNS)}, not {column!r}")
    return column


def group_size(db: Db, column: str, value: str) -> int:
    """Captures of one crawl (``crawl_id``) or one WARC file (``warc_file``)."""
    (n,) = _conn(db).execute(f"SELECT count(*) FROM captures WHERE {_group_column(column)} = ?",
                             [value]).fetchone()
    return int(n)


def group_urls(db: Db, column: str, value: str) -> set[str]:
    return {r[0] for r in _conn(db).execute(f"SELECT DISTINCT url FROM captures WHERE {_group_column(column)} = ?",
                                            [value])}


def group_gets(db: Db, column: str, value: str) -> list[Capture]:
    """The GET captures of one crawl or WARC file."""
    return _captures(db, f"WHERE {_group_column(column)} = ? AND upper(method) = 'GET'", [value])


# -- files and exports -----------------------------------------------------------------------

def captures_of_source(db: Db, source: str | None = None) -> list[Capture]:
    """Every capture, or those of one source."""
    return _captures(db, "WHERE source = ?", [source]) if source else _captures(db, "")


def captures_in_files(db: Db, files: Iterable[str]) -> list[Capture]:
    names = sorted(files)
    return _captures(db, f"WHERE warc_file IN ({','.join('?' * len(names))})", names) if names else []


def ids_in_file(db: Db, name: str) -> set[str]:
    return {r[0] for r in _conn(db).execute("SELECT id FROM captures WHERE warc_file = ?", [name])}


def indexed_files(db: Db) -> list[str]:
    """Every WARC file some capture row names."""
    return [r[0] for r in _conn(db).execute("SELECT DISTINCT warc_file FROM captures")]


def article_pages(db: Db, source: str | None = None) -> list[dict[str, Any]]:
    """The article rows of captured pages for an export's page list (``id``, ``url``, ``title``,
    ``capture_id``, ``ts``: the capture time, ``source``), oldest first; [] before extraction
    ever ran. Reads ``articles`` (owned by :mod:`.articles`) joined to the captures."""
    conn = _conn(db)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'").fetchone() is None:
        return []
    cur = conn.execute("SELECT a.id, a.url, a.title, a.capture_id, coalesce(a.captured, c.timestamp) AS ts, "
                       "a.source FROM articles a JOIN captures c ON c.id = a.capture_id "
                       + ("WHERE a.source = ? " if source else "") + "ORDER BY ts, a.id",
                       [source] if source else [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
