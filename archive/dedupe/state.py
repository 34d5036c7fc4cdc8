"""The dedupe stage's private state, as named reads and writes: ``dedupe_state`` (one row per
processed article: its role — ``rep``, the first capture of its URL, or ``version`` — URL key,
attributed original's URL key, normalised-text hash, token and key counts) and
``dedupe_params`` (the hashing parameters the stored keys were made with). Their schema is in
:mod:`archive.index.syndication` with the stage's other tables; nothing outside dedupe reads
them. Each read takes its values in slices of 900 (SQLite's host-parameter limit)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .candidates import chunked

if TYPE_CHECKING:
    import sqlite3


def _in_list(conn: "sqlite3.Connection", sql: str, values: Sequence[Any]) -> list[tuple]:
    out: list[tuple] = []
    for chunk in chunked(list(values)):
        out.extend(conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall())
    return out


def started(conn: "sqlite3.Connection") -> bool:
    """Whether any article was processed (False on a fresh or rebuilt state)."""
    (found,) = conn.execute("SELECT EXISTS (SELECT 1 FROM dedupe_state)").fetchone()
    return bool(found)


def rep_url_keys(conn: "sqlite3.Connection", url_keys: Sequence[str]) -> set[str]:
    """Which of ``url_keys`` already have a stored representative."""
    return {k for (k,) in _in_list(conn, "SELECT url_key FROM dedupe_state WHERE role = 'rep' "
                                         "AND url_key IN ({marks})", url_keys)}


def reps_with_hash(conn: "sqlite3.Connection", hashes: Sequence[str]) -> list[tuple[int, str]]:
    """(article, hash) of the stored representatives with a non-empty text of one of ``hashes``."""
    return [(int(a), h) for a, h in _in_list(
        conn, "SELECT article_id, norm_hash FROM dedupe_state WHERE role = 'rep' "
              "AND tokens > 0 AND norm_hash IN ({marks})", hashes)]


def reps_at(conn: "sqlite3.Connection", url_keys: Sequence[str]) -> list[tuple[int, str]]:
    """(article, URL key) of the stored representatives of ``url_keys``."""
    return [(int(a), k) for a, k in _in_list(
        conn, "SELECT article_id, url_key FROM dedupe_state WHERE role = 'rep' "
              "AND url_key IN ({marks})", url_keys)]


def reps_naming(conn: "sqlite3.Connection", url_keys: Sequence[str]) -> list[tuple[int, str]]:
    """(article, original's URL key) of the stored representatives attributed to one of
    ``url_keys``."""
    return [(int(a), k) for a, k in _in_list(
        conn, "SELECT article_id, original_key FROM dedupe_state WHERE role = 'rep' "
              "AND original_key IN ({marks})", url_keys)]


def text_hashes(conn: "sqlite3.Connection", ids: Sequence[int]) -> list[tuple[int, str]]:
    """(article, normalised-text hash) of processed articles."""
    return [(int(a), h) for a, h in _in_list(
        conn, "SELECT article_id, norm_hash FROM dedupe_state WHERE article_id IN ({marks})", ids)]


def keys_with_versions(conn: "sqlite3.Connection", url_keys: Sequence[str]) -> list[str]:
    """Which of ``url_keys`` have more than one processed capture."""
    return [k for k, _ in _in_list(conn, "SELECT url_key, COUNT(*) FROM dedupe_state WHERE url_key IN "
                                         "({marks}) GROUP BY url_key HAVING COUNT(*) > 1", url_keys)]


def add_articles(conn: "sqlite3.Connection", rows: Iterable[tuple]) -> None:
    """Record processed articles: (article, URL key, original's URL key, hash, tokens, role,
    keys) rows. Runs inside the caller's transaction."""
    conn.executemany("INSERT OR REPLACE INTO dedupe_state (article_id, url_key, original_key, "
                     "norm_hash, tokens, role, keys) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def stored_params(conn: "sqlite3.Connection") -> dict[str, str]:
    return dict(conn.execute("SELECT name, value FROM dedupe_params").fetchall())


def store_params(conn: "sqlite3.Connection", params: dict[str, str]) -> None:
    """Record the hashing parameters (a fresh state). Runs inside the caller's transaction."""
    conn.executemany("INSERT INTO dedupe_params (name, value) VALUES (?, ?)", params.items())
