"""Extraction throughput: ``archive extract`` (the library run: WARC read, decoding, trafilatura,
site rules, SQLite writes, a process pool over batches) versus bare trafilatura
``bare_extraction(html, url=..., with_metadata=True)`` on the same pages in one process.

    .venv/bin/python bench/extract.py [--articles 300] [--workers 2] [--batch-size 64]

The pages come from a real crawl of the bundled sample web (aggregator copies crawled with
``--rules am1``, the publisher's originals, digests, listings) into WARC files. Each library run
starts from the same freshly crawled index (a copy of it). The baseline reads the same payloads
from the WARCs beforehand and times only the extraction calls (its most favourable case).
Prints docs/s for each, the ratio (target >= 1.0x with both cores since the extraction ensemble,
issue 14; it was >= 1.6x with trafilatura alone) and the largest worker's peak RSS.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def crawl_sample_web(data: Path, articles: int) -> int:
    from archive.config import load_config
    from archive.fetch.crawler import CrawlOptions, crawl
    from archive.sampleweb import SampleWeb

    config = load_config(ROOT / "config" / "sources.toml")
    with SampleWeb(articles=articles, seed=1, keep_log=False) as sw:
        topics = [f"{sw.aggregator_url}/usconservative/topic/{slug}"
                  for slug in ("waexaminer", "nypost", "pjmedia", "watimes", "fq")]
        stats = crawl(config, data, seeds=topics,
                      options=CrawlOptions(rules="am1", depth=3, follow_original=True, per_host=8, delay=0.0,
                                           concurrency=16, max_pages=20 * articles))
    return stats.pages


def html_payloads(data: Path) -> list[tuple[str, str]]:
    """(url, decoded html) of every capture the extract stage would take."""
    from archive.extract.decode import decode_body
    from archive.warc.reader import read_record

    con = sqlite3.connect(data / "archive.db")
    rows = con.execute("SELECT url, warc_file, warc_offset FROM captures WHERE record_type='response' "
                       "AND status BETWEEN 200 AND 299 AND lower(mime) LIKE 'text/html%' ORDER BY rowid").fetchall()
    con.close()
    out = []
    for url, wfile, off in rows:
        with read_record(data / "warcs" / wfile, off) as view:
            headers, body = list(view.http_headers), view.read_payload()
        out.append((url, decode_body(body, headers).text))
    return out


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cores_available(n: int = 2_000_000, tasks: int = 8) -> float:
    """Control: the speed-up two processes get on a pure CPU burn right now (2.0 on two idle
    cores; near 1.0 when the machine is saturated by other work — then no pool can win)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    times = []
    for workers in (1, 2):
        t = time.perf_counter()
        with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
            list(ex.map(_burn, [n] * tasks))
        times.append(time.perf_counter() - t)
    return times[0] / times[1]


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the pool's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bare(pages: list[tuple[str, str]]) -> tuple[float, float, int]:
    import trafilatura

    trafilatura.bare_extraction(pages[0][1], url=pages[0][0], with_metadata=True)  # warm-up
    t, c = time.perf_counter(), _cpu()
    n = 0
    for url, html in pages:
        if trafilatura.bare_extraction(html, url=url, with_metadata=True) is not None:
            n += 1
    return time.perf_counter() - t, _cpu() - c, n


def library(snapshot: Path, workers: int, batch_size: int) -> tuple[float, float, object]:
    from archive.config import load_config
    from archive.extract import run_extract

    config = load_config(ROOT / "config" / "sources.toml")
    run_dir = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    try:
        data = run_dir / "data"
        data.mkdir()
        os.symlink(snapshot / "warcs", data / "warcs")
        shutil.copy(snapshot / "archive.db", data / "archive.db")
        t, c = time.perf_counter(), _cpu()
        stats = run_extract(data, config, workers=workers, batch_size=batch_size)
        return time.perf_counter() - t, _cpu() - c, stats
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=300, help="stories in the sample web")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    base = Path(tempfile.mkdtemp(prefix="bench-extract-crawl-"))
    try:
        snapshot = base / "data"
        t = time.perf_counter()
        pages = crawl_sample_web(snapshot, args.articles)
        print(f"crawled {pages} pages of the sample web ({args.articles} stories) in {time.perf_counter() - t:.1f} s")
        with sqlite3.connect(snapshot / "archive.db") as con:  # settle the WAL into the file we copy
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        docs = html_payloads(snapshot)
        kb = sum(len(h) for _, h in docs) / max(len(docs), 1) / 1024
        print(f"{len(docs)} HTML captures, {kb:.1f} KB of HTML each on average; cpus: {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.2f}")

        print(f"control: 2 processes on a pure CPU burn run {cores_available():.2f}x as fast as 1 "
              f"(2.0 = two free cores)")
        t_bare, c_bare, n_bare = bare(docs)
        bare_rate = len(docs) / t_bare
        print(f"bare trafilatura, one process:    {bare_rate:8.1f} docs/s  wall {t_bare:6.2f} s, "
              f"cpu {c_bare:6.2f} s ({1000 * c_bare / len(docs):.1f} ms/doc); {n_bare} documents")
        t1, c1, s1 = library(snapshot, 1, args.batch_size)
        rate1 = s1.seen / t1
        print(f"archive extract, 1 worker:        {rate1:8.1f} docs/s  wall {t1:6.2f} s, "
              f"cpu {c1:6.2f} s ({1000 * c1 / s1.seen:.1f} ms/doc); {s1}")
        tw, cw, sw = library(snapshot, args.workers, args.batch_size)
        ratew = sw.seen / tw
        print(f"archive extract, {args.workers} workers (pool): {ratew:8.1f} docs/s  wall {tw:6.2f} s, "
              f"cpu {cw:6.2f} s ({1000 * cw / sw.seen:.1f} ms/doc); {len(sw.worker_pids)} worker processes")
        print(f"ratio archive extract ({args.workers} workers) / bare trafilatura: {ratew / bare_rate:.2f}x "
              f"(target >= 1.0x); pool speed-up over 1 worker: {ratew / rate1:.2f}x; "
              f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
        # ru_maxrss of reaped children: the largest pool worker's peak (KB on Linux); the control
        # burns below are reaped later, so this is read before them
        worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: largest child process (the extract workers; an upper bound) {worker_rss:.0f} MB (target < 500 MB), "
              f"this process {self_rss:.0f} MB")
        print(f"control again: {cores_available():.2f}x")
        # what the CPU times imply on two free cores (a projection, labelled as such): the pool's
        # total CPU (workers + parent) spread over 2 cores, against bare trafilatura's on one
        projected = (sw.seen / (cw / args.workers)) / (len(docs) / c_bare)
        print(f"cpu per document: bare {1000 * c_bare / len(docs):.1f} ms, archive extract {1000 * cw / sw.seen:.1f} ms "
              f"(pool, parent included); projected ratio on {args.workers} free cores: {projected:.2f}x")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
