"""Import WARC files written by other tools (wget, wpull, Heritrix, pywb, browsertrix …).

Decision: an imported file is **copied** byte for byte into ``DATA/warcs/`` (never linked or
referenced in place). The archive stays self-contained — ``archive reindex``, replay and
``export-wacz`` only ever read ``DATA/warcs`` — and a later change or deletion of the outside
file cannot break it. The copy keeps the file's own name (made safe); a different file with
the same name gets a ``-<sha8>`` suffix. A file whose content (sha256) was imported before is not
copied again; its rows are re-indexed idempotently. The ``imports`` table records each file.

Records are read with the archive's own reader (:mod:`archive.warc.reader`), which checks that
each record is complete. A broken file (cut, bad gzip member, wrong lengths) keeps every good
record in the index — before the break and, after a damaged record in the middle (bad header,
corrupt gzip member), every good record after it (the reader resynchronises on the next record
that reads cleanly); each break and bad digest is reported with the file and the offset, each
damaged span is a ``warc_damage`` row. The whole file is still copied, so nothing is lost. Rows
are what ``archive reindex`` would derive from the copy (other tools' files name no source or
crawl); HTML captures are then picked up by ``archive extract`` and ``archive dedupe`` like
crawled ones.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .errors import InputError, WarcError
from .model import iso, utcnow

if TYPE_CHECKING:
    import sqlite_utils

    from .config import Config

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class ImportProblem:
    """A part of a file that could not be indexed (or a record whose digest is wrong)."""

    file: str
    offset: int | None
    message: str

    def __str__(self) -> str:
        at = f" at offset {self.offset}" if self.offset is not None else ""
        return f"{self.file}{at}: {self.message}"


@dataclass
class ImportStats:
    files: int = 0
    copied: int = 0           # files copied into DATA/warcs
    already: int = 0          # files whose content had been imported before
    records: int = 0          # WARC records read
    captures: int = 0         # response/revisit rows indexed
    fetch_errors: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # names under DATA/warcs, one per file kept
    rejected: list[str] = field(default_factory=list)  # files that held no WARC record at all

    def summary(self) -> str:
        return (f"imported {self.files} files ({self.copied} copied, {self.already} already in the "
                f"archive): {self.records} records, {self.captures} captures, "
                f"{len(self.problems)} problems")


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS imports (
            sha256 TEXT PRIMARY KEY,
            warc_file TEXT NOT NULL,
            original_path TEXT NOT NULL,
            imported TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            records INTEGER NOT NULL,
            captures INTEGER NOT NULL,
            problems TEXT
        );
        """
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _split_ext(name: str) -> tuple[str, str]:
    lower = name.lower()
    for ext in (".warc.gz", ".warc"):
        if lower.endswith(ext):
            return name[: -len(ext)], ext
    return name, ".warc.gz" if lower.endswith(".gz") else ".warc"


def _safe_name(name: str, suffix: str = "") -> str:
    stem, ext = _split_ext(name)
    stem = _SAFE_NAME.sub("_", stem).strip("._") or "imported"
    return f"{stem}{suffix}{ext}"


def _place(warcs: Path, src: Path, digest: str) -> tuple[str, bool]:
    """Copy ``src`` into ``warcs`` (atomically: temp name, then rename); returns the name and
    whether a copy was made (False when an identical file is already there)."""
    name = _safe_name(src.name)
    target = warcs / name
    if target.exists():
        if _sha256(target) == digest:
            return name, False
        name = _safe_name(src.name, f"-{digest[:8]}")
        target = warcs / name
        if target.exists() and _sha256(target) == digest:
            return name, False
    tmp = warcs / f".{name}.importing"
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return name, True


def import_warcs(data_dir: Path, files: Iterable[Path | str], config: "Config | None" = None,
                 progress: Callable[[str, ImportStats], Any] | None = None) -> ImportStats:
    """Copy each WARC into ``DATA/warcs`` and index its captures; see the module docstring.

    Rows are exactly what ``archive reindex`` derives from the copied file (source and crawl id
    from its warcinfo, empty for other tools' files), and the file is registered in
    ``warc_files`` so later runs do not read it again. Raises :class:`InputError` naming a file
    that does not exist; problems inside files are reported in ``ImportStats.problems`` (file
    and offset), not raised. ``config`` is accepted like the other stages' (imports need none).
    """
    from .index import open_db

    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such WARC file")
    warcs = Path(data_dir) / "warcs"
    warcs.mkdir(parents=True, exist_ok=True)
    db = open_db(Path(data_dir))
    ensure_schema(db)
    stats = ImportStats()
    try:
        for src in paths:
            _import_one(db, warcs, src, stats, progress)
    finally:
        db.conn.close()
    return stats


def _import_one(db: "sqlite_utils.Database", warcs: Path, src: Path, stats: ImportStats,
                progress: Callable[[str, ImportStats], Any] | None) -> None:
    """Copy one file in and index it (a file holding no WARC record at all is taken out again)."""
    from .index.rebuild import index_rows
    from .index.warc_files import file_problem, record_damage, register_warc_file

    digest = _sha256(src)
    name, copied = _place(warcs, src, digest)
    stats.files += 1
    stats.copied += copied
    stats.already += not copied
    path = warcs / name
    rows = index_rows(db, path, name, replace=True,
                      on_batch=(lambda: progress(str(src), stats)) if progress else None)
    reader = rows.reader
    if reader.records == 0 and reader.broken is not None:
        # not a WARC at all: keep DATA/warcs clean (the outside file is untouched)
        if copied:
            path.unlink()
            stats.copied -= 1
        stats.rejected.append(str(src))
        stats.problems.append(ImportProblem(str(src), reader.broken.offset,
                                            f"not imported: {_message(reader.broken)}"))
        return
    stats.names.append(name)
    stats.fetch_errors += len(rows.failures)
    stats.records += reader.records
    stats.captures += rows.captures
    problems = [ImportProblem(str(src), p.offset, _message(p)) for p in reader.problems]
    stats.problems += problems
    size = path.stat().st_size
    register_warc_file(db, name, size=size, records=reader.records, captures=rows.captures,
                       failures=len(rows.failures), problem=file_problem(reader.breaks))
    with db.conn:
        db.conn.execute(
            "INSERT OR REPLACE INTO imports (sha256, warc_file, original_path, imported, bytes, "
            "records, captures, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (digest, name, str(src.resolve()), iso(utcnow()), size, reader.records, rows.captures,
             "\n".join(str(p) for p in problems) or None))
    record_damage(db, name, reader.damaged)
    if progress:
        progress(str(src), stats)


def _message(err: WarcError) -> str:
    text = str(err)
    prefix = f"{err.path}" + (f" at offset {err.offset}" if err.offset is not None else "") + ": "
    return text[len(prefix):] if text.startswith(prefix) else text
