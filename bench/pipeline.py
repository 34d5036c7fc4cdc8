"""Pipeline through Prefect vs. ``archive run``: ``python bench/pipeline.py [--pages 5000]``.

The same crawl + extract + dedupe of the bundled sample web (one source: its five topic pages,
depth 3, originals followed, up to ``--pages`` pages) runs

- through ``archive run --source bench`` (one process), and
- through a Prefect deployment (``archive schedule apply``'s spec on a local server and a
  ``process`` worker): timed from the moment the run is requested to its Completed state,
  so the worker's pick-up, the run's process start and every task's overhead count;

each on a fresh data directory, ``--rounds`` times in rotating order; the best of each is
compared (target: Prefect ≤ 1.15 × ``archive run``). The deployment runs twice per round: once
scheduled ``--lead`` seconds ahead, as its cron or interval schedule creates runs (the worker's
prefetch starts the run's process before it is due; timed from the scheduled time), and once
requested now (timed from the request: worker pick-up and a new Python process importing Prefect
count). Each Prefect run also prints its task times and state timeline, each ``archive run`` its
stage times. Server and worker start-up are not counted: they happen once, not per run.
Measurement only; nothing here runs in tests.
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


def cli_stages(stderr: str) -> dict[str, float]:
    """Stage seconds from ``archive run``'s report lines (``crawl …, in 12.3 s``, ``dedupe: …, 4.5s``)."""
    import re

    out: dict[str, float] = {}
    for line in stderr.splitlines():
        m = re.match(r"(crawl|extract|dedupe)\b.*?\b(?:in )?([0-9.]+) ?s$", line.strip())
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def run_cli(cfg: Path, data: Path) -> tuple[float, dict[str, float]]:
    t0 = time.perf_counter()
    proc = subprocess.run([ARCHIVE, "run", "--source", SOURCE, "--data", str(data), "--config", str(cfg)],
                          capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"archive run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return secs, cli_stages(proc.stderr)


def prefect_stages(client: Any, run_id: Any) -> dict[str, float]:
    """Seconds per task name (extract batches summed) of one flow run, from the server."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    out: dict[str, float] = {}
    for tr in client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))):
        if tr.start_time and tr.end_time:
            name = tr.task_key.split("-")[0] if tr.task_key else tr.name
            name = {"crawl_task": "crawl", "extract_task": "extract", "dedupe_task": "dedupe"}.get(name, name)
            out[name] = out.get(name, 0.0) + (tr.end_time - tr.start_time).total_seconds()
    return out


def stages_line(stages: dict[str, float]) -> str:
    return ", ".join(k if k.startswith("states:") else f"{k} {v:.1f} s"
                     for k, v in sorted(stages.items())) or "no stage times"


def run_prefect(cfg: Path, data: Path, api_url: str, pool: str,
                lead: float = 0.0) -> tuple[float, float, dict[str, float]]:
    """Apply the deployment for ``data``, create a run, wait for it; (wall s, run's own s, stages).

    ``lead = 0``: the run is requested now (ad hoc), timed from the request to Completed.
    ``lead > 0``: the run is scheduled ``lead`` seconds ahead, as a cron-driven run is, so the
    worker's prefetch (``PREFECT_WORKER_PREFETCH_SECONDS``, 10 s by default) starts its process
    before it is due; timed from its scheduled time to Completed."""
    import datetime as dt

    from prefect.states import Scheduled

    from prefect.client.orchestration import get_client

    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.env import use_server

    apply(load_config(cfg), data, api_url, pool=pool)  # parameters name this data directory
    with use_server(api_url, data), get_client(sync_client=True) as client:
        dep = client.read_deployment_by_name(f"pipeline/{SOURCE}")
        if lead > 0:
            due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=lead)
            run = client.create_flow_run_from_deployment(dep.id, state=Scheduled(scheduled_time=due))
            t0 = time.perf_counter() + lead
        else:
            t0 = time.perf_counter()
            run = client.create_flow_run_from_deployment(dep.id)
        while True:
            run = client.read_flow_run(run.id)
            if run.state and run.state.is_final():
                break
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        stages = prefect_stages(client, run.id)
        states = client.read_flow_run_states(run.id)
    t_req = run.created
    marks = []
    for st in sorted(states, key=lambda x: x.timestamp):
        if t_req is not None:
            marks.append(f"{st.name} +{(st.timestamp - t_req).total_seconds():.1f}")
    stages["states: " + " ".join(marks)] = 0.0
    if run.state_name != "Completed":
        raise SystemExit(f"Prefect run ended {run.state_name}: {run.state.message if run.state else ''}")
    own = (run.end_time - run.start_time).total_seconds() if run.end_time and run.start_time else float("nan")
    return wall, own, stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--articles", type=int, default=2200, help="stories in the sample web")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--lead", type=float, default=8.0,
                    help="seconds ahead a scheduled run is created (under the worker's prefetch)")
    ap.add_argument("--prefetch", type=float, default=10.0,
                    help="the worker's PREFECT_WORKER_PREFETCH_SECONDS")
    ap.add_argument("--keep", action="store_true", help="keep the data directories")
    args = ap.parse_args()

    from archive.sampleweb import SampleWeb
    from archive.schedule.env import prepare_environment
    from archive.schedule.processes import start_server, start_worker

    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    prepare_environment(work / "server")
    web = SampleWeb(articles=args.articles, seed=1, keep_log=False).start()
    server, api_url = start_server(work / "server", 0)
    worker = start_worker(work / "server", api_url, pool="bench", name="bench", query_seconds=1,
                          extra_env={"PREFECT_WORKER_PREFETCH_SECONDS": str(args.prefetch)})
    cfg = write_config(work / "sources.toml", web.aggregator_url, args.pages)
    best = {"cli": float("inf"), "scheduled": float("inf"), "ad hoc": float("inf")}
    own_best: dict[str, float] = {}
    modes = ["cli", "scheduled", "ad hoc"]
    try:
        for i in range(args.rounds):
            order = modes[i % 3:] + modes[:i % 3]   # rotate, so no mode always runs first
            for which in order:
                data = work / f"{which.replace(' ', '')}-{i}"
                if which == "cli":
                    secs, stages = run_cli(cfg, data)
                    best["cli"] = min(best["cli"], secs)
                    print(f"round {i + 1}: archive run          {secs:7.1f} s  ({counts(data)}; {stages_line(stages)})",
                          flush=True)
                    continue
                lead = args.lead if which == "scheduled" else 0.0
                secs, own, stages = run_prefect(cfg, data, api_url, "bench", lead=lead)
                if secs < best[which]:
                    best[which], own_best[which] = secs, own
                print(f"round {i + 1}: Prefect run, {which:9} {secs:7.1f} s  (the run itself {own:.1f} s; "
                      f"{counts(data)}; tasks: {stages_line(stages)})", flush=True)
    finally:
        worker.stop()
        server.stop()
        web.stop()
    print(f"\nbest archive run: {best['cli']:.1f} s")
    for which, what in (("scheduled", "from its scheduled time"), ("ad hoc", "from the request")):
        print(f"best Prefect deployment run, {which}: {best[which]:.1f} s {what} to Completed "
              f"(its own start→end {own_best.get(which, float('nan')):.1f} s); "
              f"ratio {best[which] / best['cli']:.3f}")
    print("target: Prefect / archive run <= 1.15 (a scheduled run is how deployments run)")
    if args.keep:
        print(f"data left in {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
