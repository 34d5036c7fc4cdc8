"""Scheduled flows for real: deployments from config, a worker, alerts, two workers, serve.

Everything runs offline against one real Prefect server on loopback (session-wide: it takes
seconds to start), the bundled sample web on 127.0.0.1/127.0.0.2, real WARC files and a real
SQLite index. Each test uses its own work pool, so workers of one test never take another's runs.

No test here bounds how long the work takes: the machine may be shared and loaded. A wait
gives up only when what it watches has not changed for ``STALL_SECONDS`` (a hang), and
pytest-timeout is a last guard against a hang nothing watches.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from support.ports import refused_port
from support.db import query
from support.paths import ROOT
from support.sources import sample_sources, write_config
from support.waiting import STALL_SECONDS, wait_for
from support.webhook import Receiver

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(3600)]


# ----------------------------------------------------------------------------- helpers
def sql(data_dir: Path, q: str, *args: Any) -> list[tuple[Any, ...]]:
    """``support.db.query``, and ``[]`` while a run has not created the tables yet (polled)."""
    import sqlite3

    try:
        return query(data_dir, q, *args)
    except sqlite3.OperationalError:
        return []


# ---------------------------------------------------------------------------- fixtures
# prefect_api: the session-wide Prefect server fixture is in conftest.py (shared with
# tests/test_watch_flow.py)
@pytest.fixture
def client(prefect_api: str, data_dir: Path) -> Iterator[Any]:
    from prefect.client.orchestration import get_client

    from archive.schedule.env import use_server

    with use_server(prefect_api, data_dir), get_client(sync_client=True) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("/alerts")
    yield r
    r.close()


@pytest.fixture
def workers() -> Iterator[list[Any]]:
    started: list[Any] = []
    yield started
    for w in started:
        w.stop()


def pool_progress(client: Any, pool: str, data_dir: Path | None = None) -> Callable[[], Any]:
    """What a wait on ``pool``'s runs watches: each run's state and the captures indexed."""
    def reading() -> Any:
        runs = sorted((str(r.id), r.state_name) for r in deployment_runs(client, pool))
        return runs, (sql(data_dir, "SELECT count(*) FROM captures") if data_dir else None)
    return reading


def deployment_runs(client: Any, pool: str) -> list[Any]:
    """Runs of ``pool`` that left the Scheduled state (an interval schedule queues ~100 ahead)."""
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType,
                                                WorkPoolFilter, WorkPoolFilterName)
    from prefect.client.schemas.objects import StateType

    return list(client.read_flow_runs(
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
            type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))), limit=200))


def next_scheduled(client: Any, deployment_id: Any) -> Any:
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1)
    return (runs[0].id, runs[0].expected_start_time) if runs else None


# ------------------------------------------------------------------------------- tests
def test_apply_creates_keeps_updates_and_removes(prefect_api: str, client: Any, data_dir: Path,
                                                 tmp_path: Path) -> None:
    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.status import status

    pool = "t-apply"
    web = "http://127.0.0.1:9"  # never fetched: no worker serves this pool
    sources = {"alpha": {"start": [f"{web}/a"], "every": 10},
               "beta": {"start": [f"{web}/b"], "schedule": "17 * * * *"}}
    cfg = write_config(tmp_path / "sources.toml", sources)

    first = apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    assert sorted(first.created) == ["alpha", "beta"] and not first.unchanged
    alpha = client.read_deployment_by_name("pipeline/alpha")
    assert alpha.work_pool_name == pool
    assert alpha.parameters == {"source": "alpha", "data_dir": str(data_dir.resolve()),
                                "config_path": str(cfg.resolve())}
    assert alpha.schedules[0].schedule.interval.total_seconds() == 10
    assert client.read_deployment_by_name("pipeline/beta").schedules[0].schedule.cron == "17 * * * *"
    before = wait_for("alpha's first scheduled run", lambda: next_scheduled(client, alpha.id))

    again = apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    assert sorted(again.unchanged) == ["alpha", "beta"]
    assert not again.created and not again.updated and not again.removed
    assert client.read_deployment_by_name("pipeline/alpha").id == alpha.id
    after = next_scheduled(client, alpha.id)
    # the same scheduled run (unless the earlier one has just come due): the phase is kept
    assert after == before or (after is not None and after[1] > before[1]
                               and (after[1] - before[1]).total_seconds() % 10 == 0)

    sources["beta"]["schedule"] = "42 * * * *"
    del sources["alpha"]
    write_config(cfg, sources)
    third = apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    assert third.updated == ["beta"] and third.removed == ["alpha"]
    from prefect.exceptions import ObjectNotFound
    with pytest.raises(ObjectNotFound):
        client.read_deployment_by_name("pipeline/alpha")
    assert client.read_deployment_by_name("pipeline/beta").schedules[0].schedule.cron == "42 * * * *"

    rows = status(prefect_api, pool=pool, data_dir=data_dir)
    assert [r.name for r in rows] == ["pipeline/beta"]
    assert rows[0].schedule == "cron 42 * * * *" and rows[0].last_state is None


def completed_sources(client: Any, pool: str) -> set[str]:
    return {r.parameters.get("source") for r in deployment_runs(client, pool) if r.state_name == "Completed"}


def test_two_sources_run_on_their_schedule(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                           sample_web: Any, workers: list[Any]) -> None:
    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.processes import start_worker
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    pool = "t-run"
    names = ["sw-aggregator", "sw-publisher"]
    cfg = write_config(tmp_path / "sources.toml", sample_sources(sample_web, names, every=10))
    result = apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    assert sorted(result.created) == names
    workers.append(start_worker(data_dir, prefect_api, pool=pool, name="solo", query_seconds=2))

    wait_for("both sources to complete a scheduled run",
             lambda: completed_sources(client, pool) >= set(names), progress=pool_progress(client, pool, data_dir))
    for w in workers:
        w.stop()

    for name in names:
        captures = sql(data_dir, "SELECT count(*) FROM captures WHERE source = ?", name)[0][0]
        assert captures > 0, name
    articles = sql(data_dir, "SELECT count(*) FROM articles")[0][0]
    assert articles > 0
    # every WARC of a run is named after the worker and the run's full id
    run_ids = {str(r.id) for r in deployment_runs(client, pool) if r.state_name in ("Completed", "Running", "Crashed")}
    files = sorted(p.name for p in (data_dir / "warcs").glob("*.warc.gz"))
    assert files and all(f.startswith("solo-") for f in files)
    assert {f for f in files if any(f.startswith(f"solo-{rid}-") for rid in run_ids)} == set(files)
    # the worker prefetches runs due in the next 10 s and starts their processes early; each
    # run's crawl still starts at (not before) its scheduled time (archive/schedule/due.py)
    import datetime as dt

    from archive.model import parse_iso

    checked = 0
    for r in deployment_runs(client, pool):
        rows = sql(data_dir, "SELECT min(cr.started) FROM crawls cr JOIN captures c ON c.crawl_id = cr.id "
                             "WHERE c.warc_file LIKE ?", f"solo-{r.id}-%")
        if r.state_name == "Completed" and rows[0][0] and r.expected_start_time:
            due = dt.datetime.fromtimestamp(r.expected_start_time.timestamp(), dt.timezone.utc).replace(tzinfo=None)
            late = (parse_iso(rows[0][0]) - due).total_seconds()
            assert late >= -1.0, (r.name, rows[0][0], r.expected_start_time)  # crawls.started has 1 s resolution
            checked += 1
    assert checked >= 2
    # the run report
    for name in names:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"pipeline-{name}"])))
        assert arts, name
        body = arts[0].data
        assert f"# Pipeline run: {name}" in body and "| pages |" in body and "new copies found" in body
        pages = int(body.split("| pages | ")[1].split(" |")[0])
        assert pages > 0


def test_failing_source_alerts_the_webhook(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                           receiver: Receiver, workers: list[Any]) -> None:
    with refused_port() as port:  # held for the test: nothing listens there, nobody else can
        failing_source_alerts_the_webhook(prefect_api, client, data_dir, tmp_path, receiver, workers,
                                          f"http://127.0.0.1:{port}")


def failing_source_alerts_the_webhook(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                      receiver: Receiver, workers: list[Any], down: str) -> None:
    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.processes import start_worker

    pool = "t-fail"  # the source's server is down
    sources = {"sw-down": {"start": [f"{down}/usconservative/topic/waexaminer"], "every": 10, "delay": 0,
                           "depth": 1, "ssrf_guard": False, "retries": 0, "timeout": 2.0}}
    cfg = write_config(tmp_path / "sources.toml", sources, webhook=receiver.url)
    apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    workers.append(start_worker(data_dir, prefect_api, pool=pool, name="w-fail", query_seconds=2))

    wait_for("the failure alert", lambda: receiver.bodies, progress=pool_progress(client, pool))
    for w in workers:
        w.stop()
    alert = receiver.bodies[0]
    assert alert["source"] == "sw-down"
    assert alert["state"] == "Failed" and alert["kind"] == "run"
    run = client.read_flow_run(alert["flow_run_id"])
    assert run.name == alert["flow_run_name"] and run.parameters["source"] == "sw-down"
    assert run.state_name == "Failed"
    assert "nothing fetched" in alert["error"] and "sw-down" in alert["error"]
    assert "sw-down" in alert["text"] and alert["flow_run_id"] in alert["text"]


def warc_capture_ids(warcs: Path) -> list[str]:
    """WARC-Record-IDs of every response/revisit record in the directory's closed WARC files."""
    from warcio.archiveiterator import ArchiveIterator

    ids = []
    for path in sorted(warcs.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    ids.append(rec.rec_headers.get_header("WARC-Record-ID").strip("<>").removeprefix("urn:uuid:"))
    return ids


def test_two_workers_four_sources_share_the_archive(prefect_api: str, client: Any, data_dir: Path,
                                                    tmp_path: Path, sample_web: Any, workers: list[Any]) -> None:
    from support.s3 import S3

    with S3() as s3:  # each run also publishes its closed WARCs to one bucket (S3 API on loopback)
        two_workers_share_the_archive(prefect_api, client, data_dir, tmp_path, sample_web, workers, s3)


def two_workers_share_the_archive(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                  sample_web: Any, workers: list[Any], s3: Any) -> None:
    import dataclasses

    from archive.config import load_config
    from archive.schedule.apply import apply_specs, desired_specs
    from archive.schedule.processes import start_worker
    from archive.index.rebuild import index_from_store
    from archive.warc.store import WarcStore
    from prefect.client.schemas.objects import StateType

    pool = "t-scale"
    names = ["sw-topic", "sw-feed", "sw-digest", "sw-sitemap"]
    # two sources on each worker's own work queue: each worker must take runs, whichever is faster
    worker_of = {"sw-topic": "w1", "sw-feed": "w1", "sw-digest": "w2", "sw-sitemap": "w2"}
    cfg = write_config(tmp_path / "sources.toml", sample_sources(sample_web, names, every=10))
    specs = {name: dataclasses.replace(spec, queue=f"q-{worker_of[name]}")
             for name, spec in desired_specs(load_config(cfg), data_dir, pool).items()}
    apply_specs(specs, prefect_api, pool=pool, data_dir=data_dir)
    store_env = {"ARCHIVE_WARC_STORE": s3.url("scale"), "ARCHIVE_WARC_STORE_OPTIONS": json.dumps(s3.options)}
    for name in ("w1", "w2"):
        workers.append(start_worker(data_dir, prefect_api, pool=pool, name=name, limit=2, query_seconds=2,
                                    queues=[f"q-{name}"], extra_env=store_env))

    progress = pool_progress(client, pool, data_dir)
    wait_for("captures of all four sources",
             lambda: len(sql(data_dir, "SELECT DISTINCT source FROM captures")) == 4 and
             completed_sources(client, pool) >= set(names), progress=progress)
    # no new runs (paused deployments); let the ones in flight finish, then stop the workers
    for dep in client.read_deployments():
        if dep.work_pool_name == pool:
            client.pause_deployment(dep.id)
    wait_for("runs in flight to finish", lambda: not [
        r for r in deployment_runs(client, pool) if r.state_type in (StateType.RUNNING, StateType.PENDING)],
        progress=progress)
    for w in workers:
        w.stop()

    warcs = data_dir / "warcs"
    assert not list(warcs.glob("*.open"))
    files = sorted(p.name for p in warcs.glob("*.warc.gz"))
    prefixes = {f.split("-", 1)[0] for f in files}
    assert prefixes == {"w1", "w2"}  # both workers took runs, each under its own name
    # each source's captures are in the files of the worker that serves its queue
    by_source = sql(data_dir, "SELECT DISTINCT source, substr(warc_file, 1, instr(warc_file, '-') - 1) "
                              "FROM captures")
    assert sorted(by_source) == sorted(worker_of.items())
    # each run's files carry its full run id; no two runs share a file
    run_ids = [str(r.id) for r in deployment_runs(client, pool)]
    owners = {f: [rid for rid in run_ids if rid in f] for f in files}
    assert all(len(o) == 1 for o in owners.values()), owners
    # every record in the WARCs is indexed exactly once, and nothing else is
    in_warcs = warc_capture_ids(warcs)
    assert len(in_warcs) == len(set(in_warcs)) > 0
    rows = sql(data_dir, "SELECT id, warc_file FROM captures")
    assert len(rows) == len(in_warcs)
    assert {r[0] for r in rows} == set(in_warcs)
    assert {r[1] for r in rows} <= set(files)
    assert sql(data_dir, "SELECT count(*) FROM (SELECT warc_file, warc_offset FROM captures "
                         "GROUP BY 1, 2 HAVING count(*) > 1)")[0][0] == 0
    # the runs published every closed file to the store; an indexer elsewhere merges them all once
    store = WarcStore(s3.url("scale"), s3.options)
    assert sorted(w.name for w in store.list()) == files
    pulled, stats = index_from_store(tmp_path / "indexer", store)
    assert sorted(pulled.fetched) == files and stats.captures == len(in_warcs)
    assert sorted(r[0] for r in sql(tmp_path / "indexer", "SELECT id FROM captures")) == sorted(in_warcs)


class ServeProcess:
    """``archive schedule serve`` as a child process, SIGINT at its default, its stderr collected."""

    def __init__(self, data_dir: Path, config: Path, pool: str) -> None:
        def child_init() -> None:
            signal.signal(signal.SIGINT, signal.SIG_DFL)

        env = dict(os.environ, PREFECT_WORKER_QUERY_SECONDS="2")
        env.pop("PREFECT_API_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "schedule", "serve", "--port", "0", "--pool", pool,
             "--worker-name", "sv", "--data", str(data_dir), "--config", str(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
            start_new_session=True, preexec_fn=child_init, cwd=str(ROOT))
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def interrupt(self) -> int:
        """One SIGINT, then wait for the exit status."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(STALL_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("schedule serve did not stop on one SIGINT:\n" + "\n".join(self.lines))
        self.reader.join(10)
        return code


def test_serve_stops_on_one_sigint_and_next_start_crashes_cut_off_runs(
        data_dir: Path, tmp_path: Path, receiver: Receiver) -> None:
    from archive.sampleweb import SampleWeb
    from archive.schedule.env import server_file
    from archive.schedule.processes import descendants, still_alive
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType

    from archive.schedule.env import use_server

    pool = "t-serve"
    web = SampleWeb(articles=40, seed=3, latency_ms=150).start()  # slow enough to stop it mid-run
    try:
        sources = sample_sources(web, ["sw-slow"], every=5)
        sources["sw-slow"].update(per_host=1, depth=2, max_pages=400)
        cfg = write_config(tmp_path / "sources.toml", sources, webhook=receiver.url)

        first = ServeProcess(data_dir, cfg, pool)
        wait_for("serve to be ready", lambda: first.saw("serving schedules") or first.proc.poll() is not None,
                 progress=lambda: len(first.lines))
        assert first.proc.poll() is None, "\n".join(first.lines)
        api_url = json.loads(server_file(data_dir).read_text())["api_url"]

        with use_server(api_url, data_dir), get_client(sync_client=True) as c:
            running = wait_for("a run in flight", lambda: [
                r for r in deployment_runs(c, pool) if r.state_type == StateType.RUNNING],
                progress=pool_progress(c, pool))
        cut_off = running[0].id
        family = descendants(first.proc.pid)
        assert len(family) >= 3  # server, worker, the flow run's process
        assert first.interrupt() == 130, "\n".join(first.lines)
        assert still_alive(family) == [], "processes left behind"
        assert not server_file(data_dir).exists()
        assert first.saw("worker sv stopped") and first.saw("Prefect server stopped")

        second = ServeProcess(data_dir, cfg, pool)
        wait_for("serve to start again", lambda: second.saw("serving schedules") or second.proc.poll() is not None,
                 progress=lambda: len(second.lines))
        api_url = json.loads(server_file(data_dir).read_text())["api_url"]
        with use_server(api_url, data_dir), get_client(sync_client=True) as c:
            assert c.read_flow_run(cut_off).state_name == "Crashed"
        family = descendants(second.proc.pid)
        assert second.interrupt() == 130, "\n".join(second.lines)
        assert still_alive(family) == []
    finally:
        web.stop()
    stale = [b for b in receiver.bodies if b["kind"] == "stale-run"]
    assert [b["flow_run_id"] for b in stale] == [str(cut_off)]
    assert stale[0]["source"] == "sw-slow" and "cut off" in stale[0]["error"]


def test_run_whose_flow_cannot_load_is_reported(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                                workers: list[Any]) -> None:
    import datetime as dt

    from prefect import flow

    from archive.schedule.apply import ensure_pool
    from archive.schedule.env import use_server
    from archive.schedule.processes import start_worker
    from archive.schedule.serve import Ledger, unstarted_runs

    pool = "t-noload"
    project = tmp_path / "project"
    project.mkdir()
    (project / "broken.py").write_text("from prefect import flow\n\n@flow(name='pipeline')\n"
                                       "def pipeline(source: str = 'sw-broken') -> None:\n    pass\n")
    since = dt.datetime.now(dt.timezone.utc)
    with use_server(prefect_api, data_dir):
        ensure_pool(client, pool)
        dep = flow.from_source(str(project), "broken.py:pipeline").deploy(
            name="sw-broken", work_pool_name=pool, parameters={"source": "sw-broken"}, build=False,
            push=False, print_next_steps=False, ignore_warnings=True)
    # the code changes under the deployment: the next run cannot even import its flow
    (project / "broken.py").write_text("import module_that_is_not_installed_xyz\n")
    run = client.create_flow_run_from_deployment(dep)
    workers.append(start_worker(data_dir, prefect_api, pool=pool, name="w-noload", query_seconds=2))
    wait_for("the run to crash", lambda: client.read_flow_run(run.id).state_name == "Crashed",
             progress=lambda: client.read_flow_run(run.id).state_name)

    ledger = Ledger(tmp_path / "alerted.json")
    alerts = wait_for("the load failure in the run's logs", lambda: unstarted_runs(client, pool, since, ledger))
    assert [a.flow_run_id for a in alerts] == [str(run.id)]
    assert alerts[0].kind == "not-started" and alerts[0].source == "sw-broken"
    assert "module_that_is_not_installed_xyz" in alerts[0].error
    ledger.add(run.id)
    assert unstarted_runs(client, pool, since, Ledger(tmp_path / "alerted.json")) == []  # once per run


def test_crashed_run_alerts_from_the_crash_hook(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                                receiver: Receiver, workers: list[Any]) -> None:
    from archive.config import load_config
    from archive.sampleweb import SampleWeb
    from archive.schedule.apply import apply
    from archive.schedule.processes import descendants, start_worker
    from prefect.client.schemas.objects import StateType

    pool = "t-crash"
    web = SampleWeb(articles=40, seed=4, latency_ms=150).start()
    try:
        sources = sample_sources(web, ["sw-crash"], every=5)
        sources["sw-crash"].update(per_host=1, depth=2, max_pages=400)
        cfg = write_config(tmp_path / "sources.toml", sources, webhook=receiver.url)
        apply(load_config(cfg), data_dir, prefect_api, pool=pool)
        worker = start_worker(data_dir, prefect_api, pool=pool, name="w-crash", query_seconds=2)
        workers.append(worker)
        running = wait_for("a run in flight", lambda: [
            r for r in deployment_runs(client, pool) if r.state_type == StateType.RUNNING],
            progress=pool_progress(client, pool))
        # the run's own process dies without a word (OOM killer, kill -9)
        engines = wait_for("the run's process", lambda: [
            pid for pid, _ in descendants(worker.pid)
            if b"prefect.engine" in Path(f"/proc/{pid}/cmdline").read_bytes()])
        for pid in engines:
            os.kill(pid, signal.SIGKILL)
        wait_for("the crash alert", lambda: [b for b in receiver.bodies if b["state"] == "Crashed"],
                 progress=pool_progress(client, pool))
    finally:
        web.stop()
    crashed = [b for b in receiver.bodies if b["state"] == "Crashed"][0]
    assert crashed["flow_run_id"] == str(running[0].id) and crashed["source"] == "sw-crash"
    assert crashed["kind"] == "run" and crashed["error"]
    assert client.read_flow_run(running[0].id).state_name == "Crashed"


def test_schedule_cli_apply_and_status(prefect_api: str, data_dir: Path, tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "sources.toml", {"cli-one": {"start": ["http://127.0.0.1:9/x"], "every": 600}})
    env = dict(os.environ, PREFECT_API_URL=prefect_api)

    def archive(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "archive.cli", "schedule", *args, "--pool", "t-cli",
                               "--data", str(data_dir), "--config", str(cfg)],
                              capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=STALL_SECONDS)

    first = archive("apply")
    assert first.returncode == 0, first.stderr
    assert "created: pipeline/cli-one" in first.stdout and "1 created, 0 updated, 0 unchanged" in first.stdout
    second = archive("apply")
    assert "unchanged: pipeline/cli-one" in second.stdout
    shown = archive("status")
    assert shown.returncode == 0, shown.stderr
    assert "pipeline/cli-one" in shown.stdout and "every 600 s" in shown.stdout and "never ran" in shown.stdout

    env.pop("PREFECT_API_URL")  # no server recorded for this data directory, none in the environment
    missing = archive("status")
    assert missing.returncode != 0 and "no Prefect server" in missing.stderr


def test_crawl_flow_from_the_command_line(prefect_api: str, client: Any, data_dir: Path, tmp_path: Path,
                                          sample_web: Any) -> None:
    cfg = write_config(tmp_path / "sources.toml", sample_sources(sample_web, ["cli-crawl"]))
    env = dict(os.environ, PREFECT_API_URL=prefect_api, ARCHIVE_WORKER_NAME="by-hand")
    env.pop("PREFECT__WORKER_NAME", None)
    done = subprocess.run([sys.executable, "-m", "flows.crawl", "--source", "cli-crawl", "--data", str(data_dir),
                           "--config", str(cfg)], capture_output=True, text=True, env=env, cwd=str(ROOT),
                          timeout=2 * STALL_SECONDS)
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sql(data_dir, "SELECT count(*) FROM captures WHERE source = 'cli-crawl'")[0][0]
    assert pages > 0
    files = [p.name for p in (data_dir / "warcs").glob("*.warc.gz")]
    assert files and all(f.startswith("by-hand-") for f in files)
    run_id = files[0][len("by-hand-"):len("by-hand-") + 36]
    run = client.read_flow_run(run_id)  # the run is on the server the command was pointed at
    assert run.state_name == "Completed" and run.parameters["source"] == "cli-crawl"

    bad = subprocess.run([sys.executable, "-m", "flows.crawl", "--source", "no-such-source", "--data", str(data_dir),
                          "--config", str(cfg)], capture_output=True, text=True, env=env, cwd=str(ROOT),
                         timeout=STALL_SECONDS)
    assert bad.returncode != 0 and "no-such-source" in bad.stderr and "cli-crawl" in bad.stderr


def test_runs_missed_while_stopped_leave_one_catch_up_run(prefect_api: str, client: Any, data_dir: Path,
                                                          tmp_path: Path) -> None:
    import datetime as dt

    from prefect.states import Scheduled

    from archive.config import load_config
    from archive.schedule.apply import apply
    from archive.schedule.serve import drop_missed_runs

    pool = "t-missed"
    cfg = write_config(tmp_path / "sources.toml", {"sw-missed": {"start": ["http://127.0.0.1:9/m"], "every": 3600}})
    apply(load_config(cfg), data_dir, prefect_api, pool=pool)
    dep = client.read_deployment_by_name("pipeline/sw-missed")
    now = dt.datetime.now(dt.timezone.utc)
    missed = [client.create_flow_run_from_deployment(dep.id, state=Scheduled(scheduled_time=now - dt.timedelta(hours=h)))
              for h in (3, 2, 1)]
    future = {str(r.id) for r in client.read_flow_runs(limit=200)
              if r.deployment_id == dep.id and r.expected_start_time > now}
    assert drop_missed_runs(client, pool) == {"sw-missed": 2}
    left = {str(r.id) for r in client.read_flow_runs(limit=200) if r.deployment_id == dep.id}
    assert future <= left  # runs still to come are the scheduler's: untouched
    assert str(missed[-1].id) in left  # the latest missed run stays: one catch-up run
    assert not {str(r.id) for r in missed[:-1]} & left
    assert drop_missed_runs(client, pool) == {}


def test_server_names_the_port_it_listens_on(prefect_api: str) -> None:
    """The server was started on port 0: the URL it hands the UI is the one it listens on."""
    import httpx

    settings = httpx.get(prefect_api.removesuffix("/api") + "/ui-settings", timeout=60).json()
    assert settings["api_url"] == prefect_api
    assert not prefect_api.endswith(":0/api")


def test_a_taken_port_is_refused_by_name(prefect_api: str, tmp_path: Path) -> None:
    from archive.errors import ArchiveError
    from archive.schedule.processes import start_server

    taken = int(prefect_api.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(ArchiveError, match=f"127.0.0.1:{taken}: Address already in use"):
        start_server(tmp_path / "second", taken)
    assert not (tmp_path / "second" / "prefect" / "server.log").exists()  # nothing was started
