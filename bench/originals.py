"""What following originals costs: pages fetched, requests per host and time, for two crawls of
the sample web (figures, not assertions; run it before and after a change to the link rule).

    .venv/bin/python bench/originals.py                     # 40 stories, 3 rounds
    .venv/bin/python bench/originals.py --articles 400 --rounds 2

``topics``: the four aggregator topic pages as seeds (``--rules am1``, depth 2, follow_original;
scope the aggregator host: what the extract and dedupe tests crawl). ``front+feed``: the
aggregator's front page and the publisher's feed (depth 4, both hosts in scope). The sample web
runs in this process (a thread): times include its serving; the best CPU time of the rounds is
kept (CPU seconds of this process: less at the mercy of other jobs than wall time, which is
printed beside it with the load). Logging is quiet. Requests are counted from the server's own log,
per host role (``others``: share, sponsor, ad and other-outlet pages, when the web has them).
"""
from __future__ import annotations

import argparse
import collections
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _seeds(name: str, sw: object) -> tuple[list[str], dict[str, object]]:
    agg, pub = sw.aggregator_url, sw.publisher_url  # type: ignore[attr-defined]
    if name == "topics":
        return ([f"{agg}/usconservative/topic/{s}" for s in ("waexaminer", "nypost", "pjmedia", "watimes")],
                {"rules": "am1", "depth": 2, "follow_original": True})
    return [agg + "/", pub + "/feed.xml"], {"depth": 4}


def run_once(name: str, articles: int) -> tuple[float, float, int, collections.Counter[str]]:
    from archive.config import load_config
    from archive.fetch import CrawlOptions, crawl
    from archive.sampleweb import SampleWeb

    config = load_config(ROOT / "config" / "sources.toml")
    with SampleWeb(articles=articles, seed=1) as sw, tempfile.TemporaryDirectory() as tmp:
        seeds, extra = _seeds(name, sw)
        opts = CrawlOptions(per_host=4, delay=0.0, fetchers=1, **extra)  # type: ignore[arg-type]
        t0, c0 = time.perf_counter(), time.process_time()
        crawl(config, Path(tmp) / "data", seeds=seeds, options=opts)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        with sqlite3.connect(Path(tmp) / "data" / "archive.db") as conn:
            (pages,) = conn.execute("SELECT count(*) FROM captures WHERE url NOT LIKE '%/robots.txt'").fetchone()
        roles = collections.Counter(r.role for r in sw.request_log if r.path != "/robots.txt")
    return seconds, cpu, pages, roles


def main() -> None:
    import logging

    logging.disable(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min); {args.articles} stories, "
          f"best of {args.rounds}")
    for name in ("topics", "front+feed"):
        best: tuple[float, float, int, collections.Counter[str]] | None = None
        for _ in range(args.rounds):
            got = run_once(name, args.articles)
            if best is None or got[1] < best[1]:
                best = got
        assert best is not None
        seconds, cpu, pages, roles = best
        per_role = ", ".join(f"{k} {v}" for k, v in sorted(roles.items()))
        print(f"{name:10s} {pages:5d} captures  {seconds:6.2f} s wall  {cpu:6.2f} s CPU  requests: {per_role}")


if __name__ == "__main__":
    main()
