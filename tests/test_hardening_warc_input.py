"""Hardening, bad input (issue 7, item 3): garbage, empty, cut, damaged, unreadable WARCs and a
directory given as one, through ``archive reindex``, ``import`` and ``replay``: each named with
its offset, reading resumed after a damaged record (``warc_damage``), every good record kept,
nothing half-done. Each test runs the real ``archive`` program and is an end-to-end case of the
hardening ledger (tests/support/hardening.py)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from support.db import query
from support.hardening import check_archive
from support.paths import ROOT
from support.program import PY, assert_one_line_error, cli
from support.warcs import bad_warcs, corrupt_header, write_warc

pytestmark = pytest.mark.hardening("e2e")


# Root reads any file whatever its mode: unreadable files are made so for a child process that
# runs without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (setpriv drops them from its bounding set).
NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
          "--bounding-set=-dac_override,-dac_read_search"]


def cli_no_dac(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    import shutil

    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root's file-read override"
    return subprocess.run([*NO_DAC, PY, "-m", "archive.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=str(ROOT))


def captured_urls(data: Path) -> dict[str, str]:
    import sqlite3

    with sqlite3.connect(data / "archive.db") as conn:
        return dict(conn.execute("SELECT id, url FROM captures").fetchall())


def test_reindex_keeps_good_records_and_names_damaged_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    files = bad_warcs(data / "warcs")
    proc = cli("reindex", "--data", str(data))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    check = check_archive("warc-reindex", data, expected=[c.id for _, _, good in files.values() for c in good])
    assert check.lost == 0, str(check)
    indexed = captured_urls(data)
    for case, (path, caps, good) in files.items():
        # every good record is kept, before a damaged record and after it; the damaged one is not
        assert {c.id for c in good} <= set(indexed), case
        assert not {c.id for c in caps if c not in good} & set(indexed), case
        if case in ("cut", "badhead", "gzbad", "garbage"):
            line = [ln for ln in proc.stderr.splitlines() if path.name in ln]
            assert line and re.search(r"at offset \d+", line[0]), (case, proc.stderr)
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    # the damaged files are left as they were: nothing is deleted or rewritten
    assert files["badhead"][0].stat().st_size > files["badhead"][1][3].warc_offset
    # each damaged span is a row naming file, offset and length; a record after it replays
    damage = {r[0]: r[1:] for r in
              query(data, "SELECT warc_file, warc_offset, length, resumed_at FROM warc_damage")}
    for case in ("badhead", "gzbad"):
        path, caps, good = files[case]
        bad = next(c for c in caps if c not in good)
        offset, length, resumed = damage[path.name]
        assert offset == bad.warc_offset and resumed == offset + length, (case, damage[path.name])
        assert f"reading resumed at offset {resumed}" in proc.stderr, case
        after = cli("replay", "--data", str(data), caps[3].url)
        assert after.returncode == 0 and f"<title>{case} 3</title>" in after.stdout, (case, after.stderr)
    assert damage[files["cut"][0].name][2] is None  # cut at the end: nothing after it


def test_reindex_of_an_unreadable_file_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_warc(data / "warcs", "good", 3)
    assert cli("reindex", "--data", str(data)).returncode == 0
    before = captured_urls(data)
    locked = write_warc(data / "warcs", "noperm", 2)
    path = data / "warcs" / locked[0].warc_file
    os.chmod(data, 0o777)
    path.chmod(0)
    proc = cli_no_dac("reindex", "--data", str(data))
    path.chmod(0o644)
    assert proc.returncode != 0
    assert_one_line_error(proc.stderr, path.name, "Permission denied")
    assert captured_urls(data) == before  # stopped before touching the index
    assert cli("reindex", "--data", str(data)).returncode == 0  # readable again: all indexed
    assert set(captured_urls(data)) == set(before) | {c.id for c in locked}


def test_import_reports_each_bad_file_and_keeps_the_good_records(tmp_path: Path) -> None:
    src = tmp_path / "incoming"
    files = bad_warcs(src)
    data = tmp_path / "data"
    # a directory given as a file: refused up front, naming it, nothing imported
    proc = cli("import", "--no-process", "--data", str(data), *[str(p) for p, _, _ in files.values()])
    assert proc.returncode != 0
    assert_one_line_error(proc.stderr, "dir.warc.gz", "is a directory")
    assert not (data / "warcs").exists() or not any((data / "warcs").iterdir())
    # without it: good records of every file indexed, each damaged file named with its offset
    given = [str(p) for case, (p, _, _) in files.items() if case != "dir"]
    proc = cli("import", "--no-process", "--data", str(data), *given)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    check = check_archive("warc-import", data, expected=[c.id for _, _, good in files.values() for c in good])
    assert check.lost == 0, str(check)
    indexed = captured_urls(data)
    for case, (path, caps, good) in files.items():
        if case == "dir":
            continue
        assert {c.url for c in good} <= set(indexed.values()), case
        assert not {c.url for c in caps if c not in good} & set(indexed.values()), case
        if case in ("cut", "badhead", "gzbad", "garbage"):
            assert re.search(re.escape(path.name) + r" at offset \d+", proc.stderr), (case, proc.stderr)
    assert proc.stderr.strip().splitlines()[-1] == f"error: {files['garbage'][0]}: no WARC record found: not imported"
    # an unreadable file: refused by name, before anything is copied
    locked = write_warc(tmp_path / "locked", "noperm", 2)
    lpath = tmp_path / "locked" / locked[0].warc_file
    for d in (tmp_path, tmp_path / "locked", data, data / "warcs"):
        d.chmod(0o777)
    lpath.chmod(0)
    before = captured_urls(data)
    proc = cli_no_dac("import", "--no-process", "--data", str(data), str(lpath))
    lpath.chmod(0o644)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and lpath.name in proc.stderr
    assert "not readable" in proc.stderr
    assert captured_urls(data) == before


def test_replay_of_a_record_in_a_damaged_file_names_file_and_offset(tmp_path: Path) -> None:
    data = tmp_path / "data"
    caps = write_warc(data / "warcs", "good", 4)
    assert cli("reindex", "--data", str(data)).returncode == 0
    path = data / "warcs" / caps[0].warc_file
    original = path.read_bytes()
    os.chmod(data, 0o777)
    os.chmod(data / "warcs", 0o777)

    def damage(case: str) -> None:
        if path.is_dir():
            path.rmdir()
        if case == "garbage":  # the record's bytes overwritten
            o = caps[2].warc_offset
            path.write_bytes(original[:o] + bytes(range(256)) * 8 + original[o + 2048:])
        elif case == "cut":
            path.write_bytes(original[:caps[2].warc_offset + 20])
        elif case == "badhead":
            path.write_bytes(original)
            corrupt_header(path, caps[2])
        elif case == "empty":
            path.write_bytes(b"")
        elif case == "dir":
            path.unlink()
            path.mkdir()
        elif case == "unreadable":
            path.write_bytes(original)
            path.chmod(0)

    for case in ("garbage", "cut", "badhead", "empty", "dir", "unreadable"):
        damage(case)
        run = cli_no_dac if case == "unreadable" else cli
        proc = run("replay", "--data", str(data), caps[2].url)
        assert proc.returncode == 1, (case, proc.stderr)
        line = assert_one_line_error(proc.stderr, path.name)
        if case in ("garbage", "badhead", "cut", "empty"):
            assert f"offset {caps[2].warc_offset}" in line, (case, line)
        assert proc.stdout == ""
        if path.is_file():
            path.chmod(0o644)
    # the other records of the file replay again once it is whole
    path.rmdir() if path.is_dir() else None
    path.write_bytes(original)
    proc = cli("replay", "--data", str(data), caps[1].url)
    assert proc.returncode == 0 and "<title>good 1</title>" in proc.stdout
