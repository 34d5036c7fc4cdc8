"""An independent check of an archive: its WARCs read back with warcio, its index compared.

The archive's own reader (``archive.warc.reader``) is what the code under test uses; this check
uses warcio's ``ArchiveIterator`` instead, so a bug shared by the writer's index and the reader
cannot hide a loss. A record counts as lost when

- an expected record (one the test knows was complete before the operation) is in no WARC,
- an index row points at a (file, offset) where warcio reads no record with that id, or
- a response/revisit record that warcio reads in a closed WARC file has no index row.

Damaged files: warcio stops at the first break, so records after it are checked through their
index rows (each record is its own gzip member, readable at its offset).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

CAPTURE_TYPES = ("response", "revisit")


def _capture_id(record_id: str) -> str:
    rid = record_id.strip().strip("<>")
    return rid[len("urn:uuid:"):].lower() if rid.lower().startswith("urn:uuid:") else rid


@dataclass
class ArchiveCheck:
    case: str
    records: int = 0                                     # capture records warcio read back
    index_rows: int = 0
    dangling: list[str] = field(default_factory=list)    # index rows pointing at no such record
    unindexed: list[str] = field(default_factory=list)   # records no index row names
    missing: list[str] = field(default_factory=list)     # expected records found nowhere

    @property
    def lost(self) -> int:
        return len(self.dangling) + len(self.unindexed) + len(self.missing)

    def __str__(self) -> str:
        return (f"{self.case}: {self.records} records read back, {self.index_rows} index rows; "
                f"dangling {self.dangling[:3]}, unindexed {self.unindexed[:3]}, missing {self.missing[:3]}")


def _index_rows(db: Path) -> list[tuple[str, str, int]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'captures'").fetchone():
            return []
        return [(i, f, int(o)) for i, f, o in conn.execute("SELECT id, warc_file, warc_offset FROM captures")]
    finally:
        conn.close()


def _record_at(path: Path, offset: int) -> str | None:
    """The capture id of the record warcio reads at ``offset`` of ``path`` (None: none there)."""
    from warcio.archiveiterator import ArchiveIterator

    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            for rec in ArchiveIterator(fh):
                return _capture_id(rec.rec_headers.get_header("WARC-Record-ID") or "")
    except Exception:  # noqa: BLE001 - any failure to read is "no record there"
        return None
    return None


def _read_back(path: Path) -> tuple[set[str], bool]:
    """Capture ids of every response/revisit record warcio reads in ``path`` up to its end or
    its first break, and whether it reached the end."""
    from warcio.archiveiterator import ArchiveIterator

    ids: set[str] = set()
    try:
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in CAPTURE_TYPES:
                    ids.add(_capture_id(rec.rec_headers.get_header("WARC-Record-ID") or ""))
                rec.content_stream().read()
    except Exception:  # noqa: BLE001 - a damaged file: what precedes the break is what it holds
        return ids, False
    return ids, True


def verify_archive(case: str, data: Path, expected: Iterable[str] = (), *,
                   warcs: Path | None = None) -> ArchiveCheck:
    """Check the archive in ``data`` (``data/warcs`` and ``data/archive.db``) independently."""
    warcs = warcs or data / "warcs"
    out = ArchiveCheck(case)
    rows = _index_rows(data / "archive.db")
    out.index_rows = len(rows)
    found: set[str] = set()
    for rid, name, offset in rows:
        if _record_at(warcs / name, offset) == rid:
            found.add(rid)
        else:
            out.dangling.append(rid)
    indexed = {r[0] for r in rows}
    read: set[str] = set()
    for path in sorted(warcs.glob("*.warc*")) if warcs.is_dir() else []:
        if not path.is_file() or path.name.endswith((".open", ".cut")) or ".cut" in path.name:
            continue
        ids, _ = _read_back(path)
        read |= ids
        out.unindexed += sorted(ids - indexed)
    out.records = len(read | found)
    out.missing = sorted(set(expected) - read - found)
    return out
