"""Hardening, bad input (issue 7, item 3): broken config (every field of every config
dataclass), unreadable WARCs, a full disk, a locked database and Ctrl-C in every command.

Each case runs the real ``archive`` program (or its ``main`` in-process where hundreds of cases
would otherwise cost minutes: the config matrix, checked against real subprocesses on a sample)
and asserts one clear line, the exit code, no traceback, and that nothing archived was lost.
Every test is an end-to-end case of the hardening ledger (tests/support/hardening.py) but the
in-process config matrix, whose cases are unit checks."""
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

from archive.cli import main
from archive.config import Settings, Source
from archive.dedupe.params import DedupeParams
from archive.extract.rules import SiteRules
from support.hardening import check_archive
from support.warcs import bad_warcs, corrupt_header, write_warc
from support.db import query

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

pytestmark = pytest.mark.hardening("e2e")


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
    "dedupe": (DedupeParams, "dedupe", {"site_names"}, "run"),  # site_names: from rules.toml only
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
    "original_from": ["nope"], "hosts": [""], "rules_file": "no-such-rules.toml",
    "ca_bundle": "no-such-ca.pem",
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


# Fields whose every value of the right type is valid: no "range" case, by decision (a new
# field must be added here or get a range case: the test below fails until one is chosen).
UNCONSTRAINED = {
    ("sources", "scope"), ("sources", "follow_original"), ("sources", "respect_robots"),
    ("sources", "ssrf_guard"), ("sources", "requisites"), ("sources", "requisite_hosts"),
    ("sources", "render"), ("sources", "enabled"), ("sources", "description"), ("sources", "conditional_get"),
    ("settings", "warc_prefix"), ("settings", "known_aggregators"), ("settings", "warc_store"),
    ("settings", "warc_store_options"),
    ("dedupe", "known_aggregators"), ("dedupe", "known_publishers"),
    ("rules", "page_dates"), ("rules", "slugs"), ("rules", "publisher_from_slug"),
}


def _documented() -> dict[str, set[str]]:
    """Config keys as the hand-written documentation names them: the field list at the top of
    config/sources.toml, the keys (set or commented out) of its [settings] and [dedupe] tables,
    and the field list at the top of config/rules.toml."""
    sources = (ROOT / "config" / "sources.toml").read_text(encoding="utf-8").splitlines()
    rules = (ROOT / "config" / "rules.toml").read_text(encoding="utf-8").splitlines()

    def header(lines: list[str]) -> set[str]:
        out = set()
        for ln in lines:
            if not ln.startswith("#"):
                break
            m = re.match(r"^#\s{3}([a-z_]+)\s{2,}\S", ln)
            if m:
                out.add(m.group(1))
        return out

    def table(name: str) -> set[str]:
        start = sources.index(f"[{name}]") + 1
        out = set()
        for ln in sources[start:]:
            if ln.startswith("["):
                break
            m = re.match(r"^#?\s?([a-z_]+)\s*=", ln)
            if m:
                out.add(m.group(1))
        return out

    return {"sources": header(sources), "settings": table("settings"), "dedupe": table("dedupe"),
            "rules": header(rules)}


@pytest.mark.hardening("unit")
def test_every_config_field_is_documented_and_has_its_cases() -> None:
    """Held against sources independent of the matrix: the fields the documentation lists equal
    the dataclasses' fields; each has a wrong-type case, and a range case unless it is in the
    hand-written UNCONSTRAINED list."""
    documented = _documented()
    by_case = {(s, f, c) for s, f, c, _ in CONFIG_CASES}
    for section, (cls, _, skip, _) in SECTIONS.items():
        names = {f.name for f in fields(cls)} - skip
        assert names == documented[section], (section, "undocumented:", sorted(names - documented[section]),
                                               "documented but not a field:", sorted(documented[section] - names))
        for name in names:
            assert (section, name, "type") in by_case, (section, name)
            has_range = (section, name, "range") in by_case
            assert has_range != ((section, name) in UNCONSTRAINED), (section, name, has_range)


@pytest.mark.hardening("unit")
@pytest.mark.parametrize("section, field, case, value", CONFIG_CASES,
                         ids=[f"{s}.{f}-{c}" for s, f, c, _ in CONFIG_CASES])
