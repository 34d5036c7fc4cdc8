"""Datasette at a million articles: the front page's search, the table pages, every canned query.

    .venv/bin/python bench/search.py [--dir /work/wt/bench-data/search-1m] [--articles 1000000]
                                     [--reuse] [--repeat 15] [--baseline GIT-REF [--baseline-repeat 3]]

Builds (once: ``--reuse`` keeps it) an archive with the project's own schema and realistic word
frequencies (``bench/search_corpus.py``), brings the summary tables up to date as the pipeline
does (timed: the first build, then an incremental refresh after 1 000 more pairs), then requests
every page through the archive's real Datasette app (its plugin, metadata and settings) in this
process, warm cache, one request at a time. Prints p50 / p95 / max in ms per page and per search
term class (very common ≥ 90 % of articles, common 50–80 %, mid 0.5–3 %, rare ≤ 0.02 %), with ``uptime`` load before
and after. Goals (issue 15): p95 < 100 ms for the front page's search (20 rows), < 300 ms for
every table page and canned query.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SEARCH_GOAL_MS, PAGE_GOAL_MS = 100, 300


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def refresh_summaries(data: Path) -> dict[str, float]:
    """The watch stage's refresh, timed: as built (first run), then after 1 000 new pairs."""
    import sqlite3

    from archive.index import open_db
    from archive.index.summaries import refresh_all

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    db = open_db(data)  # also creates indexes the bench archive lacks (captures_timestamp)
    out["open (schema, indexes)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    st = refresh_all(db)["copies"]
    out[f"refresh ({st.added} pairs added)"] = time.perf_counter() - t0
    conn: sqlite3.Connection = db.conn
    runs = conn.execute("SELECT count(*) FROM syndication WHERE original_url = 'https://example.invalid/o'").fetchone()[0]
    with conn:  # 1 000 more pairs, as one dedupe run adds them (other ones on each bench run)
        conn.execute("INSERT OR IGNORE INTO syndication (copy_article_id, original_article_id, copy_url, original_url, "
                     "method, kind, lag_seconds, direction, confidence, diff, created) "
                     "SELECT a.id, a.id - 1, a.url, 'https://example.invalid/o', 'minhash', 'full', 3600, 'date', "
                     "'low', '', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM articles a "
                     "WHERE a.id > (SELECT max(id) - 50000 FROM articles) AND a.id % 50 = ?", ((runs // 1000) % 50,))
    t0 = time.perf_counter()
    st = refresh_all(db)["copies"]
    out[f"incremental refresh ({st.added} pairs added)"] = time.perf_counter() - t0
    conn.close()
    return out


def urls(terms: dict[str, list[str]], sample_url: str, tables: list[str]) -> list[tuple[str, str, str]]:
    """(group, label, path) of every page measured."""
    out: list[tuple[str, str, str]] = [("front", "front page /", "/")]
    for cls, words in terms.items():
        for w in words:
            out.append(("search", f"front-page search, {cls}", f"/archive/search_articles?q={w}"))
            out.append(("search", f"front-page search JSON, {cls}", f"/archive/search_articles.json?q={w}&_shape=array"))
            out.append(("table", f"articles ?_search=, {cls}", f"/archive/articles?_search={w}"))
            out.append(("table", f"articles.json ?_search=, {cls}", f"/archive/articles.json?_search={w}"))
    for t in tables:
        out.append(("table", f"table {t}", f"/archive/{t}"))
    u = quote_plus(sample_url)
    canned = [
        ("new_copies ?publisher=", "/archive/new_copies?publisher=Washington+Examiner"),
        ("new_copies.atom ?publisher=", "/archive/new_copies.atom?publisher=Washington+Examiner"),
        ("new_copies (all)", "/archive/new_copies"),
        ("new_copies ?publisher=<rare>", "/archive/new_copies?publisher=Lakeside+Courier"),
        ("new_copies_on_aggregator.atom", "/archive/new_copies_on_aggregator.atom?aggregator=am1.news"),
        ("new_versions.atom (all)", "/archive/new_versions.atom"),
        ("new_versions ?url=", f"/archive/new_versions?url={u}"),
        ("syndicated_copies ?publisher=Examiner", "/archive/syndicated_copies?publisher=Examiner"),
        ("syndicated_copies (all)", "/archive/syndicated_copies"),
        ("syndicated_copies ?publisher=<rare>", "/archive/syndicated_copies?publisher=Lakeside"),
        ("lag_distribution", "/archive/lag_distribution"),
        ("captures_of_url", f"/archive/captures_of_url?url={u}"),
        ("url_changes ?url=", f"/archive/url_changes?url={u}"),
        ("url_changes (all)", "/archive/url_changes"),
        ("daily_counts", "/archive/daily_counts"),
        ("daily_counts ?source=", "/archive/daily_counts?source=washingtonexaminer"),
        ("search_articles (empty q)", "/archive/search_articles?q="),
        ("charts /-/archive-charts", "/-/archive-charts"),
    ]
    out += [("canned", label, path) for label, path in canned]
    return out


async def measure(ds: Any, pages: list[tuple[str, str, str]], repeat: int) -> dict[tuple[str, str], list[float]]:
    times: dict[tuple[str, str], list[float]] = {}
    good = []
    for page in pages:  # warm: one untimed request each
        t0 = time.perf_counter()
        r = await ds.client.get(page[2])
        if r.status_code != 200:
            print(f"FAILED {page[2]}: {r.status_code} after {time.perf_counter() - t0:.1f} s", flush=True)
            times[(page[0], page[1] + " FAILED")] = [float("inf")]
        else:
            good.append(page)
    for _ in range(repeat):
        for group, label, path in good:
            t0 = time.perf_counter()
            r = await ds.client.get(path)
            times.setdefault((group, label), []).append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, path
    return times


def baseline_pages(terms: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    out = [("table", f"articles.json ?_search=, {cls}", f"/archive/articles.json?_search={words[0]}")
           for cls, words in terms.items()]
    out += [("table", "table articles", "/archive/articles"),
            ("canned", "daily_counts", "/archive/daily_counts"),
            ("canned", "syndicated_copies ?publisher=Examiner", "/archive/syndicated_copies?publisher=Examiner")]
    return out


def measure_baseline(ref: str, data: Path, terms: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """p50 ms of a few pages with the metadata of ``ref`` and Datasette's default settings."""
    import subprocess

    import yaml
    from datasette.app import Datasette

    from archive.datasette_plugin.app import SETTINGS

    text = subprocess.run(["git", "show", f"{ref}:config/datasette.yml"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    meta = yaml.safe_load(text)
    meta.setdefault("plugins", {}).setdefault("archive", {})["data_dir"] = str(data)
    settings = {k: v for k, v in SETTINGS.items() if k not in ("suggest_facets", "facet_time_limit_ms")}
    ds = Datasette(files=[str(data / "archive.db")], metadata=meta, settings=settings)
    times = asyncio.run(measure(ds, baseline_pages(terms), repeat))
    return {label: statistics.median(ms) for (_, label), ms in times.items()}


def report(times: dict[tuple[str, str], list[float]]) -> bool:
    ok = True
    print(f"\n{'page':48} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}  goal")
    for (group, label), ms in times.items():
        ms = sorted(ms)
        p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
        goal = SEARCH_GOAL_MS if group == "search" else PAGE_GOAL_MS
        met = p95 < goal
        ok &= met
        print(f"{label:48} {len(ms):4d} {statistics.median(ms):8.1f} {p95:8.1f} {ms[-1]:8.1f}  "
              f"< {goal} {'met' if met else 'MISSED'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("/work/wt/bench-data/search-1m"))
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="reuse the archive built by an earlier run")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--skip-refresh", action="store_true", help="the summaries are already up to date")
    ap.add_argument("--baseline", metavar="GIT-REF", help="also measure a few pages as served at this commit")
    ap.add_argument("--baseline-repeat", type=int, default=3)
    args = ap.parse_args()

    from search_corpus import load_or_build

    print(f"{time.strftime('%H:%M:%S UTC', time.gmtime())} {load()} (2 cores, shared)")
    info = load_or_build(args.dir, args.articles, args.reuse)
    size = sum(f.stat().st_size for f in args.dir.glob("archive.db*")) / 1e9
    print(f"archive: {info['articles']} articles, {size:.1f} GB; terms {info['terms']}")
    if not args.skip_refresh:
        for what, s in refresh_summaries(args.dir).items():
            print(f"  summary {what}: {s:.1f} s")
    from archive.datasette_plugin.app import load_metadata, make_datasette

    ds = make_datasette(args.dir, load_metadata(ROOT / "config" / "datasette.yml", args.dir), refresh=False)
    import sqlite3

    conn = sqlite3.connect(f"file:{args.dir / 'archive.db'}?mode=ro", uri=True)
    sample_url = conn.execute("SELECT url FROM versions ORDER BY id DESC LIMIT 1").fetchone()[0]
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    tables = [t for t in ("articles", "syndication", "captures", "versions", "digest_items", "crawls", "fetch_errors",
                          "extract_errors", "warc_damage") if t in present]
    pages = urls(info["terms"], sample_url, tables)
    print(f"{time.strftime('%H:%M:%S UTC', time.gmtime())} {load()} before measuring")
    times = asyncio.run(measure(ds, pages, args.repeat))
    ok = report(times)
    print(f"{time.strftime('%H:%M:%S UTC', time.gmtime())} {load()} after")
    if args.baseline:
        before = measure_baseline(args.baseline, args.dir, info["terms"], args.baseline_repeat)
        print(f"\nas served at {args.baseline} (p50 ms; {load()}):")
        print(f"{'page':48} {'before':>9} {'now':>8} {'ratio':>8}")
        for label, ms in before.items():
            plain = label.replace(" FAILED", "")
            now = [statistics.median(v) for (g, lab), v in times.items() if lab == plain]
            if not now:
                continue
            if ms == float("inf"):  # Datasette's sql_time_limit_ms (5 s) stopped it
                print(f"{plain:48} {'> 5000':>9} {now[0]:8.1f} {'> ' + format(5000 / now[0], '.0f') + '×':>8}")
            else:
                print(f"{plain:48} {ms:9.1f} {now[0]:8.1f} {ms / now[0]:7.0f}×")
    print("all goals met" if ok else "some goals MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
