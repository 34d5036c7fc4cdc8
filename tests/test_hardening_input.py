"""Hardening, bad input (issue 7, item 3): broken config (every field of every config
dataclass), unreadable WARCs, a full disk, a locked database and Ctrl-C in every command.

Each case runs the real ``archive`` program (or its ``main`` in-process where hundreds of cases
would otherwise cost minutes: the config matrix, checked against real subprocesses on a sample)
and asserts one clear line, the exit code, no traceback, and that nothing archived was lost.
Every case is counted in the hardening ledger (tests/hardening.py)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import hardening
from archive.cli import main
from archive.config import Settings, Source
from archive.dedupe.params import DedupeParams
from archive.extract.rules import SiteRules

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real program in its own process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([PY, "-m", "archive.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=str(cwd or ROOT))


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``archive.cli.main`` (the console script's own function) in this process."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    code = stop.value.code if isinstance(stop.value.code, int) else 1
    return code, capsys.readouterr().err


def assert_one_line_error(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for n in needles:
        assert n in line, (n, line)
    return line


# ------------------------------------------------------------------------------ broken config

def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _table(name: str, values: dict[str, Any]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())


SEED = "http://127.0.0.1:9/"  # never fetched: the config fails first
# section prefix in the TOML -> (dataclass, its table name, fields that are not config keys,
# the command that must refuse it)
SECTIONS: dict[str, tuple[type, str, set[str], str]] = {
    "sources": (Source, "sources.s", {"name"}, "crawl"),
    "settings": (Settings, "settings", set(), "crawl"),
    "dedupe": (DedupeParams, "dedupe", set(), "run"),
    "rules": (SiteRules, "rules.r", {"name", "path"}, "run"),
}


def wrong_type(annotation: str) -> Any:
    """A value of the wrong TOML type for a field of this annotation."""
    base = annotation.replace(" | None", "").strip()
    return "x" if base in ("int", "float", "bool") else 5


# Values in the right TOML type that are out of range. Numbers: -1 (every numeric field has a
# lower bound); regular expressions: one that does not compile; strings and lists: per field,
# where the field has a constraint.
RANGE_BY_FIELD: dict[str, Any] = {
    "start": ["ftp://x/"], "feeds": ["ftp://x/"], "sitemaps": ["ftp://x/"],
    "schedule": "61 * * * *", "user_agent": " ", "rules": "nope", "webhook_url": "ftp://x/",
    "role": "neither", "publisher": " ", "headline": {"xpath": "//["}, "prune_xpath": ["//["],
    "original_from": ["nope"], "hosts": [""],
}


def out_of_range(name: str, annotation: str) -> Any | None:
    base = annotation.replace(" | None", "").strip()
    if base in ("int", "float"):
        return -1
    if "re.Pattern" in base:
        return ["("] if base.startswith("tuple") else "("
    return RANGE_BY_FIELD.get(name)


def config_cases() -> list[tuple[str, str, str, Any]]:
    """(section, field, case, value) for every field of every config dataclass."""
    cases = []
    for section, (cls, _, skip, _) in SECTIONS.items():
        for f in fields(cls):
            if f.name in skip:
                continue
            cases.append((section, f.name, "type", wrong_type(str(f.type))))
            bad = out_of_range(f.name, str(f.type))
            if bad is not None:
                cases.append((section, f.name, "range", bad))
    return cases


def write_config(tmp: Path, section: str, field: str, value: Any) -> Path:
    source: dict[str, Any] = {"start": [SEED]}
    parts = []
    if section == "sources":
        source[field] = value
    elif section in ("settings", "dedupe"):
        parts.append(_table(section, {field: value}))
    elif section == "rules":
        parts.append(_table("rules.r", {field: value}))
    parts.insert(0, _table("sources.s", source))
    path = tmp / "sources.toml"
    path.write_text("\n".join(parts))
    return path


CONFIG_CASES = config_cases()


def test_every_config_field_is_covered() -> None:
    # derived from the dataclasses: a new field gets its cases without editing this file
    covered = {(s, f) for s, f, _, _ in CONFIG_CASES}
    for section, (cls, _, skip, _) in SECTIONS.items():
        for f in fields(cls):
            if f.name not in skip:
                assert (section, f.name) in covered
    numeric = [(s, f) for s, f, c, v in CONFIG_CASES if c == "range" and v == -1]
    assert len(numeric) >= 38 and len(CONFIG_CASES) >= 120


@pytest.mark.parametrize("section, field, case, value", CONFIG_CASES,
                         ids=[f"{s}.{f}-{c}" for s, f, c, _ in CONFIG_CASES])
def test_broken_config_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str,
                             field: str, case: str, value: Any) -> None:
    name = f"config-{section}.{field}-{case}"
    hardening.tried(name)
    path = write_config(tmp_path, section, field, value)
    data = tmp_path / "data"
    _, table, _, command = SECTIONS[section]
    code, err = in_process(capsys, command, "--config", str(path), "--data", str(data), "--source", "s")
    assert code != 0
    assert_one_line_error(err, str(path), table, field)
    assert not (data / "warcs").exists() or not any((data / "warcs").iterdir())  # nothing crawled
    hardening.survived(name)


def test_broken_config_in_real_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sample of the matrix above (the first numeric field of each section, both cases)
    through the real program: the same single line as in-process, exit code 1."""
    sample: list[tuple[str, str, str, Any]] = []
    for section in SECTIONS:
        first = next(f for s, f, c, v in CONFIG_CASES if s == section and c == "range" and v == -1)
        sample += [c for c in CONFIG_CASES if c[0] == section and c[1] == first]
    jobs = []
    for i, (section, field, case, value) in enumerate(sample):
        d = tmp_path / str(i)
        d.mkdir()
        path = write_config(d, section, field, value)
        command = SECTIONS[section][3]
        args = [command, "--config", str(path), "--data", str(d / "data"), "--source", "s"]
        _, expected = in_process(capsys, *args)
        jobs.append((f"config-process-{section}.{field}-{case}", args, expected))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda j: cli(*j[1]), jobs))
    for (name, args, expected), proc in zip(jobs, results):
        hardening.tried(name)
        assert proc.returncode == 1, (args, proc.stderr)
        assert_one_line_error(proc.stderr)
        assert proc.stderr.strip() == expected.strip()
        hardening.survived(name)


