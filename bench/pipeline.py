"""Pipeline through Prefect vs. ``archive run``: ``python bench/pipeline.py [--pages 5000]``.

The same crawl + extract + dedupe of the bundled sample web (one source: its five topic pages,
depth 3, originals followed, up to ``--pages`` pages) runs

- through ``archive run --source bench`` (one process), and
- through a Prefect deployment (``archive schedule apply``'s spec on a local server and a
  ``process`` worker): timed from the moment the run is requested to its Completed state,
  so the worker's pick-up, the run's process start and every task's overhead count;

each on a fresh data directory, ``--rounds`` times in alternating order; the best of each is
compared (target: Prefect ≤ 1.15 × ``archive run``). Server and worker start-up are not counted:
they happen once, not per run. Measurement only; nothing here runs in tests.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ARCHIVE = str(Path(sys.executable).with_name("archive"))
SOURCE = "bench"


def write_config(path: Path, agg: str, pages: int) -> Path:
    host = agg.split("//")[1]
    starts = [f"{agg}/usconservative/topic/{slug}" for slug in ("waexaminer", "nypost", "pjmedia", "watimes", "fq")]
    path.write_text("\n".join([
        "[settings]", f"rules_file = {json.dumps(str(ROOT / 'config' / 'rules.toml'))}", "",
        f"[sources.{SOURCE}]", f"start = {json.dumps(starts)}", f"scope = {json.dumps([host + '/usconservative/topic/'])}",
        "depth = 40", "follow_original = true", f"max_pages = {pages}", 'rules = "am1"', "per_host = 8",
        "delay = 0", "concurrency = 16", "ssrf_guard = false", ""]))
    return path


def counts(data: Path) -> str:
    con = sqlite3.connect(data / "archive.db")
    try:
        caps = con.execute("SELECT count(*) FROM captures").fetchone()[0]
        arts = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        pairs = con.execute("SELECT count(*) FROM syndication").fetchone()[0]
    finally:
        con.close()
    return f"{caps} captures, {arts} articles, {pairs} pairs"


def run_cli(cfg: Path, data: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([ARCHIVE, "run", "--source", SOURCE, "--data", str(data), "--config", str(cfg)],
                          capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"archive run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return secs


def run_prefect(cfg: Path, data: Path, api_url: str, pool: str) -> tuple[float, float]:
    """Apply the deployment for ``data``, request a run, wait for it; (wall s, run's own s)."""
    from prefect.client.orchestration import get_client

    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.env import use_server

    apply(load_config(cfg), data, api_url, pool=pool)  # parameters name this data directory
    with use_server(api_url, data), get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(f"pipeline/{SOURCE}")
        t0 = time.perf_counter()
        run = client.create_flow_run_from_deployment(dep.id)
        while True:
            run = client.read_flow_run(run.id)
            if run.state and run.state.is_final():
                break
            time.sleep(0.2)
        wall = time.perf_counter() - t0
    if run.state_name != "Completed":
        raise SystemExit(f"Prefect run ended {run.state_name}: {run.state.message if run.state else ''}")
    own = (run.end_time - run.start_time).total_seconds() if run.end_time and run.start_time else float("nan")
    return wall, own


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--articles", type=int, default=2200, help="stories in the sample web")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the data directories")
    args = ap.parse_args()

    from archive.sampleweb import SampleWeb
    from archive.schedule.env import prepare_environment
    from archive.schedule.processes import start_server, start_worker

    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    prepare_environment(work / "server")
    web = SampleWeb(articles=args.articles, seed=1, keep_log=False).start()
    server, api_url = start_server(work / "server", 0)
    worker = start_worker(work / "server", api_url, pool="bench", name="bench", query_seconds=1)
    cfg = write_config(work / "sources.toml", web.aggregator_url, args.pages)
    best_cli = best_prefect = float("inf")
    own_best = float("nan")
    try:
        for i in range(args.rounds):
            order = ("cli", "prefect") if i % 2 == 0 else ("prefect", "cli")
            for which in order:
                data = work / f"{which}-{i}"
                if which == "cli":
                    secs = run_cli(cfg, data)
                    best_cli = min(best_cli, secs)
                    print(f"round {i + 1}: archive run   {secs:7.1f} s  ({counts(data)})", flush=True)
                else:
                    secs, own = run_prefect(cfg, data, api_url, "bench")
                    if secs < best_prefect:
                        best_prefect, own_best = secs, own
                    print(f"round {i + 1}: Prefect run   {secs:7.1f} s  (the run itself {own:.1f} s; {counts(data)})",
                          flush=True)
    finally:
        worker.stop()
        server.stop()
        web.stop()
    print(f"\nbest archive run: {best_cli:.1f} s; best Prefect deployment run: {best_prefect:.1f} s "
          f"(its own start→end {own_best:.1f} s)")
    print(f"ratio Prefect / archive run = {best_prefect / best_cli:.3f}  (target <= 1.15)")
    if args.keep:
        print(f"data left in {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
