"""Rebuilding the capture index (``captures``, ``fetch_errors``, ``crawls``) from WARC files alone.

- :func:`reindex` recovers ``.open`` files, then reads every WARC in ``DATA/warcs`` (or the
  ``files`` given) and upserts its rows in batched transactions. A full reindex also removes rows
  the WARCs no longer support (captures of a file that lacks them or of a missing file,
  fetch errors no WARC records). Rows equal what the crawl inserted: every field of ``Capture``
  and ``FetchFailure`` is derived from the records (see :mod:`archive.warc.writer`).
- :func:`index_new_files` (after recovery, at the start of a run) indexes only what the index
  lacks: files not yet listed in ``warc_files`` (or whose size changed), with ``INSERT OR IGNORE``.

Files are read with the reader's ``resync``: after a damaged record (a bad header, a corrupt gzip
member) the good records later in the file are indexed too, with their true offsets; each damaged
span is a ``warc_damage`` row (file, offset, length, reason, where reading resumed), and the
file's breaks are its ``warc_files.problem``. ``.open`` files are recovered first, by recovery's
own rule (cut back to the last complete record).

``crawls`` rows come from our ``crawl-end`` metadata records; a crawl that never ended (killed)
gets a row from its files' ``warcinfo`` (source, crawl id; ``started`` from the info field
``crawl-started`` or ``started`` if the writer was given one, else the earliest warcinfo date;
``rules`` and ``seeds`` (a JSON list) from those info fields) with ``pages``/``bytes``/``errors``
counted from its records, unless a row already exists.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import WarcError
from ..model import Capture, CrawlStats, FetchFailure, utcnow, iso
from .recovery import OPEN_SUFFIX, RecoveredFile, recover_open_files
from .reader import DamagedSpan, WarcReader

if TYPE_CHECKING:
    import sqlite_utils

BATCH = 1000
Progress = Callable[[str, int, int], None]  # (file name, files done, files total)


@dataclass
class ReindexStats:
    files: int = 0
    records: int = 0
    captures: int = 0
    failures: int = 0
    crawls: int = 0
    removed: int = 0  # stale rows deleted (full reindex)
    skipped_files: int = 0  # already indexed (index_new_files)
    problems: list[str] = field(default_factory=list)  # breaks and bad records (file + offset)
    breaks: list[str] = field(default_factory=list)  # the breaks only: files cut or corrupt
    recovered: list[RecoveredFile] = field(default_factory=list)
    seconds: float = 0.0


def ensure_schema(db: "sqlite_utils.Database") -> None:
    """``warc_files``: which files the index has read, and what they held; ``warc_damage``: the
    damaged spans met in them (file, offset, length, reason, where reading resumed)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS warc_files (name TEXT PRIMARY KEY, size INTEGER NOT NULL, "
        "records INTEGER NOT NULL, captures INTEGER NOT NULL, failures INTEGER NOT NULL, "
        "problem TEXT, indexed TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS warc_damage (warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, "
        "length INTEGER NOT NULL, reason TEXT NOT NULL, resumed_at INTEGER, found TEXT NOT NULL, "
        "PRIMARY KEY (warc_file, warc_offset))")


