"""The archive database read from a test: one read-only query, the connection closed after it."""
from __future__ import annotations

from pathlib import Path


def query(where: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of one read-only query on the archive database: ``where`` is a data directory or the
    ``.db`` file itself; ``[]`` while the database does not exist yet. The connection is closed."""
    import sqlite3

    path = where / "archive.db" if where.is_dir() else where
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