def test_broken_config_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str,
                             field: str, case: str, value: Any) -> None:
    path = write_config(tmp_path, section, field, value)
    data = tmp_path / "data"
    _, table, _, command = SECTIONS[section]
    code, err = in_process(capsys, command, "--config", str(path), "--data", str(data), "--source", "s")
    assert code != 0
    assert_one_line_error(err, str(path), table, field)
    assert not (data / "warcs").exists() or not any((data / "warcs").iterdir())  # nothing crawled


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
        assert proc.returncode == 1, (args, proc.stderr)
        assert_one_line_error(proc.stderr)
        assert proc.stderr.strip() == expected.strip()


# ------------------------------------------------------------------------------ unreadable WARCs

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


# ------------------------------------------------------------------------------ a crawled archive

@pytest.fixture(scope="module")
def web() -> Any:
    """A small sample web (12 stories) on 127.0.0.1 / 127.0.0.2 for this module."""
    from archive.sampleweb import SampleWeb

    with SampleWeb(articles=12, seed=1) as sw:
        yield sw


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


def archive_state(data: Path, *, all_files: bool = False) -> tuple[set[str], int]:
    """(capture ids, complete records in the WARCs); asserts that every WARC the index names,
    and every .open one, reads cleanly to its end and that every indexed capture points at one
    of its complete records (the same record id at that offset). ``all_files``: every WARC
    in DATA/warcs is read, indexed or not."""
    import sqlite3

    from archive.warc.reader import iter_records

    with sqlite3.connect(data / "archive.db") as conn:
        rows = conn.execute("SELECT id, warc_file, warc_offset FROM captures").fetchall()
    conn.close()
    indexed_files = {r[1] for r in rows}
    complete: dict[tuple[str, int], str] = {}
    for path in sorted((data / "warcs").iterdir()):
        if path.name.endswith(".warc.gz.open") or path.name in indexed_files or (
                all_files and path.name.endswith(".warc.gz")):
            for info in iter_records(path):  # raises at a break
                complete[(path.name, info.offset)] = info.view.record_id
    for cid, name, offset in rows:
        rid = complete.get((name, offset))
        assert rid is not None and cid in rid, (cid, name, offset, "not a complete record")
    return {r[0] for r in rows}, len(complete)


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


def test_full_disk_stops_the_crawl_cleanly_with_nothing_half_indexed(web: Any, small_disk: Any) -> None:
    """The data directory fills up while the crawl writes WARC records and index rows: the
    run ends with one clear error line and exit 1; every indexed capture points at a complete
    record and every WARC reads cleanly; with space again, ``archive recover`` and a new crawl
    complete and keep everything."""
    name = "disk-full-crawl"
    data = small_disk("900k")
    proc = cli(*crawl_args(web, data))
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
    again = cli(*crawl_args(web, data))
    assert again.returncode == 0, again.stderr
    check = check_archive(name, data, expected=ids)
    after, _ = archive_state(data)
    assert ids <= after and check.lost == 0, str(check)


def test_full_disk_under_the_warcs_stops_the_crawl_at_the_first_failed_write(
        web: Any, crawled: Path, small_disk: Any, tmp_path: Path) -> None:
    """Only ``DATA/warcs`` is full (its own small tmpfs; the index has room): the first WARC
    record that cannot be written stops the crawl — one error line naming the WARC file and the
    OS error, no traceback, no further WARC file opened, nothing in flight indexed, every
    indexed capture a complete record, the crawl row unfinished; with space again the same
    command resumes that crawl and ends with the clean crawl's pages, losing nothing."""
    name = "disk-full-crawl-no-traceback"
    data = tmp_path / "data"
    warcs = small_disk("96k", at=data / "warcs")
    proc = cli(*crawl_args(web, data))
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
    again = cli(*crawl_args(web, data))
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr, again.stderr
    resumed = query(data, "SELECT id, finished FROM crawls")
    urls = {r[0] for r in query(data, "SELECT url FROM captures")}
    clean = {r[0] for r in query(crawled, "SELECT url FROM captures")}
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


# ------------------------------------------------------------------------------ Ctrl-C everywhere

@pytest.fixture(scope="module")
def slow_web() -> Any:
    """The sample web answering after 300 ms: a crawl of it is still working when Ctrl-C comes."""
    from archive.sampleweb import SampleWeb

    sw = SampleWeb(articles=12, seed=2, latency_ms=300)
    sw.start()
    try:
        yield sw
    finally:
        sw.stop()


