"""Hardening, bad input (issue 7, item 3): a broken config — every field of every config dataclass
with a value of the wrong type and, where the field has a constraint, one out of range.

Each case runs ``archive.cli.main`` in this process (hundreds of cases would otherwise cost
minutes), and a sample of the matrix runs the real ``archive`` program: one clear line naming
file, section and field, the exit code, no traceback, nothing crawled. The in-process cases are
unit checks of the hardening ledger (tests/support/hardening.py), the real-process sample an
end-to-end case."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from archive.cli import main
from archive.config import DedupeParams, Settings, SiteRules, Source
from support.paths import ROOT
from support.program import assert_one_line_error, cli

pytestmark = pytest.mark.hardening("e2e")


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``archive.cli.main`` (the console script's own function) in this process."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    code = stop.value.code if isinstance(stop.value.code, int) else 1
    return code, capsys.readouterr().err


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