# ------------------------------------------------------------------------------ unreadable WARCs

def write_warc(warcs: Path, prefix: str, n: int) -> list[Any]:
    """A real WARC of ``n`` response records (the archive's own writer), as crawled pages."""
    import datetime as dt

    from archive.model import Exchange
    from archive.warc.writer import WarcWriter

    caps = []
    with WarcWriter(warcs, prefix, source="s", crawl_id=f"crawl-{prefix}") as w:
        for i in range(n):
            body = (f"<html><title>{prefix} {i}</title><p>" + "word " * 200 + "</p></html>").encode()
            ex = Exchange(url=f"http://127.0.0.1:1/{prefix}/{i}", method="GET",
                          request_headers=[("Host", "127.0.0.1:1")], status=200, reason="OK",
                          response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                          body=body, started=dt.datetime(2025, 1, 1, 0, 0, i), http_version="HTTP/1.1",
                          ip="127.0.0.1")
            caps.append(w.write_exchange(ex))
    return caps


def corrupt_header(path: Path, cap: Any) -> None:
    """Re-gzip one record in the middle of the file with a broken WARC version line."""
    import gzip

    data = path.read_bytes()
    o, n = cap.warc_offset, cap.warc_length
    record = gzip.decompress(data[o:o + n]).replace(b"WARC/1.1", b"WXRC/9.9", 1)
    path.write_bytes(data[:o] + gzip.compress(record) + data[o + n:])


