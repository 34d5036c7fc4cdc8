"""Dedupe at scale: 100k and 1M synthetic articles with planted copies.

    .venv/bin/python bench/dedupe.py [--sizes 100000 1000000] [--dir /tmp/dedupe-bench]

For each size: generate the corpus (not timed; the bench database drops the articles FTS
triggers to fill faster — dedupe never reads the FTS index), then run ``archive dedupe``'s
library call in a fresh process and report its wall time, peak RSS of the main process and of
the largest worker, rows of persisted LSH state, database size, and recall / precision /
original-picked-right on the planted pairs (spinner copies reported apart). Then add 1 000 new
articles and time the incremental run. Targets (issue 4): 1M < 5 min and < 1.5 GB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # the synthetic corpus is a test helper (tests/support/synth.py)

from archive.dedupe import keystore  # noqa: E402
from archive.model import Article, iso  # noqa: E402
from support.synth import AGGREGATORS, PUBLISHERS, Generator, insert_articles  # noqa: E402

AGGS = [h for h, _ in AGGREGATORS]


def fast_original(g: Generator, topic: dict, pub: tuple[str, str], when: dt.datetime,
                  date_only: bool) -> Article:
    r = g.rng
    words = g.words.draw(r.randrange(150, 450))
    for _ in range(len(words) // 40):
        words.insert(r.randrange(len(words)), r.choice(topic["names"] + topic["numbers"]))
    paras, sent, para = [], [], []
    target = r.randrange(8, 22)
    for w in words:
        sent.append(w)
        if len(sent) >= target:
            sent[0] = sent[0].capitalize()
            para.append(" ".join(sent) + ".")
            sent, target = [], r.randrange(8, 22)
            if len(para) >= r.randrange(2, 5):
                paras.append(" ".join(para))
                para = []
    if sent:
        para.append(" ".join(sent) + ".")
    if para:
        paras.append(" ".join(para))
    q = r.choice(topic["quotes"])
    paras.insert(r.randrange(1, len(paras) + 1), f'{r.choice(topic["names"])} said: "{q.capitalize()}."')
    text = "\n".join(paras)
    host, name = pub
    g.serial += 1
    url = f"https://{host}/{when:%Y/%m/%d}/story-{g.serial}"
    captured = when + dt.timedelta(seconds=r.randrange(300, 6 * 3600))
    return Article(capture_id=f"c{g.serial}", url=url, source="bench", site=host, title=f"Story {g.serial}",
                   author=None, published=when.date().isoformat() if date_only else iso(when),
                   aggregator_date=None, text=text, word_count=len(words), original_publisher=None,
                   original_url=None, sitename=name, captured=iso(captured), language="en")


def generate(n: int, data: Path, seed: int = 11) -> dict:
    from archive.index import db_path, open_db

    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    db = open_db(data)
    for trig in ("articles_ai", "articles_ad", "articles_au"):
        db.conn.execute(f"DROP TRIGGER IF EXISTS {trig}")
    db.conn.close()
    conn = sqlite3.connect(db_path(data))
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    g = Generator(seed)
    r = g.rng
    truth: list[tuple[str, str, str, bool]] = []  # copy, original, kind, spinner
    buf: list[Article] = []
    count = 0
    kinds = ["full", "full", "truncated", "excerpt"]
    while count < n:
        topic = g.topic()
        pub = PUBLISHERS[count % len(PUBLISHERS)]
        when = g.base + dt.timedelta(seconds=r.randrange(0, 365 * 86400))
        orig = fast_original(g, topic, pub, when, r.random() < 0.2)
        batch = [orig]
        if r.random() < 0.1:
            other = [p for p in PUBLISHERS if p[0] != pub[0]]
            batch.append(fast_original(g, topic, r.choice(other), when, False))
        if r.random() < 0.3:
            for _ in range(r.choice((1, 1, 2))):
                spinner = r.random() < 0.02
                art, t = g.copy(orig, topic, "full" if spinner else r.choice(kinds),
                                on_aggregator=r.random() < 0.7, attributed=r.random() < 2 / 3,
                                edited=r.random() < 0.25, wrapped=r.random() < 0.3, spinner=spinner)
                batch.append(art)
                truth.append((t.copy, t.original, t.kind, spinner))
        buf.extend(batch)
        count += len(batch)
        if len(buf) >= 20000:
            insert_articles(conn, buf)
            buf = []
    insert_articles(conn, buf)
    conn.close()
    (data / "truth.json").write_text(json.dumps(truth))
    return {"articles": count, "planted_pairs": len(truth)}


def reset(data: Path) -> dict:
    from archive.index import open_db
    from archive.index.syndication import clear

    db = open_db(data)
    clear(db)
    with db.conn:  # articles a previous run's incremental step added (capture serials from 10**8)
        db.conn.execute("DELETE FROM articles WHERE length(capture_id) = 10 "
                        "AND capture_id GLOB 'c1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'")
    (count,) = db.conn.execute("SELECT COUNT(*) FROM articles").fetchone()
    db.conn.close()
    (data / "progress.log").unlink(missing_ok=True)
    return {"articles": count, "planted_pairs": len(json.loads((data / "truth.json").read_text())),
            "reused": True}


def run_child(data: Path) -> None:
    """Runs in a fresh process: dedupe, then print stats and peak RSS as JSON."""
    from archive.dedupe.params import parse_params
    from archive.dedupe.run import dedupe_with

    p = parse_params({"known_aggregators": AGGS})
    t0 = time.perf_counter()
    log = (data / "progress.log").open("a")

    def progress(stage: str, done: int, total: int) -> None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.write(f"{time.perf_counter() - t0:8.1f}s {stage:10s} {done}/{total} peak RSS {rss:.0f} MB "
                  f"load {os.getloadavg()[0]:.1f}\n")
        log.flush()

    stats = dedupe_with(data, p, progress=progress)
    wall = time.perf_counter() - t0
    self_ru = resource.getrusage(resource.RUSAGE_SELF)
    kids_ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = self_ru.ru_maxrss / 1024
    kids = kids_ru.ru_maxrss / 1024
    cpu_main = self_ru.ru_utime + self_ru.ru_stime
    cpu_workers = kids_ru.ru_utime + kids_ru.ru_stime
    print(json.dumps({"wall": wall, "rss_main_mb": me, "rss_worker_mb": kids,
                      "cpu_main": cpu_main, "cpu_workers": cpu_workers,
                      "new": stats.new_articles, "sketches": stats.sketches,
                      "lsh_inserts": stats.lsh_inserts, "candidates": stats.candidates,
                      "verified": stats.verified, "pairs": stats.pairs,
                      "oversized": stats.oversized_buckets, "by_method": stats.pairs_by_method,
                      "by_kind": stats.pairs_by_kind}))


def evaluate(data: Path) -> dict:
    from archive.index import db_path

    truth = json.loads((data / "truth.json").read_text())
    conn = sqlite3.connect(db_path(data))
    ids = dict(conn.execute("SELECT capture_id, id FROM articles"))
    found = {(c, o) for c, o in conn.execute("SELECT copy_article_id, original_article_id FROM syndication")}
    unordered = {frozenset(k) for k in found}
    main = [(ids[c], ids[o]) for c, o, _, s in truth if not s]
    spin = [(ids[c], ids[o]) for c, o, _, s in truth if s]
    allt = {frozenset(k) for k in main + spin}
    rec = sum(frozenset(k) in unordered for k in main) / max(1, len(main))
    srec = sum(frozenset(k) in unordered for k in spin) / max(1, len(spin))
    good = [k for k in found if frozenset(k) in allt]
    prec = len(good) / max(1, len(found))
    ordered = {k for k in main + spin}
    right = sum(k in ordered for k in good) / max(1, len(good))
    keys = keystore.count(conn)
    conn.close()
    size = sum(f.stat().st_size for f in data.iterdir() if f.name.startswith("archive.db"))
    return {"recall": round(rec, 4), "precision": round(prec, 4), "original_right": round(right, 4),
            "spinner_recall": round(srec, 4), "keys": keys, "db_mb": round(size / 2**20)}


def add_more(data: Path, n: int = 1000, seed: int = 99) -> None:
    from archive.index import db_path

    g = Generator(seed)
    g.serial = 10**8
    conn = sqlite3.connect(db_path(data))
    arts = [fast_original(g, g.topic(), PUBLISHERS[i % 5], g.base, False) for i in range(n)]
    insert_articles(conn, arts)
    conn.close()


def child(data: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(data)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/dedupe-bench"))
    ap.add_argument("--child", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse a corpus generated before in --dir (its dedupe tables are cleared)")
    args = ap.parse_args()
    if args.child:
        run_child(args.child)
        return
    print(f"cores: {os.cpu_count()}")
    for n in args.sizes:
        data = args.dir / f"n{n}"
        t0 = time.perf_counter()
        if args.reuse and (data / "truth.json").exists():
            gen = reset(data)
        else:
            gen = generate(n, data)
        print(f"\n== {n} articles: generated {gen} in {time.perf_counter() - t0:.0f}s", flush=True)
        res = child(data)
        ev = evaluate(data)
        mins = res["wall"] / 60
        print(f"load average during the run (1/5/15 min): {os.getloadavg()}")
        print(f"dedupe: {res['wall']:.1f}s ({mins:.2f} min), {n / res['wall']:.0f} articles/s; "
              f"peak RSS main {res['rss_main_mb']:.0f} MB, worker {res['rss_worker_mb']:.0f} MB")
        print(f"  CPU seconds: main {res['cpu_main']:.0f}, workers {res['cpu_workers']:.0f} "
              f"(on 2 otherwise idle cores the run could not be shorter than "
              f"{max(res['cpu_main'], (res['cpu_main'] + res['cpu_workers']) / 2):.0f}s)")
        print(f"  candidates {res['candidates']}, verified {res['verified']}, pairs {res['pairs']} "
              f"{res['by_method']} {res['by_kind']}, oversized buckets {res['oversized']}")
        print(f"  planted: recall {ev['recall']}, precision {ev['precision']}, original right "
              f"{ev['original_right']}, spinner recall {ev['spinner_recall']}")
        print(f"  LSH state: {ev['keys']} stored keys, database {ev['db_mb']} MB")
        again = child(data)
        print(f"  second run: {again['new']} new articles, {again['lsh_inserts']} key inserts, "
              f"{again['wall']:.1f}s")
        add_more(data)
        inc = child(data)
        print(f"  +1000 articles: {inc['new']} new, {inc['sketches']} sketches, {inc['lsh_inserts']} "
              f"key inserts, {inc['wall']:.1f}s, peak RSS {inc['rss_main_mb']:.0f} MB")
        if not args.keep:
            shutil.rmtree(data)


if __name__ == "__main__":
    main()
