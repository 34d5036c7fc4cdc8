"""The SQLite index (through sqlite-utils): one database, ``DATA/archive.db``.

The WARCs are the truth; this database is an index of them plus the later stages' results.
One writer at a time: WAL mode, a busy timeout, writes batched in transactions. Each table
has one owner module here, with its ``ensure_schema(db)`` (:func:`open_db` runs them all) and
the named functions every stage reads and writes it through:

- ``captures`` (and the crawler's private ``frontier``): :mod:`.captures`;
- ``crawls``: :mod:`.crawls`; ``fetch_errors``: :mod:`.fetch_errors`;
- ``warc_files``, ``warc_damage``, ``warc_store_files``: :mod:`.warc_files`;
- ``articles``, ``digest_items``, ``extract_errors``, ``extract_done``: :mod:`.articles`;
- ``syndication`` and the dedupe tables: :mod:`.syndication`; the summaries: :mod:`.copies`,
  :mod:`.daily`, :mod:`.recent`; watches: :mod:`.watches`.

Rebuilding the capture tables from the WARC files alone is :mod:`.rebuild`'s (it reads the
files through :mod:`archive.warc.reader`).

A writer that finds the database locked by another process waits ``busy_timeout()`` seconds
(``ARCHIVE_DB_TIMEOUT``, default 30) and then fails with :class:`IndexError_` naming the file
(see :func:`describe_sqlite_error`; the CLI turns a stray ``sqlite3.OperationalError`` raised
later by a stage into the same one-line message).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..errors import IndexError_, InputError

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["DB_NAME", "SCHEMA_MODULES", "db_path", "busy_timeout", "describe_sqlite_error", "connect", "open_db",
           "write_rows"]

DB_NAME = "archive.db"
# Table groups, in dependency order; each module has ensure_schema(db).
SCHEMA_MODULES = ("captures", "crawls", "fetch_errors", "warc_files", "articles", "syndication", "copies",
                  "daily", "watches", "recent")
TIMEOUT_ENV = "ARCHIVE_DB_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
# The database most recently opened in this process: named by error messages that only have
# an sqlite3 exception in hand.
last_opened: Path | None = None


def db_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_NAME


def busy_timeout() -> float:
    """Seconds a writer waits for a lock held by another process: ``$ARCHIVE_DB_TIMEOUT``
    (a number >= 0) or 30."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise InputError(f"{TIMEOUT_ENV}={raw!r}: must be a number of seconds >= 0")
    return value


def describe_sqlite_error(exc: BaseException, path: Path | str | None = None,
                          timeout: float | None = None) -> str:
    """One line for an sqlite3 error, naming the database file."""
    where = str(path or last_opened or DB_NAME)
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        waited = f" (waited {timeout:g} s)" if timeout is not None else ""
        return (f"{where}: the archive database is locked by another process{waited}; "
                f"nothing was changed by this step, run it again when the lock is released")
    if "full" in low:
        return f"{where}: no space left to write the archive database ({text})"
    return f"{where}: archive database error ({text})"


def connect(path: Path, *, readonly: bool = False, timeout: float | None = None) -> sqlite3.Connection:
    """A connection in WAL mode with a busy timeout (readers never block the writer)."""
    global last_opened
    if timeout is None:
        timeout = busy_timeout()
    try:
        if readonly:
            if not Path(path).exists():
                raise IndexError_(f"{path}: no archive database here (run a crawl first)")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout,
                                   check_same_thread=False)
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys=OFF")
    except sqlite3.DatabaseError as exc:
        raise IndexError_(describe_sqlite_error(exc, path, timeout)
                          if _is_lock_or_full(exc) else
                          f"{path}: cannot open the archive database ({exc})") from None
    last_opened = Path(path)
    return conn


def _is_lock_or_full(exc: BaseException) -> bool:
    low = str(exc).lower()
    return "locked" in low or "busy" in low or "full" in low


def open_db(data_dir: Path, *, readonly: bool = False, ensure: bool = True) -> "sqlite_utils.Database":
    """Open ``DATA/archive.db`` (created if missing) with every table group's schema."""
    import importlib

    import sqlite_utils

    path = db_path(data_dir)
    timeout = busy_timeout()
    db = sqlite_utils.Database(connect(path, readonly=readonly, timeout=timeout))
    if ensure and not readonly:
        try:
            for name in SCHEMA_MODULES:
                importlib.import_module(f"{__name__}.{name}").ensure_schema(db)
        except sqlite3.OperationalError as exc:
            db.conn.close()
            if _is_lock_or_full(exc):
                raise IndexError_(describe_sqlite_error(exc, path, timeout)) from None
            raise IndexError_(f"{path}: cannot prepare the archive database ({exc})") from None
    return db


def write_rows(db: "sqlite_utils.Database", sql: str, rows: Iterable[Sequence[Any]], *,
               commit: bool = True) -> int:
    """Run ``sql`` over ``rows`` in one transaction, or (``commit=False``) inside the caller's
    (a crawl's batch: captures, fetch errors and frontier rows commit together); how many."""
    rows = list(rows)
    if not rows:
        return 0
    if commit:
        with db.conn:
            db.conn.executemany(sql, rows)
    else:
        db.conn.executemany(sql, rows)
    return len(rows)
