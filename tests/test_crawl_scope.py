"""Scope, depth and follow_original on the sample web: a source scoped to one aggregator topic
reaches the originals its copies link to (one hop out of scope) and nothing beyond them."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl


def _config(tmp_path: Path, sw, *, follow: bool, depth: int = 2) -> Path:
    agg_host = sw.aggregator_url.split("//", 1)[1]
    p = tmp_path / "sources.toml"
    p.write_text(f"""
[sources.topic]
start = ["{sw.aggregator_url}/usconservative/topic/waexaminer"]
scope = ["{agg_host}/usconservative/topic/waexaminer"]
depth = {depth}
follow_original = {str(follow).lower()}
delay = 0
per_host = 4
requisites = false
ssrf_guard = false
""")
    return p


def _urls(data: Path) -> set[str]:
    with sqlite3.connect(data / "archive.db") as conn:
        return {u for (u,) in conn.execute("SELECT url FROM captures WHERE url NOT LIKE '%/robots.txt'")}


def test_follow_original_is_one_hop_out_of_scope(sample_web, tmp_path, data_dir):
    cfg = load_config(_config(tmp_path, sample_web, follow=True))
    crawl(cfg, data_dir, source="topic")
    urls = _urls(data_dir)
    truth = sample_web.truth()
    wax = [s for s in truth if s.outlet == "waexaminer" and s.copy_url]
    assert wax
    with sqlite3.connect(data_dir / "archive.db") as conn:
        depth = dict(conn.execute("SELECT url, depth FROM captures"))
    captured_copies = [s for s in wax if s.copy_url in urls and depth[s.copy_url] < 2]
    assert captured_copies
    for s in captured_copies:  # each copy's link to its original was followed (maybe via /r/ redirect)
        assert s.copy_link in urls
        assert s.original_url in urls
    agg, pub = sample_web.aggregator_url, sample_web.publisher_url
    for u in urls:
        if u.startswith(agg):  # on the aggregator only the topic's own pages
            assert u.startswith(agg + "/usconservative/topic/waexaminer"), u
    # publisher pages reached only through an original's own links were not fetched
    originals = {s.original_url for s in truth} | {s.copy_link for s in truth if s.copy_link}
    assert {u for u in urls if u.startswith(pub)} <= originals
    other = [s for s in truth if s.outlet != "waexaminer"]
    assert not any(s.original_url in urls for s in other)


def test_no_follow_original_and_depth_limit(sample_web, tmp_path, data_dir):
    cfg = load_config(_config(tmp_path, sample_web, follow=False, depth=1))
    stats = crawl(cfg, data_dir, source="topic", options=CrawlOptions(max_pages=500))
    urls = _urls(data_dir)
    assert not any(u.startswith(sample_web.publisher_url) for u in urls)
    with sqlite3.connect(data_dir / "archive.db") as conn:
        depths = {d for (d,) in conn.execute("SELECT depth FROM captures WHERE url NOT LIKE '%/robots.txt'")}
    assert depths <= {0, 1}
    assert stats.pages == len(urls)
