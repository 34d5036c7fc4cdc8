"""Which WARC files the index has read: ``warc_files``, ``warc_damage`` and ``warc_store_files``.

- ``warc_files``: one row per file read (name under ``DATA/warcs``, size, records, captures,
  failures, the breaks met as ``problem``, when). A crawl registers the files it closed once all
  their captures are indexed; reindex and import register each file they read. A file whose
  name and size are here is not read again at the next start.
- ``warc_damage``: the damaged spans met in a file (offset, length, reason, where reading resumed).
- ``warc_store_files``: which local file came from which shared store URL, with its SHA-256.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

from ..model import iso, utcnow
from . import write_rows

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["ensure_schema", "register_warc_file", "register_closed_files", "indexed_sizes", "forget_warc_files",
           "record_damage", "damaged_files", "forget_damage", "file_problem", "record_pulled_file"]


class _Span(Protocol):
    offset: int
    length: int
    reason: str
    resumed_at: int | None


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS warc_files (name TEXT PRIMARY KEY, size INTEGER NOT NULL, "
        "records INTEGER NOT NULL, captures INTEGER NOT NULL, failures INTEGER NOT NULL, "
        "problem TEXT, indexed TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS warc_damage (warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, "
        "length INTEGER NOT NULL, reason TEXT NOT NULL, resumed_at INTEGER, found TEXT NOT NULL, "
        "PRIMARY KEY (warc_file, warc_offset))")
    db.execute("CREATE TABLE IF NOT EXISTS warc_store_files (name TEXT PRIMARY KEY, store_url TEXT NOT NULL, "
               "size INTEGER NOT NULL, sha256 TEXT NOT NULL, fetched TEXT NOT NULL)")


_REGISTER = ("INSERT OR REPLACE INTO warc_files (name, size, records, captures, failures, problem, indexed) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")


def register_warc_file(db: "sqlite_utils.Database", name: str, *, size: int, records: int, captures: int,
                       failures: int, problem: str | None) -> None:
    """Record that the index holds every row of WARC file ``name`` (as named in ``captures``)."""
    with db.conn:
        db.conn.execute(_REGISTER, (name, size, records, captures, failures, problem, iso(utcnow())))


def register_closed_files(db: "sqlite_utils.Database", closed: Sequence[Any]) -> None:
    """Register the files a crawl's writers closed (``writer.ClosedFile``: name, size, records,
    captures, failures) once all their captures are indexed."""
    if not closed:
        return
    now = iso(utcnow())
    write_rows(db, _REGISTER, [(c.name, c.size, c.records, c.captures, c.failures, None, now) for c in closed])


def indexed_sizes(db: "sqlite_utils.Database") -> dict[str, int]:
    """File name → size of every registered file."""
    return {str(r[0]): int(r[1]) for r in db.conn.execute("SELECT name, size FROM warc_files")}


def forget_warc_files(db: "sqlite_utils.Database", names: Iterable[str]) -> None:
    write_rows(db, "DELETE FROM warc_files WHERE name = ?", [(n,) for n in names])


def record_damage(db: "sqlite_utils.Database", name: str, spans: Iterable[_Span]) -> None:
    """Replace the ``warc_damage`` rows of file ``name`` with ``spans`` (none: it read cleanly)."""
    now = iso(utcnow())
    with db.conn:
        db.conn.execute("DELETE FROM warc_damage WHERE warc_file = ?", [name])
        db.conn.executemany(
            "INSERT OR REPLACE INTO warc_damage (warc_file, warc_offset, length, reason, resumed_at, found) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(name, s.offset, s.length, s.reason, s.resumed_at, now) for s in spans])


def damaged_files(db: "sqlite_utils.Database") -> list[str]:
    return [str(n) for (n,) in db.conn.execute("SELECT DISTINCT warc_file FROM warc_damage")]


def forget_damage(db: "sqlite_utils.Database", names: Iterable[str]) -> None:
    write_rows(db, "DELETE FROM warc_damage WHERE warc_file = ?", [(n,) for n in names])


def file_problem(breaks: Iterable[object]) -> str | None:
    """The ``warc_files.problem`` text: every break of the file, one a line (None: none)."""
    return "\n".join(str(b) for b in breaks) or None


def record_pulled_file(db: "sqlite_utils.Database", name: str, store_url: str, size: int, sha256: str) -> None:
    with db.conn:
        db.conn.execute("INSERT OR REPLACE INTO warc_store_files (name, store_url, size, sha256, fetched) "
                        "VALUES (?, ?, ?, ?, ?)", (name, store_url, size, sha256, iso(utcnow())))