@pytest.fixture(scope="module")
def big(crawled: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawled archive plus 2 500 captures of one URL, one 8 MB page and 3 000 synthetic
    articles: enough work for every command to be interrupted in the middle of it."""
    import random
    import sqlite3

    data = copy_data(crawled, tmp_path_factory.mktemp("big") / "data")
    write_warc(data / "warcs", "many", 2500, same_url=True)
    write_warc(data / "warcs", "large", 1, body_size=8 * 1024 * 1024)
    assert cli("reindex", "--data", str(data)).returncode == 0
    rng = random.Random(7)
    words = [f"w{i}" for i in range(5000)]
    with sqlite3.connect(data / "archive.db") as conn:
        conn.executemany(
            "INSERT INTO articles (capture_id, url, site, text, word_count, captured) VALUES (?, ?, ?, ?, ?, ?)",
            [(f"synthetic-{i}", f"http://127.0.0.9/a/{i}", "127.0.0.9",
              " ".join(rng.choice(words) for _ in range(300)), 300, "2025-01-01T00:00:00Z")
             for i in range(3000)])
    return data


def _pids(pid: int) -> list[int]:
    """The process and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _has_open(pid: int, needle: str) -> bool:
    for p in _pids(pid):
        try:
            for fd in os.listdir(f"/proc/{p}/fd"):
                try:
                    if needle in os.readlink(f"/proc/{p}/fd/{fd}"):
                        return True
                except OSError:
                    pass
        except OSError:
            pass
    return False


class Interrupted:
    """A command started in its own process group (like a terminal's foreground job), one
    SIGINT to the group once ``ready`` says it is working (the group is stopped while the
    signal is sent, so it arrives in the middle of the work), then its output and exit status."""

    def __init__(self, args: list[str], ready: Any, *, hold_stdout: bool = False) -> None:
        import signal
        import threading
        import time

        self.args = args
        self.err: list[str] = []
        self.out = b""
        self.first_out = threading.Event()
        # SIGINT at its default in the child: a pytest started in the background (SIGINT ignored,
        # inherited) would otherwise start programs that ignore the very signal under test
        self.proc = subprocess.Popen([PY, "-m", "archive.cli", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=str(ROOT), start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.resume = threading.Event()
        threading.Thread(target=self._read_err, daemon=True).start()
        out_thread = threading.Thread(target=self._read_out, args=(hold_stdout,), daemon=True)
        out_thread.start()
        deadline = time.monotonic() + 300  # a hang guard: start-up is slow on a loaded machine
        try:
            while not ready(self):
                assert self.proc.poll() is None, (args, "ended before it was interrupted",
                                                  self.proc.returncode, "".join(self.err))
                assert time.monotonic() < deadline, (args, "never got to work", "".join(self.err))
                time.sleep(0.01)
            # freeze the group where it was seen working, so the signal lands there and not
            # after a quick command already finished; SIGINT is delivered on SIGCONT
            os.killpg(self.proc.pid, signal.SIGSTOP)
            assert self.proc.poll() is None, (args, "ended before it was interrupted", "".join(self.err))
            os.killpg(self.proc.pid, signal.SIGINT)
            os.killpg(self.proc.pid, signal.SIGCONT)
            self.resume.set()
            self.returncode = self.proc.wait(300)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        out_thread.join(10)
        self.stderr = "".join(self.err)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in iter(self.proc.stderr.readline, b""):
            self.err.append(line.decode("utf-8", "replace"))

    def _read_out(self, hold: bool) -> None:
        assert self.proc.stdout is not None
        first = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else b""
        self.out += first
        if first:
            self.first_out.set()
        if hold:  # stop reading: the command blocks writing, in the middle of its output
            self.resume.wait(60)
        self.out += self.proc.stdout.read()


def warcs_open(it: Interrupted, data: Path) -> bool:
    return any(p.name.endswith(".open") for p in (data / "warcs").iterdir()) if (data / "warcs").exists() else False


# Commands whose SIGINT is covered elsewhere, and why.
INTERRUPT_ELSEWHERE = {
    "schedule": "tests/test_prefect_schedule.py: 'archive schedule serve' stops on one SIGINT",
    "watch": "tests/test_watch.py: 'archive watch run' stops on Ctrl-C while a webhook hangs",
}
# Long-running servers: Ctrl-C is how they are stopped; they say what stopped ('stopped' as their
# last line) and exit 130 like every other command.
SERVERS = {"sample-web", "serve"}


def interrupt_jobs(web: Any, crawled: Path, big: Path, tmp: Path) -> dict[str, tuple[Path, list[str], Any, bool]]:
    """command -> (its data dir, arguments, 'is it working yet', hold stdout)."""
    import shutil

    def fresh(name: str, src: Path) -> Path:
        return copy_data(src, tmp / name / "data")

    jobs: dict[str, tuple[Path, list[str], Any, bool]] = {}
    d = fresh("crawl", crawled)
    jobs["crawl"] = (d, crawl_args(web, d), lambda it, d=d: warcs_open(it, d), False)
    d = fresh("run", crawled)
    jobs["run"] = (d, ["run", "--data", str(d), "--seed", web.aggregator_url + "/", "--depth", "2",
                       "--delay", "0", "--workers", "1"], lambda it, d=d: warcs_open(it, d), False)
    cfg = tmp / "render.toml"
    cfg.write_text(_table("sources.r", {"start": [web.publisher_url + "/"], "render": True,
                                        "ssrf_guard": False, "depth": 1, "delay": 0}))
    d = fresh("render", crawled)
    jobs["render"] = (d, ["render", "--data", str(d), "--config", str(cfg), "--source", "r"],
                      lambda it: len(_pids(it.proc.pid)) > 2, False)
    d = tmp / "demo" / "data"
    jobs["demo"] = (d, ["demo", "--data", str(d), "--no-serve", "--articles", "8"],
                    lambda it: any(ln.startswith("crawl 1 ") for ln in it.err), False)
    d = fresh("sample-web", crawled)
    jobs["sample-web"] = (d, ["sample-web", "--articles", "4", "--port", "0", "--publisher-port", "0",
                              "--publisher-host", "127.0.0.2"], lambda it: it.first_out.is_set(), False)
    d = fresh("serve", crawled)
    jobs["serve"] = (d, ["serve", "--data", str(d), "--port", "0"], lambda it: _answers(it.proc.pid), False)
    d = fresh("reindex", big)
    jobs["reindex"] = (d, ["reindex", "--data", str(d)], lambda it: _has_open(it.proc.pid, "many-"), False)
    d = fresh("recover", big)
    many = next((d / "warcs").glob("many-*.warc.gz"))
    many.rename(many.with_name(many.name + ".open"))  # as a killed crawl leaves it: not indexed
    import sqlite3
    with sqlite3.connect(d / "archive.db") as conn:  # a killed crawl neither indexed nor registered it
        conn.execute("DELETE FROM captures WHERE warc_file = ?", (many.name,))
        conn.execute("DELETE FROM warc_files WHERE name = ?", (many.name,))
    conn.close()
    jobs["recover"] = (d, ["recover", "--data", str(d)], lambda it: _has_open(it.proc.pid, "many-"), False)
    d = fresh("extract", crawled)
    jobs["extract"] = (d, ["extract", "--data", str(d), "--workers", "2", "--batch-size", "2"],
                       lambda it, d=d: len(_pids(it.proc.pid)) > 1 and _rows(d, "articles") > 0, False)
    d = fresh("dedupe", big)
    jobs["dedupe"] = (d, ["dedupe", "--data", str(d), "--workers", "1"],
                      lambda it: _has_open(it.proc.pid, "archive.db"), False)
    d = fresh("replay", big)
    jobs["replay"] = (d, ["replay", "--data", str(d), "http://127.0.0.1:1/large/0"],
                      lambda it: it.first_out.is_set(), True)
    d = fresh("captures", big)
    jobs["captures"] = (d, ["captures", "--data", str(d), "http://127.0.0.1:1/many/"],
                        lambda it: it.first_out.is_set(), True)
    d = tmp / "import" / "data"
    src = tmp / "import-src"
    src.mkdir(parents=True)
    shutil.copy(next((big / "warcs").glob("many-*.warc.gz")), src / "many-import.warc.gz")
    jobs["import"] = (d, ["import", "--no-process", "--data", str(d), str(src / "many-import.warc.gz")],
                      lambda it: _has_open(it.proc.pid, "many-import"), False)
    d = fresh("warc-publish", big)
    many_file = next((d / "warcs").glob("many-*.warc.gz"))
    for i in range(40):  # enough files that publishing is still going after the first one
        shutil.copy(many_file, d / "warcs" / f"copy{i:02d}-{many_file.name}")
    store = tmp / "store"
    jobs["warc-publish"] = (d, ["warc-publish", "--data", str(d), "--to", f"file://{store}"],
                            lambda it: store.exists() and any(store.rglob("*.warc.gz")), False)
    d = fresh("export-wacz", big)
    jobs["export-wacz"] = (d, ["export-wacz", "--data", str(d), str(tmp / "out.wacz")],
                           lambda it: (tmp / "out.wacz.part").exists() or _has_open(it.proc.pid, "many-"),
                           False)
    return jobs


def _rows(data: Path, table: str) -> int:
    """Rows in a table, read while a command writes (WAL: readers do not wait)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{data / 'archive.db'}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _capture_ids(data: Path) -> set[str]:
    import sqlite3

    conn = sqlite3.connect(data / "archive.db")
    try:
        return {r[0] for r in conn.execute("SELECT id FROM captures")}
    finally:
        conn.close()


def _answers(pid: int) -> bool:
    """``archive serve --port 0`` answers on the port it took (read back from the kernel)."""
    import httpx
    from support.ports import listening_ports

    ports = listening_ports(pid)
    if len(ports) != 1:
        return False
    try:
        return httpx.get(f"http://127.0.0.1:{ports.pop()}/-/versions.json", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_ctrl_c_in_every_command(slow_web: Any, crawled: Path, big: Path, tmp_path: Path) -> None:
    from archive.cli import COMMANDS
    from archive.fetch.crawler import recover_and_index

    jobs = interrupt_jobs(slow_web, crawled, big, tmp_path)
    assert set(jobs) | set(INTERRUPT_ELSEWHERE) == set(COMMANDS), "a command without a Ctrl-C case"
    before = {name: _capture_ids(d) for name, (d, _, _, _) in jobs.items() if (d / "archive.db").exists()}

    def one(name: str) -> tuple[str, Interrupted | AssertionError]:
        d, args, ready, hold = jobs[name]
        try:
            return name, Interrupted(args, ready, hold_stdout=hold)
        except AssertionError as exc:
            return name, exc

    with ThreadPoolExecutor(3) as pool:
        results = dict(pool.map(one, sorted(jobs)))
    failures = []
    for name, it in results.items():
        case = f"ctrl-c-{name}"
        if isinstance(it, AssertionError):
            failures.append(f"{name}: {it}")
            continue
        lines = [ln.strip() for ln in it.stderr.splitlines() if ln.strip()]
        try:
            assert "Traceback" not in it.stderr, it.stderr
            if name in SERVERS:
                assert it.returncode == 130 and lines and "stopped" in lines[-1], (it.returncode, lines)
            else:
                assert it.returncode == 130, (it.returncode, it.stderr)
                assert lines and lines[-1] == "interrupted", lines
            d = jobs[name][0]
            if (d / "archive.db").exists():
                # what the next run does first: index records the interrupted one wrote but did
                # not index (the batch in flight); nothing may be missing after that
                recover_and_index(d)
                check = check_archive(case, d, expected=before.get(name, set()))
                ids, _ = archive_state(d)  # WARCs read cleanly, every row points at a record
                assert not (before.get(name, set()) - ids) and check.lost == 0, str(check)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
            continue
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("module", ["click", "archive.errors", "archive.cli.common"])
def test_ctrl_c_during_start_up_prints_no_traceback(tmp_path: Path, module: str) -> None:
    """SIGINT while the program imports its modules (seen through ``-X importtime``, which
    prints each import as it completes): one 'interrupted' line, no traceback. (A SIGINT in
    the interpreter's own site initialisation or in runpy between importing ``archive.cli`` and
    calling its ``main``, before any of the program runs, is Python's: it prints a traceback.)"""
    import signal

    proc = subprocess.Popen([PY, "-X", "importtime", "-m", "archive.cli", "export-wacz", "--data",
                             str(tmp_path / "d"), str(tmp_path / "x.wacz")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(rf"\|\s+{re.escape(module)}$", line.rstrip()):
            proc.send_signal(signal.SIGSTOP)  # frozen in the imports, then interrupted there
            proc.send_signal(signal.SIGINT)
            proc.send_signal(signal.SIGCONT)
            break
    rest = proc.stderr.read()
    proc.wait(30)
    err = "".join(seen) + rest
    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert [ln for ln in rest.splitlines() if not ln.startswith("import time:")][-1] == "interrupted"