def record_damage(db: "sqlite_utils.Database", name: str, spans: Iterable[DamagedSpan]) -> None:
    """Replace the ``warc_damage`` rows of WARC file ``name`` (as named in ``captures``) with
    ``spans`` (none: the file read cleanly)."""
    now = iso(utcnow())
    with db.conn:
        db.conn.execute("DELETE FROM warc_damage WHERE warc_file = ?", [name])
        db.conn.executemany(
            "INSERT OR REPLACE INTO warc_damage (warc_file, warc_offset, length, reason, resumed_at, found) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(name, s.offset, s.length, s.reason, s.resumed_at, now) for s in spans])


def file_problem(breaks: list[WarcError]) -> str | None:
    """The ``warc_files.problem`` text: every break of the file, one a line (None: none)."""
    return "\n".join(str(b) for b in breaks) or None


def warc_files(warcs_dir: Path) -> list[Path]:
    """Closed WARC files in ``warcs_dir`` (``*.warc.gz`` and ``*.warc``), by name."""
    if not Path(warcs_dir).is_dir():
        return []
    out = [p for p in Path(warcs_dir).iterdir()
           if p.is_file() and (p.name.endswith(".warc.gz") or p.name.endswith(".warc"))
           and not p.name.endswith(OPEN_SUFFIX)]
    return sorted(out, key=lambda p: p.name)


def _rel_name(path: Path, warcs_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(warcs_dir.resolve()))
    except ValueError:
        return str(path.resolve())


@dataclass
class _CrawlAcc:
    source: str | None = None
    started: str | None = None
    rules: str | None = None
    seeds: list[str] = field(default_factory=list)
    pages: int = 0
    bytes: int = 0
    errors: int = 0
    end: CrawlStats | None = None


class _Indexer:
    def __init__(self, db: "sqlite_utils.Database", warcs_dir: Path, *, replace: bool,
                 stats: ReindexStats) -> None:
        self.db = db
        self.warcs_dir = warcs_dir
        self.replace = replace
        self.stats = stats
        self.crawls: dict[str, _CrawlAcc] = {}
        self.failures: list[FetchFailure] = []

    def index_file(self, path: Path) -> None:
        from ..index.captures import insert_captures, insert_fetch_errors

        name = _rel_name(path, self.warcs_dir)
        reader = WarcReader(path, name=name, resync=True)
        batch: list[Capture] = []
        fails: list[FetchFailure] = []
        ids: set[str] = set()
        n_caps = n_fail = 0
        seen_info = 0
        for row in reader.captures():
            if len(reader.warcinfos) > seen_info:
                for _, date, fields in reader.warcinfos[seen_info:]:
                    self._note_warcinfo(date, fields)
                seen_info = len(reader.warcinfos)
            if isinstance(row, Capture):
                batch.append(row)
                ids.add(row.id)
                n_caps += 1
                if row.crawl_id:
                    acc = self.crawls.setdefault(row.crawl_id, _CrawlAcc(source=row.source))
                    acc.pages += 1
                    acc.bytes += row.content_length or 0
                if len(batch) >= BATCH:
                    insert_captures(self.db, batch, replace=self.replace)
                    batch = []
            else:
                fails.append(row)
                n_fail += 1
                if row.crawl_id:
                    self.crawls.setdefault(row.crawl_id, _CrawlAcc()).errors += 1
        for _, date, fields in reader.warcinfos[seen_info:]:
            self._note_warcinfo(date, fields)
        insert_captures(self.db, batch, replace=self.replace)
        insert_fetch_errors(self.db, fails, replace=self.replace)
        self.failures.extend(fails)
        for end in reader.crawl_ends:
            self.crawls.setdefault(end.id, _CrawlAcc(source=end.source)).end = end
        for p in reader.problems:
            self.stats.problems.append(str(p))
        problem = file_problem(reader.breaks)
        if problem is not None:
            self.stats.breaks.append(problem)
        record_damage(self.db, name, reader.damaged)
        if self.replace:  # rows of this file that its records no longer give
            stale = [r[0] for r in self.db.execute("SELECT id FROM captures WHERE warc_file = ?", [name])
                     if r[0] not in ids]
            if stale:
                with self.db.conn:
                    self.db.conn.executemany("DELETE FROM captures WHERE id = ?", [(i,) for i in stale])
                self.stats.removed += len(stale)
        with self.db.conn:
            self.db.conn.execute(
                "INSERT OR REPLACE INTO warc_files (name, size, records, captures, failures, problem, indexed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, path.stat().st_size, reader.records, n_caps, n_fail, problem, iso(utcnow())))
        self.stats.files += 1
        self.stats.records += reader.records
        self.stats.captures += n_caps
        self.stats.failures += n_fail

    def _note_warcinfo(self, date: str | None, fields: dict[str, str]) -> None:
        crawl_id = fields.get("crawl-id")
        if not crawl_id:
            return
        acc = self.crawls.setdefault(crawl_id, _CrawlAcc())
        acc.source = acc.source or fields.get("source")
        started = fields.get("crawl-started") or fields.get("started") or date
        if started and (acc.started is None or started < acc.started):
            acc.started = started
        acc.rules = acc.rules or fields.get("rules")
        if not acc.seeds and fields.get("seeds"):
            try:
                seeds = json.loads(fields["seeds"])
                acc.seeds = [str(s) for s in seeds] if isinstance(seeds, list) else []
            except ValueError:
                acc.seeds = fields["seeds"].split()

    def write_crawls(self) -> None:
        from ..index.captures import upsert_crawl

        for crawl_id, acc in sorted(self.crawls.items()):
            if acc.end is not None:
                upsert_crawl(self.db, acc.end)
            else:
                seeds = json.dumps(acc.seeds) if acc.seeds else None
                with self.db.conn:
                    self.db.conn.execute(
                        "INSERT OR IGNORE INTO crawls (id, source, started, finished, pages, bytes, errors, "
                        "rules, seeds) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                        (crawl_id, acc.source or "", acc.started or "", acc.pages, acc.bytes, acc.errors,
                         acc.rules, seeds))
            self.stats.crawls += 1


def _open(data_dir: Path) -> "sqlite_utils.Database":
    from ..index import open_db

    db = open_db(data_dir)
    ensure_schema(db)
    return db


def reindex(data_dir: Path, *, files: Iterable[Path] | None = None,
            progress: Progress | None = None) -> ReindexStats:
    """Recover ``.open`` files, then rebuild the index rows from the WARC files (all of
    ``DATA/warcs`` by default, or ``files``)."""
    t0 = time.monotonic()
    data_dir = Path(data_dir)
    warcs_dir = data_dir / "warcs"
    stats = ReindexStats()
    for f in files or []:
        if not Path(f).is_file():
            raise WarcError(str(f), None, "no such WARC file")
    stats.recovered = recover_open_files(warcs_dir)
    full = files is None
    targets = warc_files(warcs_dir) if files is None else [Path(f) for f in files]
    db = _open(data_dir)
    try:
        ix = _Indexer(db, warcs_dir, replace=True, stats=stats)
        for i, path in enumerate(targets):
            ix.index_file(path)
            if progress:
                progress(path.name, i + 1, len(targets))
        if full:
            _remove_unsupported(db, warcs_dir, ix, stats)
        ix.write_crawls()
    finally:
        db.conn.close()
    stats.seconds = time.monotonic() - t0
    return stats


def _remove_unsupported(db: "sqlite_utils.Database", warcs_dir: Path, ix: _Indexer,
                        stats: ReindexStats) -> None:
    """After a full reindex: drop captures of WARC files that do not exist any more and fetch
    errors that no WARC record gives."""
    names = [r[0] for r in db.execute("SELECT DISTINCT warc_file FROM captures")]
    gone = [n for n in names if not (warcs_dir / n).is_file()]
    with db.conn:
        for n in gone:
            stats.removed += db.conn.execute("DELETE FROM captures WHERE warc_file = ?", [n]).rowcount
            db.conn.execute("DELETE FROM warc_files WHERE name = ?", [n])
    with db.conn:  # damage rows of files that are gone
        for (n,) in list(db.execute("SELECT DISTINCT warc_file FROM warc_damage")):
            if not (warcs_dir / n).is_file():
                db.conn.execute("DELETE FROM warc_damage WHERE warc_file = ?", [n])
    keep = {(f.crawl_id, f.url, f.timestamp) for f in ix.failures}
    rows = list(db.execute("SELECT crawl_id, url, timestamp FROM fetch_errors"))
    stale = [r for r in rows if tuple(r) not in keep]
    if stale:
        with db.conn:
            db.conn.executemany("DELETE FROM fetch_errors WHERE crawl_id IS ? AND url = ? AND timestamp = ?",
                                stale)
        stats.removed += len(stale)


def index_new_files(data_dir: Path, *, progress: Progress | None = None,
                    recover: bool = True) -> ReindexStats:
    """Recover ``.open`` files (unless ``recover`` is False), then index the WARC files the
    index has not read yet; rows already there are kept as they are."""
    t0 = time.monotonic()
    data_dir = Path(data_dir)
    warcs_dir = data_dir / "warcs"
    stats = ReindexStats()
    if recover:
        stats.recovered = recover_open_files(warcs_dir)
    db = _open(data_dir)
    try:
        known = {r[0]: r[1] for r in db.execute("SELECT name, size FROM warc_files")}
        targets = []
        for path in warc_files(warcs_dir):
            if known.get(_rel_name(path, warcs_dir)) == path.stat().st_size:
                stats.skipped_files += 1
            else:
                targets.append(path)
        ix = _Indexer(db, warcs_dir, replace=False, stats=stats)
        for i, path in enumerate(targets):
            ix.index_file(path)
            if progress:
                progress(path.name, i + 1, len(targets))
        ix.write_crawls()
    finally:
        db.conn.close()
    stats.seconds = time.monotonic() - t0
    return stats
