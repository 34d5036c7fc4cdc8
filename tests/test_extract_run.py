"""The batch runner over real WARC files and a real SQLite index: incremental, idempotent,
resumable, errors recorded, both worker processes used, rules chosen per crawl and host."""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "eval"))
from corpus import write_pages  # noqa: E402
from evaluate import load_cases  # noqa: E402

from archive.config import load_config  # noqa: E402
from archive.extract import run_extract  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "sources.toml"


def _counts(data_dir: Path) -> dict[str, int]:
    con = sqlite3.connect(data_dir / "archive.db")
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "digest_items", "extract_errors", "extract_done")}
    finally:
        con.close()


@pytest.fixture(scope="module")
def config():
    return load_config(CONFIG)


def test_pool_run_then_rerun_adds_nothing(tmp_path, config):
    data = tmp_path / "data"
    cases = load_cases()
    # the am1 pages as one seed crawl recorded with --rules am1; the publishers' pages by host
    am1 = [(c.url, c.headers, c.body) for c in cases if c.rules == "am1"]
    pubs = [(c.url, c.headers, c.body) for c in cases if c.rules != "am1"]
    write_pages(data, am1 * 2, crawl_id="c-am1", rules="am1",
                seeds=["https://am1.news/usconservative/topic/waexaminer", "http://127.0.0.1:8601/usconservative/"])
    write_pages(data, pubs, crawl_id="c-pub", source="publishers")
    n = 2 * len(am1) + len(pubs)
    seen: list[tuple[int, int]] = []
    stats = run_extract(data, config, workers=2, batch_size=4, progress=lambda d, t: seen.append((d, t)))
    errors_expected = 2 * sum(1 for c in cases if "error" in c.expected)
    assert stats.seen == n
    assert stats.errors == errors_expected
    assert stats.digests == 2 and stats.digest_items == 8
    assert stats.articles == n - errors_expected - 2
    assert stats.workers == 2 and len(stats.worker_pids) == 2 and os.getpid() not in stats.worker_pids
    assert seen[-1] == (n, n) and len(seen) == stats.batches >= 10
    counts = _counts(data)
    assert counts == {"articles": stats.articles, "digest_items": 8, "extract_errors": errors_expected,
                      "extract_done": n}
    # idempotent: a second run finds nothing to do and adds nothing
    again = run_extract(data, config, workers=2, batch_size=4)
    assert (again.seen, again.articles, again.errors) == (0, 0, 0)
    assert _counts(data) == counts
    con = sqlite3.connect(data / "archive.db")
    con.row_factory = sqlite3.Row
    rows = {r["url"]: r for r in con.execute("SELECT * FROM articles")}
    copy = rows["http://127.0.0.1:8601/usconservative/topic/waexaminer/6-slug-israel-war"]
    assert copy["rules"] == "am1" and copy["site"] == "127.0.0.1:8601"  # crawl's rules on a seed host
    assert copy["original_publisher"] == "Washington Examiner" and copy["aggregator_date"] == "2025-06-20"
    orig = rows["https://nypost.com/2023/12/19/metro/city-council-delays-vote-on-ferry-subsidy/"]
    assert orig["rules"] == "new-york-post" and orig["site"] == "nypost.com"  # by the block's hosts
    assert orig["published"] == "2023-12-19T15:42:00Z"
    errs = [r[0] for r in con.execute("SELECT error FROM extract_errors")]
    assert any("does not decode" in e for e in errs)  # the mis-declared charset, recorded
    # full-text search sees the new rows (FTS triggers)
    hits = con.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'Kalashnikovs'").fetchone()[0]
    assert hits >= 2
    con.close()


def test_interrupted_run_resumes_without_duplicates(tmp_path, config):
    data = tmp_path / "data"
    cases = [c for c in load_cases() if "text" in c.expected]
    write_pages(data, [(c.url, c.headers, c.body) for c in cases], rules="am1",
                seeds=["https://am1.news/", "http://127.0.0.1:8601/"])

    class Stop(Exception):
        pass

    def stop_after_two(done: int, total: int) -> None:
        if done >= 6:
            raise Stop()

    with pytest.raises(Stop):
        run_extract(data, config, workers=1, batch_size=3, progress=stop_after_two)
    assert _counts(data)["articles"] == 6  # the batches already written are kept
    rest = run_extract(data, config, workers=1, batch_size=3)
    assert rest.seen == len(cases) - 6
    assert _counts(data)["articles"] == len(cases)


