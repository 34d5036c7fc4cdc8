"""Hardening, bad input (issue 7, item 3): a full disk (a real tmpfs of a chosen size; the tests
run as root). The data directory, only its WARCs, or only its index fill up: one clear line,
exit 1, no traceback, every indexed capture a complete record, nothing half-indexed; with space
again the rerun (``archive recover``, the crawl resumed, the reindex) completes and keeps
everything. End-to-end cases of the hardening ledger (tests/support/hardening.py)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support.crawled import archive_state, crawl_args
from support.db import query
from support.hardening import check_archive
from support.program import assert_one_line_error, cli
from support.warcs import write_warc

pytestmark = pytest.mark.hardening("e2e")


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A data directory on a tmpfs of a chosen size (we run as root; unmounted afterwards).
    Yields a function (size, at=None) -> mounted directory (``at``: that directory instead of
    a new one); ``remount(size)`` grows it."""
    mounted: list[Path] = []

    def make(size: str, at: Path | None = None) -> Path:
        d = at or tmp_path / f"disk{len(mounted)}"
        d.mkdir(parents=True)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(d)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"cannot mount a tmpfs (root needed): {proc.stderr}"
        mounted.append(d)
        return d

    try:
        yield make
    finally:
        for d in mounted:
            subprocess.run(["umount", "-l", str(d)], capture_output=True)


def remount(d: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(d)], check=True, capture_output=True)


def test_full_disk_stops_the_crawl_cleanly_with_nothing_half_indexed(small_web: Any, small_disk: Any) -> None:
    """The data directory fills up while the crawl writes WARC records and index rows: the
    run ends with one clear error line and exit 1; every indexed capture points at a complete
    record and every WARC reads cleanly; with space again, ``archive recover`` and a new crawl
    complete and keep everything."""
    name = "disk-full-crawl"
    data = small_disk("900k")
    proc = cli(*crawl_args(small_web, data))
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and ("no space left" in last.lower()), proc.stderr
    # whichever fills first, the WARC or the index: one error line, no traceback
    assert "Traceback" not in proc.stderr, proc.stderr
    remount(data, "64m")
    ids, records = archive_state(data, all_files=True)
    assert records > 0
    rec = cli("recover", "--data", str(data))
    assert rec.returncode == 0, rec.stderr
    again = cli(*crawl_args(small_web, data))
    assert again.returncode == 0, again.stderr
    check = check_archive(name, data, expected=ids)
    after, _ = archive_state(data)
    assert ids <= after and check.lost == 0, str(check)


def test_full_disk_under_the_warcs_stops_the_crawl_at_the_first_failed_write(
        small_web: Any, small_crawl: Path, small_disk: Any, tmp_path: Path) -> None:
    """Only ``DATA/warcs`` is full (its own small tmpfs; the index has room): the first WARC
    record that cannot be written stops the crawl — one error line naming the WARC file and the
    OS error, no traceback, no further WARC file opened, nothing in flight indexed, every
    indexed capture a complete record, the crawl row unfinished; with space again the same
    command resumes that crawl and ends with the clean crawl's pages, losing nothing."""
    name = "disk-full-crawl-no-traceback"
    data = tmp_path / "data"
    warcs = small_disk("96k", at=data / "warcs")
    proc = cli(*crawl_args(small_web, data))
    assert proc.returncode == 1, proc.stderr
    assert_one_line_error("\n".join(ln for ln in proc.stderr.splitlines() if not ln.startswith("WARNING politeness")),
                          str(warcs) + "/", ".warc.gz", "No space left on device", "the crawl stopped")
    files = sorted(p.name for p in warcs.iterdir() if p.name.endswith((".warc.gz", ".open")))
    # each fetcher's one file (a second fetcher process may have joined), cut back and closed
    assert files and all("-00000-" in f and f.endswith(".warc.gz") for f in files), files
    ids, records = archive_state(data, all_files=True)
    assert records > 0
    crawls = query(data, "SELECT id, finished FROM crawls")
    queued = query(data, "SELECT count(*) FROM frontier WHERE state = 'queued'")[0][0]
    assert len(crawls) == 1 and crawls[0][1] is None, crawls
    assert queued > 0
    remount(warcs, "64m")
    again = cli(*crawl_args(small_web, data))
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr, again.stderr
    resumed = query(data, "SELECT id, finished FROM crawls")
    urls = {r[0] for r in query(data, "SELECT url FROM captures")}
    clean = {r[0] for r in query(small_crawl, "SELECT url FROM captures")}
    assert [r[0] for r in resumed] == [crawls[0][0]] and resumed[0][1] is not None, resumed
    assert urls == clean, (urls ^ clean)
    check = check_archive(name, data, expected=ids)
    after, _ = archive_state(data, all_files=True)
    assert ids <= after and check.lost == 0, str(check)


def test_full_disk_while_writing_the_index(small_disk: Any, tmp_path: Path) -> None:
    """WARCs fit, the index does not: ``archive reindex`` fails with one line naming the
    database, the WARCs are untouched, and with space again the reindex completes."""
    data = small_disk("420k")
    caps = write_warc(data / "warcs", "big", 40)
    sizes = {p.name: p.stat().st_size for p in (data / "warcs").iterdir()}
    filler = data / "filler"
    free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
    filler.write_bytes(b"\0" * max(0, free - 60 * 1024))  # leave ~60 KB: the schema fits, rows do not
    proc = cli("reindex", "--data", str(data))
    assert proc.returncode == 1, proc.stderr
    assert_one_line_error(proc.stderr, str(data / "archive.db"))
    assert "no space left" in proc.stderr or "disk is full" in proc.stderr
    assert {p.name: p.stat().st_size for p in (data / "warcs").iterdir()} == sizes
    filler.unlink()
    remount(data, "16m")
    proc = cli("reindex", "--data", str(data))
    assert proc.returncode == 0, proc.stderr
    ids, _ = archive_state(data)
    assert {c.id for c in caps} == ids
