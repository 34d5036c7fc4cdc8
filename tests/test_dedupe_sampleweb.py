"""End to end on real pages: crawl the bundled sample web over loopback, extract with the shipped
rules, dedupe — every aggregator copy is paired with its original (a story ingested twice gives
two copies, each against the original), the aggregator side is the copy, and the lag is the
aggregator's date minus the original's, at day resolution."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from archive.config import load_config
from archive.dedupe import run_dedupe

ROOT = Path(__file__).resolve().parent.parent


def test_sample_web_copies_pair_with_their_originals(sample_web, tmp_path):
    from archive.extract import run_extract
    from archive.fetch.crawler import CrawlOptions, crawl

    agg = sample_web.aggregator_url
    host = agg.split("://")[1]
    text = (ROOT / "config" / "sources.toml").read_text()
    cfg = tmp_path / "sources.toml"
    cfg.write_text(text.replace('known_aggregators = []', f'known_aggregators = ["{host}"]'))
    (tmp_path / "rules.toml").write_text((ROOT / "config" / "rules.toml").read_text())
    config = load_config(cfg)
    data = tmp_path / "data"
    crawl(config, data, seeds=[f"{agg}/usconservative/topic/waexaminer", f"{agg}/usconservative/topic/nypost",
                               f"{agg}/usconservative/topic/pjmedia", f"{agg}/usconservative/topic/watimes"],
          options=CrawlOptions(rules="am1", depth=2, follow_original=True, per_host=4, delay=0.0))
    run_extract(data, config, workers=1, batch_size=32)
    stats = run_dedupe(data, config)
    assert stats.pairs >= 10, stats
    print(stats.summary(), stats.pairs_by_direction)

    truth = sample_web.truth()
    con = sqlite3.connect(data / "archive.db")
    ids = {url: i for i, url in con.execute("SELECT id, url FROM articles")}
    rows = {(c, o): (kind, lag, res, how) for c, o, kind, lag, res, how in con.execute(
        "SELECT copy_article_id, original_article_id, kind, lag_seconds, lag_resolution, direction "
        "FROM syndication")}
    expected = set()
    for s in truth:
        if s.original_url not in ids:
            continue
        for cu in s.copy_urls:
            if cu in ids:
                expected.add((ids[cu], ids[s.original_url]))
                kind, lag, res, how = rows.get((ids[cu], ids[s.original_url]), (None,) * 4)
                assert kind is not None, (cu, "not paired with", s.original_url)
                if s.copy_kind == "truncated":
                    assert kind != "full", cu
                pub = dt.date.fromisoformat(s.published[:10])
                agg_day = dt.date.fromisoformat(s.aggregator_date)
                assert (lag, res) == ((agg_day - pub).days * 86400, "day"), cu
    assert len(expected) >= 10
    assert set(rows) == expected  # nothing else: no copy against a copy, no false pair
