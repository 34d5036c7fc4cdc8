"""What the extract stage reads and writes: the captures it has not handled yet, the crawls'
recorded rules, and the rows it adds (``articles``, ``digest_items``) beside its own ledger
(``extract_done``, ``extract_errors``). The tables themselves are :mod:`.articles`' and
:mod:`.captures`'.

"Not handled yet" is one rule, used by ``archive extract`` and the scheduled flows alike: a
``response`` capture with a 2xx status and an HTML type that is neither in the ledger, nor an
article, nor a recorded error. A chosen subset of captures goes through a temporary table, so
any number of ids fits (no SQL variable limit).
"""
from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..model import Article, DigestItem

if TYPE_CHECKING:
    import sqlite3

ARTICLE_COLUMNS = [f.name for f in fields(Article) if f.name != "id"] + ["charset", "notes"]
_PENDING = """
FROM captures c
WHERE c.record_type = 'response' AND c.status BETWEEN 200 AND 299
  AND (lower(c.mime) LIKE 'text/html%' OR lower(c.mime) LIKE 'application/xhtml+xml%')
  AND NOT EXISTS (SELECT 1 FROM extract_done d WHERE d.capture_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.capture_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM extract_errors e WHERE e.capture_id = c.id)
"""
_WANTED = " AND c.id IN (SELECT id FROM temp.extract_want)"
PendingRow = tuple[int, str, str, str, "str | None", "str | None", str, int, "str | None"]


def _want(conn: "sqlite3.Connection", capture_ids: Sequence[str] | None) -> str:
    """Hold ``capture_ids`` in a temporary table; the SQL condition that selects them ("" for all)."""
    if capture_ids is None:
        return ""
    with conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS extract_want (id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.extract_want")
        conn.executemany("INSERT OR IGNORE INTO temp.extract_want (id) VALUES (?)", [(i,) for i in capture_ids])
    return _WANTED


def count_pending(conn: "sqlite3.Connection", capture_ids: Sequence[str] | None = None) -> int:
    """Captures not handled yet (of ``capture_ids`` when given)."""
    return int(conn.execute("SELECT count(*) " + _PENDING + _want(conn, capture_ids)).fetchone()[0])


def iter_pending(conn: "sqlite3.Connection", capture_ids: Sequence[str] | None, chunk: int) -> Iterable[PendingRow]:
    """Captures not handled yet, in index order, read ``chunk`` rows at a time: (rowid, id, url,
    timestamp, source, crawl_id, warc_file, warc_offset, truncated)."""
    sql = ("SELECT c.rowid, c.id, c.url, c.timestamp, c.source, c.crawl_id, c.warc_file, c.warc_offset, "
           "c.truncated " + _PENDING + _want(conn, capture_ids) + " AND c.rowid > ? ORDER BY c.rowid LIMIT ?")
    last = -1
    while True:
        rows = conn.execute(sql, [last, chunk]).fetchall()
        if not rows:
            return
        for row in rows:
            last = row[0]
            yield row


def pending_capture_ids(conn: "sqlite3.Connection", crawl_id: str, source: str) -> list[str]:
    """Captures not handled yet of one crawl, or of its source (left by an earlier cut-off run),
    in WARC order."""
    rows = conn.execute(f"SELECT c.id {_PENDING} AND (c.crawl_id = ? OR c.source = ?) "
                        "ORDER BY c.warc_file, c.warc_offset", (crawl_id, source)).fetchall()
    return [str(r[0]) for r in rows]


def crawls_with_rules(conn: "sqlite3.Connection") -> list[tuple[str, str | None, str, str | None]]:
    """(crawl id, source, rules name, seeds as JSON) of every crawl that recorded rules."""
    return conn.execute("SELECT id, source, rules, seeds FROM crawls WHERE rules IS NOT NULL").fetchall()


def add_article(conn: "sqlite3.Connection", row: dict[str, Any]) -> None:
    """One article (``row``: :data:`ARTICLE_COLUMNS`); a capture already extracted keeps its row."""
    cols = ", ".join(ARTICLE_COLUMNS)
    marks = ", ".join("?" for _ in ARTICLE_COLUMNS)
    conn.execute(f"INSERT OR IGNORE INTO articles ({cols}) VALUES ({marks})", [row[c] for c in ARTICLE_COLUMNS])


def add_digest_items(conn: "sqlite3.Connection", capture_id: str, items: Iterable[DigestItem]) -> None:
    """The items of one digest page (a page already stored keeps its items)."""
    conn.executemany(
        "INSERT OR IGNORE INTO digest_items (digest_url, capture_id, position, publisher, "
        "headline, summary, link) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i.digest_url, capture_id, i.position, i.publisher, i.headline, i.summary, i.link) for i in items])


def record_error(conn: "sqlite3.Connection", capture_id: str, url: str, at: str, error: str) -> None:
    conn.execute("INSERT OR REPLACE INTO extract_errors (capture_id, url, timestamp, error) "
                 "VALUES (?, ?, ?, ?)", (capture_id, url, at, error))


def mark_done(conn: "sqlite3.Connection", capture_id: str, outcome: str, rules: str | None,
              detail: str | None, at: str) -> None:
    """The ledger row that makes a rerun skip this capture (outcome: article, digest, skipped, error)."""
    conn.execute("INSERT OR REPLACE INTO extract_done (capture_id, outcome, rules, detail, at) "
                 "VALUES (?, ?, ?, ?, ?)", (capture_id, outcome, rules, detail, at))


def forget_errors(conn: "sqlite3.Connection", capture_ids: Sequence[str] | None = None) -> int:
    """Drop recorded errors (all, or those of ``capture_ids``) and their ledger rows, so the next
    run retries them. Returns how many."""
    where = " WHERE capture_id IN (SELECT id FROM temp.extract_want)" if _want(conn, capture_ids) else ""
    with conn:
        ids = [r[0] for r in conn.execute("SELECT capture_id FROM extract_errors" + where)]
        conn.executemany("DELETE FROM extract_errors WHERE capture_id = ?", [(i,) for i in ids])
        conn.executemany("DELETE FROM extract_done WHERE capture_id = ? AND outcome = 'error'", [(i,) for i in ids])
    return len(ids)
