"""Capture throughput with page requisites on and off, and with ``render = true``.

    .venv/bin/python bench/requisites.py                    # 400 stories, 2 rounds
    .venv/bin/python bench/requisites.py --articles 1000 --render 20

One ``archive sample-web`` subprocess serves everything. ``archive crawl --source`` runs from
an empty data directory for a source with ``requisites = true`` and one with ``requisites =
false`` (otherwise identical: the aggregator's front page and both hosts in scope, depth 3,
per_host 16, delay 0), alternately, ``--rounds`` times; the best time of each is kept. Pages are
the HTML captures, requisites the rest (robots.txt excluded). Then ``archive render`` renders
``--render`` publisher originals through Chromium + warcprox. Prints pages/s and the ratios;
figures, not assertions.
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = str(Path(sys.executable).parent / "archive")


def start_web(articles: int) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen([ARCHIVE, "sample-web", "--port", "0", "--publisher-port", "0",
                             "--articles", str(articles)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    agg = proc.stdout.readline().split()[-1]
    pub = proc.stdout.readline().split()[-1]
    return proc, agg.rstrip("/"), pub.rstrip("/")


def write_config(path: Path, agg: str, pub: str) -> None:
    a, p = agg.split("//", 1)[1], pub.split("//", 1)[1]
    blocks = ['[settings]\nwarc_prefix = "bench"\nrules_file = ""\n']
    for name, req in (("req-on", "true"), ("req-off", "false"), ("render", "true")):
        start = f'["{agg}/"]' if name != "render" else f'["{pub}/"]'
        blocks.append(f"""
[sources.{name}]
start = {start}
scope = ["{a}", "{p}"]
depth = 3
follow_original = true
per_host = 16
delay = 0
ssrf_guard = false
requisites = {req}
render = {"true" if name == "render" else "false"}
""")
    path.write_text("".join(blocks))


def counts(data: Path) -> tuple[int, int]:
    with sqlite3.connect(data / "archive.db") as conn:
        (pages,) = conn.execute("SELECT count(*) FROM captures WHERE mime = 'text/html'").fetchone()
        (other,) = conn.execute("SELECT count(*) FROM captures WHERE coalesce(mime, '') != 'text/html' "
                                "AND url NOT LIKE '%/robots.txt'").fetchone()
    return int(pages), int(other)


def timed_crawl(config: Path, source: str) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="bench-req-") as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        subprocess.run([ARCHIVE, "crawl", "--data", str(data), "--config", str(config), "--source", source],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        pages, other = counts(data)
    return seconds, pages, other


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--render", type=int, default=10, help="publisher originals to render (0: skip)")
    args = ap.parse_args()
    web, agg, pub = start_web(args.articles)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-req-cfg-") as tmp:
            config = Path(tmp) / "sources.toml"
            write_config(config, agg, pub)
            best: dict[str, tuple[float, int, int]] = {}
            for r in range(args.rounds):
                for source in ("req-on", "req-off"):
                    result = timed_crawl(config, source)
                    print(f"round {r + 1} {source}: {result[0]:.2f} s, {result[1]} pages, {result[2]} requisites/other",
                          flush=True)
                    if source not in best or result[0] < best[source][0]:
                        best[source] = result
            on, off = best["req-on"], best["req-off"]
            print(f"requisites on : {on[1] / on[0]:7.1f} pages/s ({on[1]} pages + {on[2]} requisites in {on[0]:.2f} s)")
            print(f"requisites off: {off[1] / off[0]:7.1f} pages/s ({off[1]} pages + {off[2]} other in {off[0]:.2f} s)")
            print(f"ratio on/off (pages/s): {(on[1] / on[0]) / (off[1] / off[0]):.2f}")
            if args.render:
                import httpx

                feed = httpx.get(pub + "/feed.xml", timeout=10).text
                urls = [u.split("</link>")[0] for u in feed.split("<link>")[1:]][1:args.render + 1]
                with tempfile.TemporaryDirectory(prefix="bench-render-") as dtmp:
                    cmd = [ARCHIVE, "render", "--data", str(Path(dtmp) / "data"), "--config", str(config),
                           "--source", "render"]
                    for u in urls:
                        cmd += ["--url", u]
                    t0 = time.perf_counter()
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    seconds = time.perf_counter() - t0
                print(out.stdout.strip())
                print(f"render (Chromium + warcprox, incl. start-up): {len(urls) / seconds:7.2f} pages/s "
                      f"({len(urls)} pages in {seconds:.1f} s); ratio to requisites on: "
                      f"{(len(urls) / seconds) / (on[1] / on[0]):.3f}")
    finally:
        web.terminate()
        web.wait(10)


if __name__ == "__main__":
    main()