def bad_warcs(where: Path) -> dict[str, Any]:
    """Good and damaged WARC files in ``where``: name -> (path, captures, good captures)."""
    where.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    good = write_warc(where, "good", 4)
    out["good"] = (where / good[0].warc_file, good, good)
    cut = write_warc(where, "cut", 4)  # a gzip member cut in the middle (third record)
    p = where / cut[0].warc_file
    p.write_bytes(p.read_bytes()[:cut[2].warc_offset + cut[2].warc_length // 2])
    out["cut"] = (p, cut, cut[:2])
    head = write_warc(where, "badhead", 4)  # a bad record header in the middle
    p = where / head[0].warc_file
    corrupt_header(p, head[2])
    out["badhead"] = (p, head, head[:2])
    (where / "garbage.warc.gz").write_bytes(bytes(range(256)) * 12)
    out["garbage"] = (where / "garbage.warc.gz", [], [])
    (where / "empty.warc.gz").write_bytes(b"")
    out["empty"] = (where / "empty.warc.gz", [], [])
    (where / "dir.warc.gz").mkdir()
    out["dir"] = (where / "dir.warc.gz", [], [])
    return out


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
    for case in files:
        hardening.tried(f"warc-reindex-{case}")
    proc = cli("reindex", "--data", str(data))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    indexed = captured_urls(data)
    for case, (path, caps, good) in files.items():
        assert {c.id for c in good} <= set(indexed), case  # every record before a break is kept
        assert not {c.id for c in caps[len(good):]} & set(indexed) or case == "good", case
        if case in ("cut", "badhead", "garbage"):
            line = [ln for ln in proc.stderr.splitlines() if path.name in ln]
            assert line and re.search(r"at offset \d+", line[0]), (case, proc.stderr)
        hardening.survived(f"warc-reindex-{case}")
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    # the damaged files are left as they were: nothing is deleted or rewritten
    assert files["badhead"][0].stat().st_size > files["badhead"][1][3].warc_offset


def test_reindex_of_an_unreadable_file_changes_nothing(tmp_path: Path) -> None:
    hardening.tried("warc-reindex-unreadable")
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
    hardening.survived("warc-reindex-unreadable")


def test_import_reports_each_bad_file_and_keeps_the_good_records(tmp_path: Path) -> None:
    src = tmp_path / "incoming"
    files = bad_warcs(src)
    data = tmp_path / "data"
    for case in files:
        hardening.tried(f"warc-import-{case}")
    # a directory given as a file: refused up front, naming it, nothing imported
    proc = cli("import", "--no-process", "--data", str(data), *[str(p) for p, _, _ in files.values()])
    assert proc.returncode != 0
    assert_one_line_error(proc.stderr, "dir.warc.gz")
    assert not (data / "warcs").exists() or not any((data / "warcs").iterdir())
    hardening.survived("warc-import-dir")
    # without it: good records of every file indexed, each damaged file named with its offset
    given = [str(p) for case, (p, _, _) in files.items() if case != "dir"]
    proc = cli("import", "--no-process", "--data", str(data), *given)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    indexed = captured_urls(data)
    for case, (path, caps, good) in files.items():
        if case == "dir":
            continue
        assert {c.url for c in good} <= set(indexed.values()), case
        if case in ("cut", "badhead", "garbage"):
            assert re.search(re.escape(path.name) + r" at offset \d+", proc.stderr), (case, proc.stderr)
        hardening.survived(f"warc-import-{case}")
    assert proc.stderr.strip().splitlines()[-1] == f"error: {files['garbage'][0]}: no WARC record found: not imported"
    # an unreadable file: refused by name, before anything is copied
    hardening.tried("warc-import-unreadable")
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
    hardening.survived("warc-import-unreadable")


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
        name = f"warc-replay-{case}"
        hardening.tried(name)
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
        hardening.survived(name)
    # the other records of the file replay again once it is whole
    path.rmdir() if path.is_dir() else None
    path.write_bytes(original)
    proc = cli("replay", "--data", str(data), caps[1].url)
    assert proc.returncode == 0 and "<title>good 1</title>" in proc.stdout


# ------------------------------------------------------------------------------ a crawled archive

@pytest.fixture(scope="module")
def web() -> Any:
    """A small sample web (12 stories) on 127.0.0.1 / 127.0.0.2 for this module."""
    from archive.sampleweb import SampleWeb

    sw = SampleWeb(articles=12, seed=1)
    sw.start()
    try:
        yield sw
    finally:
        sw.stop()


def crawl_args(web: Any, data: Path, *extra: str) -> list[str]:
    return ["crawl", "--data", str(data), "--seed", web.aggregator_url + "/", "--depth", "2",
            "--delay", "0", "--per-host", "4", *extra]


@pytest.fixture(scope="module")
def crawled(web: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one finished crawl of the sample web (not extracted yet)."""
    data = tmp_path_factory.mktemp("crawled") / "data"
    proc = cli(*crawl_args(web, data))
    assert proc.returncode == 0, proc.stderr
    return data


def copy_data(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def archive_state(data: Path) -> tuple[set[str], int]:
    """(capture ids, complete records in the WARCs); asserts that every indexed capture points
    at a complete record and that every WARC (finished or .open) reads cleanly to its end."""
    import sqlite3

    from archive.warc.reader import iter_records, read_record

    with sqlite3.connect(data / "archive.db") as conn:
        rows = conn.execute("SELECT id, warc_file, warc_offset FROM captures").fetchall()
    for cid, name, offset in rows:
        with read_record(data / "warcs" / name, offset) as view:
            assert view.record_id.strip("<>").endswith(cid) or cid in view.record_id
            for _ in view.iter_payload():  # the reader raises if the record is cut
                pass
    records = 0
    for path in sorted((data / "warcs").iterdir()):
        if path.name.endswith((".warc.gz", ".warc.gz.open")):
            records += sum(1 for _ in iter_records(path))  # raises at a break
    return {r[0] for r in rows}, records


def test_locked_database_waits_then_fails_naming_it_and_loses_nothing(
        web: Any, crawled: Path, tmp_path: Path) -> None:
    data = copy_data(crawled, tmp_path / "data")
    incoming = tmp_path / "incoming"
    extra = write_warc(incoming, "extra", 2)
    before_ids, before_records = archive_state(data)
    holder = subprocess.Popen(
        [PY, "-c", "import sqlite3, sys\n"
                   "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                   "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()",
         str(data / "archive.db")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    writers = {
        "crawl": crawl_args(web, data, "--depth", "1"),
        "extract": ["extract", "--data", str(data), "--workers", "1"],
        "dedupe": ["dedupe", "--data", str(data)],
        "reindex": ["reindex", "--data", str(data)],
        "import": ["import", "--no-process", "--data", str(data), str(incoming / extra[0].warc_file)],
        "run": ["run", "--data", str(data), "--seed", web.aggregator_url + "/", "--depth", "1",
                "--delay", "0", "--workers", "1"],
    }
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with ThreadPoolExecutor(3) as pool:
            results = dict(zip(writers, pool.map(
                lambda a: cli(*a, env={"ARCHIVE_DB_TIMEOUT": "1"}), writers.values())))
        for name, proc in results.items():
            hardening.tried(f"locked-db-{name}")
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
    ids, records = archive_state(data)
    assert ids == before_ids and records >= before_records  # nothing lost, nothing half-indexed
    # released: the same commands complete
    for name in ("reindex", "import", "extract", "dedupe", "crawl"):
        proc = cli(*writers[name])
        assert proc.returncode == 0, (name, proc.stderr)
    ids, _ = archive_state(data)
    assert before_ids <= ids and {c.id for c in extra} <= ids
    for name in writers:
        hardening.survived(f"locked-db-{name}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A data directory on a tmpfs of a chosen size (we run as root; unmounted afterwards).
    Yields a function size -> mounted directory; ``remount(size)`` grows it."""
    mounted: list[Path] = []

    def make(size: str) -> Path:
        d = tmp_path / f"disk{len(mounted)}"
        d.mkdir()
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


def test_full_disk_stops_the_crawl_cleanly_with_nothing_half_indexed(web: Any, small_disk: Any) -> None:
    """The data directory fills up while the crawl writes WARC records and index rows: the
    run ends with one clear error line and exit 1; every indexed capture points at a complete
    record and every WARC reads cleanly; with space again, ``archive recover`` and a new crawl
    complete and keep everything."""
    name = "disk-full-crawl"
    hardening.tried(name)
    data = small_disk("900k")
    proc = cli(*crawl_args(web, data))
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and ("no space left" in last), proc.stderr
    remount(data, "64m")
    ids, records = archive_state(data)
    assert records > 0
    # The fetcher logs a traceback for each URL whose record could not be written and keeps
    # going until the index write fails (archive/fetch: to be stopped at the first failure).
    # Counted in the ledger, not hidden: this case only survives once that is fixed.
    hardening.tried("disk-full-crawl-no-traceback")
    if "Traceback" not in proc.stderr:
        hardening.survived("disk-full-crawl-no-traceback")
    rec = cli("recover", "--data", str(data))
    assert rec.returncode == 0, rec.stderr
    again = cli(*crawl_args(web, data))
    assert again.returncode == 0, again.stderr
    after, _ = archive_state(data)
    assert ids <= after
    hardening.lost(name, len(ids - after))
    hardening.survived(name)


def test_full_disk_while_writing_the_index(small_disk: Any, tmp_path: Path) -> None:
    """WARCs fit, the index does not: ``archive reindex`` fails with one line naming the
    database, the WARCs are untouched, and with space again the reindex completes."""
    name = "disk-full-index"
    hardening.tried(name)
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
    hardening.survived(name)
