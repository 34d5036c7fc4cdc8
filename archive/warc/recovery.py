"""Recovering ``.open`` WARC files left by a killed crawl.

Each ``NAME.warc.gz.open`` is read record by record with the reader's completeness checks (every
block read to its Content-Length, every gzip member ending cleanly — ``warcio check`` alone passes
a gzip record cut in the middle). The file is truncated at the end of its last complete record and
renamed ``NAME.warc.gz``. Nothing is destroyed: the bytes after that point are moved to
``NAME.warc.gz.cut`` (``.cut.1``, … if that exists) for inspection. A file with no complete record
is removed (its bytes, if any, are kept in the ``.cut`` file).

Files that a live writer still holds (an exclusive ``flock``, taken by :class:`WarcWriter` and
released when its process dies, even by SIGKILL) are left alone.
"""
from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import WarcError
from .files import OPEN_SUFFIX
from .reader import WarcReader

CUT_SUFFIX = ".cut"


@dataclass
class RecoveredFile:
    """What recovery did with one ``.open`` file."""

    open_path: Path
    path: Path | None  # the renamed file, or None when it was removed (nothing complete)
    kept_bytes: int
    cut_bytes: int
    records: int  # complete records kept
    cut_path: Path | None = None  # where the cut bytes went
    problem: str | None = None  # the break that ended the good part, if any
    skipped: str | None = None  # why the file was left alone (in use by a live writer)


def _side_name(path: Path) -> Path:
    cand = path.with_name(path.name + CUT_SUFFIX)
    n = 1
    while cand.exists():
        cand = path.with_name(f"{path.name}{CUT_SUFFIX}.{n}")
        n += 1
    return cand


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def good_length(path: Path) -> tuple[int, int, str | None]:
    """(bytes of complete records from the start, number of them, the break or None)."""
    reader = WarcReader(path)
    for _ in reader.captures():
        pass
    broken = reader.broken
    if broken is None and reader.records and reader.end_offset == 0:
        # not seekable (whole-file gzip or odd framing): keep everything as it is
        return path.stat().st_size, reader.records, None
    if broken is None:
        size = path.stat().st_size
        return (reader.end_offset if reader.records else size), reader.records, None
    return reader.end_offset, reader.records, str(broken)


def recover_file(open_path: Path) -> RecoveredFile:
    """Recover one ``.open`` file (see the module docstring)."""
    open_path = Path(open_path)
    if not open_path.name.endswith(OPEN_SUFFIX):
        raise WarcError(str(open_path), None, "not an .open WARC file")
    final = open_path.with_name(open_path.name[: -len(OPEN_SUFFIX)])
    try:
        fh = open(open_path, "r+b")
    except OSError as exc:
        raise WarcError(str(open_path), None, f"cannot open for recovery ({exc.strerror})") from None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            size = os.fstat(fh.fileno()).st_size
            return RecoveredFile(open_path, None, size, 0, 0, skipped="in use by a running writer")
        size = os.fstat(fh.fileno()).st_size
        keep, records, problem = good_length(open_path) if size else (0, 0, None)
        cut_path = None
        if keep < size:
            cut_path = _side_name(final)
            fh.seek(keep)
            with open(cut_path, "wb") as side:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    side.write(chunk)
                side.flush()
                os.fsync(side.fileno())
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
        if keep == 0:
            open_path.unlink()
            _fsync_dir(open_path.parent)
            return RecoveredFile(open_path, None, 0, size, 0, cut_path, problem)
        if final.exists():
            raise WarcError(str(final), None, "cannot rename the recovered .open file: the name is taken")
        os.replace(open_path, final)
        _fsync_dir(final.parent)
    return RecoveredFile(open_path, final, keep, size - keep, records, cut_path, problem)


def recover_open_files(warcs_dir: Path) -> list[RecoveredFile]:
    """Recover every ``*.open`` WARC file in ``warcs_dir`` (sorted by name)."""
    warcs_dir = Path(warcs_dir)
    if not warcs_dir.is_dir():
        return []
    return [recover_file(p) for p in sorted(warcs_dir.glob("*.warc*" + OPEN_SUFFIX))]
