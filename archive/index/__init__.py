"""The SQLite index (through sqlite-utils): one database, ``DATA/archive.db``.

The WARCs are the truth; this database is an index of them plus the later stages' results.
One writer at a time: WAL mode, a busy timeout, writes batched in transactions. Each table
group has its own module with an ``ensure_schema(db)``; :func:`open_db` runs them all.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IndexError_

if TYPE_CHECKING:
    import sqlite_utils

DB_NAME = "archive.db"
# Table groups, in dependency order; each module has ensure_schema(db).
SCHEMA_MODULES = ("captures", "articles", "syndication")


def db_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_NAME


def connect(path: Path, *, readonly: bool = False, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection in WAL mode with a busy timeout (readers never block the writer)."""
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
        raise IndexError_(f"{path}: cannot open the archive database ({exc})") from None
    return conn


def open_db(data_dir: Path, *, readonly: bool = False, ensure: bool = True) -> "sqlite_utils.Database":
    """Open ``DATA/archive.db`` (created if missing) with every table group's schema."""
    import importlib

    import sqlite_utils

    path = db_path(data_dir)
    db = sqlite_utils.Database(connect(path, readonly=readonly))
    if ensure and not readonly:
        try:
            for name in SCHEMA_MODULES:
                importlib.import_module(f"{__name__}.{name}").ensure_schema(db)
        except sqlite3.OperationalError as exc:
            raise IndexError_(f"{path}: cannot prepare the archive database ({exc})") from None
    return db
