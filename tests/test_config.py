"""Config loading: typed sources, and errors that name the file, the source and the field."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Source, load_config
from archive.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, body: str, rules: str | None = None) -> Path:
    p = tmp_path / "sources.toml"
    p.write_text(body)
    if rules is not None:
        (tmp_path / "rules.toml").write_text(rules)
    return p


def test_shipped_config_loads_with_sample_and_real_sources():
    cfg = load_config(ROOT / "config" / "sources.toml")
    for name in ("sample-aggregator", "sample-publisher", "am1-waexaminer", "am1-nypost",
                 "am1-pjmedia", "am1-watimes", "am1-digest"):
        assert isinstance(cfg.source(name), Source)
    am1 = cfg.source("am1-waexaminer")
    assert am1.rules == "am1" and am1.follow_original and am1.schedule == "17 * * * *"
    assert am1.ssrf_guard is True
    assert cfg.source("sample-aggregator").ssrf_guard is False
    assert "am1" in cfg.rules


GOOD = """
[sources.s]
start = ["http://127.0.0.1:1/"]
"""


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ('depth = "two"', "depth", "integer"),
        ("depth = -1", "depth", ">= 0"),
        ("per_host = 0", "per_host", ">= 1"),
        ("delay = -0.5", "delay", ">= 0"),
        ('follow_original = "yes"', "follow_original", "true or false"),
        ('schedule = "61 * * * *"', "schedule", "cron"),
        ("every = 0", "every", ">= 1"),
        ('schedule = "* * * * *"\nevery = 5', "every", "not both"),
        ('user_agent = " "', "user_agent", "empty"),
        ('rules = "nope"', "rules", "no rules block"),
        ("timeout = 0", "timeout", "> 0"),
        ("colour = 1", "colour", "unknown field"),
        ('scope = 3', "scope", "list of strings"),
    ],
)
def test_bad_field_names_file_source_and_field(tmp_path, extra, field, words):
    path = write(tmp_path, GOOD + extra + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg and "sources.s" in msg and field in msg and words in msg
    assert err.value.field == field


def test_bad_start_url_and_missing_seeds(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.s: start: 'ftp://x/' is not an http"):
        load_config(write(tmp_path, '[sources.s]\nstart = ["ftp://x/"]\n'))
    with pytest.raises(ConfigError, match=r"sources\.s: start: needs at least one"):
        load_config(write(tmp_path, '[sources.s]\ndepth = 1\n'))


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[sources.s\n"))
    with pytest.raises(ConfigError, match="unknown top-level"):
        load_config(write(tmp_path, GOOD + "[sorces.x]\na=1\n"))


def test_rules_file_beside_sources_is_loaded(tmp_path):
    cfg = load_config(write(tmp_path, GOOD + 'rules = "site"\n', rules='[rules.site]\nhosts = ["x"]\n'))
    assert cfg.source("s").rules == "site" and cfg.rules["site"].covers("http://x/any")


def test_unknown_source_names_the_known_ones(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match=r"sources\.zz: no such source \(known: s\)"):
        cfg.source("zz")
