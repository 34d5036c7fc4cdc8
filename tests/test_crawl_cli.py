"""``archive crawl`` on the command line: the summary line, clear one-line errors, lazy imports."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import ROOT

ARCHIVE = str(Path(sys.executable).parent / "archive")
CONFIG = str(ROOT / "config" / "sources.toml")
SUMMARY = re.compile(r"^crawled (\d+) pages, (\d+) bytes, (\d+) errors in [\d.]+ s \([\d.]+ pages/s\)$")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARCHIVE, *args], capture_output=True, text=True, timeout=300)


def test_seed_crawl_prints_one_summary_line_and_records_rules(sample_web, tmp_path):
    data = tmp_path / "data"
    out = run("crawl", "--data", str(data), "--config", CONFIG, "--seed", sample_web.aggregator_url + "/",
              "--depth", "1", "--max-pages", "15", "--rules", "am1", "--no-follow-original")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    m = SUMMARY.match(lines[0])
    assert m, lines[0]
    pages, size, errors = map(int, m.groups())
    assert pages == 15  # max-pages
    with sqlite3.connect(data / "archive.db") as conn:
        source, rules, seeds, db_pages, db_bytes = conn.execute(
            "SELECT source, rules, seeds, pages, bytes FROM crawls").fetchone()
        hosts = {r[0].split("/")[2] for r in conn.execute("SELECT url FROM captures")}
    assert (source, rules, db_pages, db_bytes) == ("seed", "am1", pages, size)
    assert sample_web.aggregator_url + "/" in seeds
    assert hosts == {sample_web.aggregator_url.split("/")[2]}  # scope: the seeds' hosts, no original followed


def test_source_crawl_uses_the_config(sample_web, tmp_path):
    cfg = tmp_path / "sources.toml"
    cfg.write_text(f"""
[sources.pub]
feeds = ["{sample_web.publisher_url}/feed.xml"]
sitemaps = ["{sample_web.publisher_url}/sitemap.xml"]
depth = 1
delay = 0
per_host = 4
ssrf_guard = false
""")
    data = tmp_path / "data"
    out = run("crawl", "--data", str(data), "--config", str(cfg), "--source", "pub")
    assert out.returncode == 0, out.stderr
    assert SUMMARY.match(out.stdout.strip())
    with sqlite3.connect(data / "archive.db") as conn:
        urls = {r[0] for r in conn.execute("SELECT url FROM captures")}
        (source,) = conn.execute("SELECT source FROM crawls").fetchone()
    assert source == "pub"
    originals = {s.original_url for s in sample_web.truth()}
    assert originals <= urls  # feed + sitemap items


@pytest.mark.parametrize("args, needle", [
    (["--source", "no-such-source"], "no-such-source"),
    (["--seed", "ftp://example.invalid/x"], "ftp://example.invalid/x"),
    (["--seed", "http:///nohost"], "http:///nohost"),
    ([], "--source"),
    (["--source", "sample-aggregator", "--seed", "http://127.0.0.1:1/"], "not both"),
    (["--seed", "http://127.0.0.1:1/", "--rules", "no-such-rules"], "no-such-rules"),
    (["--seed", "http://127.0.0.1:1/", "--depth", "-1"], "--depth"),
])
def test_bad_input_is_one_clear_line(tmp_path, args, needle):
    out = run("crawl", "--data", str(tmp_path / "data"), "--config", CONFIG, *args)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert needle in out.stderr
    assert out.stdout == ""


def test_help_does_not_import_the_crawler():
    code = ("import sys; from archive.cli import cli; from archive.cli import capture; "
            "print(sorted(m for m in ('httpx', 'warcio', 'sqlite_utils') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
    helped = run("crawl", "--help")
    assert helped.returncode == 0
    for opt in ("--source", "--seed", "--depth", "--max-pages", "--follow-original", "--concurrency",
                "--per-host", "--delay", "--rules", "--data", "--config"):
        assert opt in helped.stdout
