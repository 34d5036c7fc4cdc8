"""Two fetcher processes: each writes its own WARC files, the crawl process alone indexes, and
every URL is fetched once; with a delay, a host stays in one fetcher (its spacing holds)."""
from __future__ import annotations

import collections
import sqlite3
import subprocess

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from support.interop import tool
from support.paths import ROOT


def test_two_fetchers_share_the_crawl(data_dir):
    from archive.sampleweb import SampleWeb

    config = load_config(ROOT / "config" / "sources.toml")
    # 200 ms a response keeps the crawl going for seconds, so the second fetcher process (which
    # takes a moment to start on a loaded machine) always gets its share of the URLs
    with SampleWeb(articles=40, seed=1, latency_ms=200) as sample_web:
        seeds = [sample_web.aggregator_url + "/", sample_web.publisher_url + "/feed.xml"]
        stats = crawl(config, data_dir, seeds=seeds,
                      options=CrawlOptions(depth=4, per_host=4, delay=0, fetchers=2), warc_prefix="two")
        truth = sample_web.truth()
        log = list(sample_web.request_log)
    files = sorted((data_dir / "warcs").glob("*.warc.gz"))
    assert {f.name.split("-")[1] for f in files} == {"f0", "f1"} and all(f.name.startswith("two-") for f in files)
    for f in files:
        out = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
    with sqlite3.connect(data_dir / "archive.db") as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM captures WHERE url NOT LIKE '%/robots.txt'")]
        (pages, finished), = conn.execute("SELECT pages, finished FROM crawls").fetchall()
    assert finished and pages == stats.pages == len(urls)
    assert len(urls) == len(set(urls))
    assert {s.original_url for s in truth} <= set(urls)
    requests = collections.Counter(r.path for r in log if r.path != "/robots.txt" and r.role == "publisher")
    assert max(requests.values()) == 1


def test_polite_crawl_keeps_each_host_in_one_fetcher(sample_web, data_dir):
    config = load_config(ROOT / "config" / "sources.toml")
    seeds = [sample_web.aggregator_url + "/usconservative/topic/pjmedia", sample_web.publisher_url + "/pjmedia/"]
    crawl(config, data_dir, seeds=seeds, options=CrawlOptions(depth=1, delay=0.05, per_host=4, fetchers=2,
                                                               override_politeness=False))
    by_host = collections.defaultdict(set)
    with sqlite3.connect(data_dir / "archive.db") as conn:
        for url, warc_file in conn.execute("SELECT url, warc_file FROM captures"):
            by_host[url.split("/")[2]].add(warc_file.split("-")[1])
    assert len(by_host) == 2 and all(len(v) == 1 for v in by_host.values())
    assert set().union(*by_host.values()) == {"f0", "f1"}
    # spacing per host, as the server saw it
    for role in ("aggregator", "publisher"):
        times = [r.monotonic for r in sample_web.request_log if r.role == role and r.path != "/robots.txt"]
        assert len(times) > 3
        assert min(b - a for a, b in zip(times, times[1:])) >= 0.05
