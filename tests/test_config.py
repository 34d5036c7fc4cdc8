"""Config loading: typed sources, and errors that name the file, the source and the field."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import SiteRules, Source, load_config
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


# ------------------------------------------------------------------ rules, publishers, [dedupe]: typed once

def test_rules_publishers_and_dedupe_arrive_typed_from_load_config():
    """Every stage reads typed values: compiled patterns, host tables, thresholds with the
    rules file's registry merged in (nothing left raw for a stage to validate again)."""
    cfg = load_config(ROOT / "config" / "sources.toml")
    am1 = cfg.rules["am1"]
    assert am1.is_aggregator and am1.covers("https://www.am1.news/x")
    assert am1.is_dropped("Sponsor: someone") and not am1.is_dropped("An ordinary sentence.")
    assert am1.headline is not None and am1.headline.strip_prefix == "NextImg:"
    assert cfg.publishers.canonical("THE WASHINGTON EXAMINER") == "Washington Examiner"
    assert cfg.publishers.hosts.publisher_of("https://nypost.com/2025/a/") == "New York Post"
    # [settings] and role = "aggregator" blocks give aggregators; [known_publishers] and
    # role = "publisher" blocks give publishers' own hosts and the names they answer to
    assert {"am1.news", "127.0.0.1:8601"} <= set(cfg.dedupe.known_aggregators)
    assert {"reuters.com", "nypost.com"} <= set(cfg.dedupe.known_publishers)
    assert ("apnews.com", ("Associated Press", "AP", "The Associated Press")) in cfg.dedupe.site_names
    assert cfg.dedupe.bands == 16 and cfg.dedupe.min_containment == 0.5


def test_a_bad_rules_block_stops_loading_naming_the_file_it_is_in(tmp_path):
    """A block is checked when the config loads (a plain crawl stops too), and the error names
    the file that holds the block: the sources file or the rules file beside it."""
    rules = '[rules.site]\nhosts = ["x"]\n'
    bad = GOOD + 'rules = "site"\n[rules.local]\nbyline = "^By (.+)$"\n'
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, bad, rules=rules))
    assert str(err.value).startswith(f"{tmp_path / 'sources.toml'}: rules.local: byline: ")
    assert "(?P<author>" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + 'rules = "site"\n', rules=rules + "min_words = -2\n"))
    assert str(err.value) == f"{tmp_path / 'rules.toml'}: rules.site: min_words: must be an integer >= 0, not -2"


def test_the_crawl_gets_a_block_s_own_link_text_or_none_for_the_default(tmp_path):
    rules = ("[rules.credit]\nlink_text = '(?i)credit'\n[rules.plain]\nrole = 'aggregator'\n"
             "[rules.same]\nlink_text = '''" + SiteRules(name="d").link_text.pattern + "'''\n")
    cfg = load_config(write(tmp_path, GOOD, rules=rules))
    assert cfg.link_text("credit") == "(?i)credit"
    assert cfg.link_text("plain") is None and cfg.link_text("same") is None
    assert cfg.link_text(None) is None and cfg.link_text("no-such-block") is None


@pytest.mark.parametrize("table, line, field", [
    ("sources.s", 'start = ["http://127.0.0.1:1/"]\ndepth = "x"', "depth"),
    ("settings", 'warc_gzip_level = "x"', "warc_gzip_level"),
    ("dedupe", 'bands = "x"', "bands"),
])
def test_a_wrong_type_reads_the_same_in_every_table(tmp_path, table, line, field):
    path = write(tmp_path, f"[{table}]\n{line}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: {table}: {field}: must be an integer, not 'x'"


@pytest.mark.parametrize("rules, section, field, words", [
    ('[known_publishers]\n"reuters.com" = 5\n', "known_publishers", "reuters.com", "publisher name"),
    ('[known_publishers]\n"a:b:c" = "A"\n', "known_publishers", "a:b:c", "not host"),
    ('[known_publishers]\n"." = "A"\n', "known_publishers", ".", "not host"),  # empty as dedupe reads it
    ('[publishers."X"]\nhosts = ["nypost.com:http"]\n', "publishers.X", "hosts", "not host"),
    ('[publishers."X"]\naliases = "one"\n', "publishers.X", "aliases", "list of strings"),
    ('[publishers."X"]\nlogo = "x.png"\n', "publishers.X", "logo", "unknown field"),
])
def test_the_rules_file_s_publisher_tables_are_checked_at_load(tmp_path, rules, section, field, words):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD, rules=rules))
    assert str(err.value).startswith(f"{tmp_path / 'rules.toml'}: {section}: {field}: "), str(err.value)
    assert words in str(err.value)
