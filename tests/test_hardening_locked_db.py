"""Hardening, bad input (issue 7, item 3): a database another process holds locked. Every
command that writes waits (``ARCHIVE_DB_TIMEOUT``) and then fails with one line naming the
database, readers are not blocked, nothing archived is lost or half-indexed, and once the lock
is released the same commands complete. An end-to-end case of the hardening ledger
(tests/support/hardening.py), on a copy of the session's crawl of the small sample web."""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from support.crawled import archive_state, copy_data, crawl_args
from support.hardening import check_archive
from support.program import PY, cli
from support.warcs import write_warc

pytestmark = pytest.mark.hardening("e2e")


def test_locked_database_waits_then_fails_naming_it_and_loses_nothing(
        small_web: Any, small_crawl: Path, tmp_path: Path) -> None:
    data = copy_data(small_crawl, tmp_path / "data")
    incoming = tmp_path / "incoming"
    extra = write_warc(incoming, "extra", 2)
    before_ids, before_records = archive_state(data)
    holder = subprocess.Popen(
        [PY, "-c", "import sqlite3, sys\n"
                   "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                   "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()",
         str(data / "archive.db")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    writers = {
        "crawl": crawl_args(small_web, data, "--depth", "1"),
        "extract": ["extract", "--data", str(data), "--workers", "1"],
        "dedupe": ["dedupe", "--data", str(data)],
        "reindex": ["reindex", "--data", str(data)],
        "import": ["import", "--no-process", "--data", str(data), str(incoming / extra[0].warc_file)],
        "run": ["run", "--data", str(data), "--seed", small_web.aggregator_url + "/", "--depth", "1",
                "--delay", "0", "--workers", "1"],
    }
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with ThreadPoolExecutor(3) as pool:
            results = dict(zip(writers, pool.map(
                lambda a: cli(*a, env={"ARCHIVE_DB_TIMEOUT": "1"}), writers.values())))
        for name, proc in results.items():
            assert proc.returncode == 1, (name, proc.stderr)
            lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(("error", "Traceback"))]
            assert lines == [lines[-1]] and "Traceback" not in proc.stderr, (name, proc.stderr)
            assert str(data / "archive.db") in lines[0] and "locked by another process" in lines[0]
            assert "waited 1 s" in lines[0]
        # readers are not blocked by a writer's lock (WAL), nor is recover with nothing to do
        proc = cli("export-wacz", "--data", str(data), str(tmp_path / "x.wacz"))
        assert proc.returncode == 0, proc.stderr
        proc = cli("recover", "--data", str(data), env={"ARCHIVE_DB_TIMEOUT": "1"})
        assert proc.returncode == 0 and "recovered 0 open files" in proc.stdout, proc.stderr
    finally:
        if holder.stdin:
            holder.stdin.close()
        holder.wait(10)
    check = check_archive("locked-db", data, expected=before_ids)
    ids, records = archive_state(data)
    assert ids == before_ids and records >= before_records  # nothing lost, nothing half-indexed
    assert check.lost == 0, str(check)
    # released: the same commands complete
    for name in ("reindex", "import", "extract", "dedupe", "crawl"):
        proc = cli(*writers[name])
        assert proc.returncode == 0, (name, proc.stderr)
    ids, _ = archive_state(data)
    assert before_ids <= ids and {c.id for c in extra} <= ids
