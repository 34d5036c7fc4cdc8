"""Where the interop programs live (pywb, cdxj-indexer, wacz: the second venv)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def tool(name: str) -> str:
    """Absolute path of an interop command from ``.venv-tools`` (or $ARCHIVE_TOOLS_BIN)."""
    for base in (os.environ.get("ARCHIVE_TOOLS_BIN"), str(ROOT / ".venv-tools" / "bin")):
        if base and (Path(base) / name).exists():
            return str(Path(base) / name)
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"interop tool {name!r} not found: run 'make tools'")


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


def write_sources(path: Path, sources: dict[str, dict[str, object]], **settings: object) -> Path:
    """Write a sources file: ``[settings]`` from ``settings``, one ``[sources.NAME]`` table per
    entry (values as JSON literals, which TOML reads the same for strings, numbers, booleans and
    lists)."""
    import json

    lines = ["[settings]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    for name, fields in sources.items():
        lines.append(f"\n[sources.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    path.write_text("\n".join(lines) + "\n")
    return path
