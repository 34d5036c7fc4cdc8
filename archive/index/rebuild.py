"""Rebuilding the capture index (``captures``, ``fetch_errors``, ``crawls``) from WARC files alone.

The WARCs are the truth and the index is derived from them: this module reads the files through
the WARC stage's reader (:class:`archive.warc.reader.WarcReader`) and writes the rows through the
tables' owners.

- :func:`reindex` recovers ``.open`` files, then reads every WARC in ``DATA/warcs`` (or the
  ``files`` given) and upserts its rows in batched transactions. A full reindex also removes rows
  the WARCs no longer support (captures of a file that lacks them or of a missing file,
  fetch errors no WARC records). Rows equal what the crawl inserted: every field of ``Capture``
  and ``FetchFailure`` is derived from the records (see :mod:`archive.warc.writer`).
- :func:`index_new_files` (after recovery, at the start of a run) indexes only what the index
  lacks: files not yet listed in ``warc_files`` (or whose size changed), with ``INSERT OR IGNORE``.
- :func:`index_from_store` (``archive reindex --from URL``) copies in what a shared WARC store
  holds that the index has not read, then indexes it.

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
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import WarcError
from ..model import Capture, CrawlStats, FetchFailure
from ..warc.files import closed_warc_files
from ..warc.reader import WarcReader
from ..warc.recovery import RecoveredFile, recover_open_files
from . import captures, crawls, fetch_errors, warc_files

if TYPE_CHECKING:
    import sqlite_utils

    from ..warc.store import WarcStore
    from ..warc.sync import PullResult

__all__ = ["ReindexStats", "FileRows", "reindex", "index_new_files", "index_from_store", "index_rows"]

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


@dataclass
class FileRows:
    """What :func:`index_rows` found in one file (the reader holds its records, problems, damage)."""

    reader: WarcReader
    captures: int = 0
    failures: list[FetchFailure] = field(default_factory=list)


def index_rows(db: "sqlite_utils.Database", path: Path, name: str, *, replace: bool,
               on_row: Callable[[Capture | FetchFailure], None] | None = None,
               on_batch: Callable[[], None] | None = None) -> FileRows:
    """Read WARC file ``path`` (resynchronising after damage) and insert its capture and
    fetch-error rows, named ``name``, in batches; ``replace=False`` keeps rows already there."""
    reader = WarcReader(path, name=name, resync=True)
    out = FileRows(reader)
    batch: list[Capture] = []
    for row in reader.captures():
        if on_row is not None:
            on_row(row)
        if isinstance(row, FetchFailure):
            out.failures.append(row)
            continue
        batch.append(row)
        out.captures += 1
        if len(batch) >= BATCH:
            captures.insert_captures(db, batch, replace=replace)
            batch = []
            if on_batch is not None:
                on_batch()
    captures.insert_captures(db, batch, replace=replace)
    fetch_errors.insert_fetch_errors(db, out.failures, replace=replace)
    return out


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

    def count(self, row: Capture | FetchFailure) -> None:
        if isinstance(row, Capture):
            self.source = self.source or row.source
            self.pages += 1
            self.bytes += row.content_length or 0
        else:
            self.errors += 1

    def note_warcinfo(self, date: str | None, fields: dict[str, str]) -> None:
        self.source = self.source or fields.get("source")
        started = fields.get("crawl-started") or fields.get("started") or date
        if started and (self.started is None or started < self.started):
            self.started = started
        self.rules = self.rules or fields.get("rules")
        if not self.seeds and fields.get("seeds"):
            try:
                seeds = json.loads(fields["seeds"])
                self.seeds = [str(s) for s in seeds] if isinstance(seeds, list) else []
            except ValueError:
                self.seeds = fields["seeds"].split()


class _Indexer:
    def __init__(self, db: "sqlite_utils.Database", warcs_dir: Path, *, replace: bool,
                 stats: ReindexStats) -> None:
        self.db = db
        self.warcs_dir = warcs_dir
        self.replace = replace
        self.stats = stats
        self.crawls: dict[str, _CrawlAcc] = {}
        self.failures: list[FetchFailure] = []

    def _acc(self, crawl_id: str) -> _CrawlAcc:
        return self.crawls.setdefault(crawl_id, _CrawlAcc())

    def index_file(self, path: Path) -> None:
        name = _rel_name(path, self.warcs_dir)
        ids: set[str] = set()

        def on_row(row: Capture | FetchFailure) -> None:
            if isinstance(row, Capture):
                ids.add(row.id)
            if row.crawl_id:
                self._acc(row.crawl_id).count(row)

        rows = index_rows(self.db, path, name, replace=self.replace, on_row=on_row)
        reader = rows.reader
        for _, date, fields in reader.warcinfos:
            if fields.get("crawl-id"):
                self._acc(fields["crawl-id"]).note_warcinfo(date, fields)
        self.failures.extend(rows.failures)
        for end in reader.crawl_ends:
            acc = self._acc(end.id)
            acc.source, acc.end = acc.source or end.source, end
        self.stats.problems += [str(p) for p in reader.problems]
        problem = warc_files.file_problem(reader.breaks)
        if problem is not None:
            self.stats.breaks.append(problem)
        warc_files.record_damage(self.db, name, reader.damaged)
        if self.replace:  # rows of this file that its records no longer give
            self.stats.removed += captures.delete_captures(
                self.db, captures.ids_in_file(self.db, name) - ids)
        warc_files.register_warc_file(self.db, name, size=path.stat().st_size, records=reader.records,
                                      captures=rows.captures, failures=len(rows.failures), problem=problem)
        self.stats.files += 1
        self.stats.records += reader.records
        self.stats.captures += rows.captures
        self.stats.failures += len(rows.failures)

    def write_crawls(self) -> None:
        for crawl_id, acc in sorted(self.crawls.items()):
            if acc.end is not None:
                crawls.upsert_crawl(self.db, acc.end)
            else:
                crawls.add_crawl_if_missing(self.db, CrawlStats(
                    id=crawl_id, source=acc.source or "", started=acc.started or "", pages=acc.pages,
                    bytes=acc.bytes, errors=acc.errors, rules=acc.rules, seeds=acc.seeds))
            self.stats.crawls += 1

    def index_all(self, targets: list[Path], progress: Progress | None) -> None:
        for i, path in enumerate(targets):
            self.index_file(path)
            if progress:
                progress(path.name, i + 1, len(targets))


def _open(data_dir: Path) -> "sqlite_utils.Database":
    from . import open_db

    return open_db(data_dir)


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
    targets = closed_warc_files(warcs_dir) if files is None else [Path(f) for f in files]
    db = _open(data_dir)
    try:
        ix = _Indexer(db, warcs_dir, replace=True, stats=stats)
        ix.index_all(targets, progress)
        if files is None:
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
    gone = [n for n in captures.indexed_files(db) if not (warcs_dir / n).is_file()]
    stats.removed += captures.delete_captures_of_files(db, gone)
    warc_files.forget_warc_files(db, gone)
    warc_files.forget_damage(db, [n for n in warc_files.damaged_files(db) if not (warcs_dir / n).is_file()])
    keep = {(f.crawl_id, f.url, f.timestamp) for f in ix.failures}
    stats.removed += fetch_errors.delete_fetch_errors(
        db, [k for k in fetch_errors.fetch_error_keys(db) if k not in keep])


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
        known = warc_files.indexed_sizes(db)
        targets = []
        for path in closed_warc_files(warcs_dir):
            if known.get(_rel_name(path, warcs_dir)) == path.stat().st_size:
                stats.skipped_files += 1
            else:
                targets.append(path)
        ix = _Indexer(db, warcs_dir, replace=False, stats=stats)
        ix.index_all(targets, progress)
        ix.write_crawls()
    finally:
        db.conn.close()
    stats.seconds = time.monotonic() - t0
    return stats


def index_from_store(data_dir: Path, store: "WarcStore",
                     progress: Progress | None = None) -> tuple["PullResult", Any]:
    """``archive reindex --from URL``: copy into ``DATA/warcs`` what the store holds and the
    index has not read (:func:`archive.warc.sync.pull_new`, each copy recorded in
    ``warc_store_files``), then index the new files; (PullResult, ReindexStats)."""
    from ..warc.sync import pull_new

    stored = store.list()  # a store that cannot be listed fails before the index is opened
    db = _open(Path(data_dir))
    try:
        pulled = pull_new(data_dir, store, warc_files.indexed_sizes(db), stored=stored, progress=progress,
                          on_file=lambda w, digest: warc_files.record_pulled_file(db, w.name, w.url, w.size,
                                                                                   digest))
    finally:
        db.conn.close()
    return pulled, index_new_files(Path(data_dir), progress=progress)