def test_only_html_2xx_responses_are_taken(tmp_path, config):
    data = tmp_path / "data"
    case = next(c for c in load_cases() if c.name == "original_nypost")
    write_pages(data, [(case.url, case.headers, case.body)], crawl_id="ok")
    write_pages(data, [(case.url + "?404", case.headers, case.body)], crawl_id="nf", status=404)
    write_pages(data, [("https://nypost.com/feed/", [("Content-Type", "application/rss+xml")], b"<rss/>"),
                       ("https://nypost.com/x.png", [("Content-Type", "image/png")], b"\x89PNG")], crawl_id="other")
    stats = run_extract(data, config, workers=2)
    assert (stats.seen, stats.articles) == (1, 1)


def test_capture_ids_limit_the_run(tmp_path, config):
    data = tmp_path / "data"
    cases = [c for c in load_cases() if c.rules == "am1" and "text" in c.expected][:4]
    caps = write_pages(data, [(c.url, c.headers, c.body) for c in cases], rules="am1", seeds=["https://am1.news/"])
    many = [f"no-such-capture-{i}" for i in range(40_000)] + [caps[1].id]  # beyond SQLite's variable limit
    stats = run_extract(data, config, capture_ids=many)
    assert stats.seen == 1
    con = sqlite3.connect(data / "archive.db")
    assert [r[0] for r in con.execute("SELECT capture_id FROM articles")] == [caps[1].id]
    con.close()


def test_cli_extract_prints_a_summary(tmp_path):
    from archive.cli import cli

    data = tmp_path / "data"
    cases = [c for c in load_cases() if c.name in ("am1_seed_flat_canonical", "broken_empty", "am1_digest")]
    write_pages(data, [(c.url, c.headers, c.body) for c in cases], rules="am1", seeds=["https://am1.news/"])
    res = CliRunner().invoke(cli, ["extract", "--data", str(data), "--config", str(CONFIG), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "3 captures: 1 articles, 1 digest pages (4 items), 0 skipped, 1 errors" in res.output
    res2 = CliRunner().invoke(cli, ["extract", "--data", str(data), "--config", str(CONFIG)])
    assert "0 captures" in res2.output


def test_missing_warc_is_a_recorded_error_and_can_be_retried(tmp_path, config):
    data = tmp_path / "data"
    case = next(c for c in load_cases() if c.name == "original_pjmedia")
    caps = write_pages(data, [(case.url, case.headers, case.body)])
    warc = data / "warcs" / caps[0].warc_file
    moved = tmp_path / "elsewhere.warc.gz"
    warc.rename(moved)
    stats = run_extract(data, config)
    assert (stats.seen, stats.errors, stats.articles) == (1, 1, 0)
    assert run_extract(data, config).seen == 0  # recorded: not retried on its own
    moved.rename(warc)
    again = run_extract(data, config, retry_errors=True)
    assert (again.seen, again.articles) == (1, 1)
    assert _counts(data)["extract_errors"] == 0


def test_a_page_over_its_time_limit_is_a_recorded_error(tmp_path, config):
    from archive.extract.rules import load_rules
    from archive.extract.run import Job, extract_one

    data = tmp_path / "data"
    case = next(c for c in load_cases() if c.name == "original_examiner")
    cap = write_pages(data, [(case.url, case.headers, case.body)])[0]
    job = Job(cap.id, cap.url, cap.timestamp, None, str(data / "warcs" / cap.warc_file), cap.warc_offset,
              "washington-examiner")
    ruleset = load_rules(config)
    out = extract_one(job, ruleset, time_limit=1e-4)
    assert out.kind == "error" and "took more than" in out.detail
    assert extract_one(job, ruleset).kind == "article"  # the limit is disarmed afterwards
