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
