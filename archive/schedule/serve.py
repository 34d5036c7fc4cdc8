"""``archive schedule serve``: what runs the schedules on this machine.

It starts a Prefect server on a loopback port with ``PREFECT_HOME`` under ``DATA/prefect``,
makes sure the ``process`` work pool exists (and, unless ``--no-apply``, applies the config's
deployments), then:

- marks runs a previous stop left "Running" or "Pending" as Crashed, and alerts;
- starts the worker(s), each child in its own session with SIGINT at its default action;
- watches for runs that could not even start (their flow failed to import: no hook of the
  flow can run then) and alerts for each, once;
- on one Ctrl-C (SIGINT) or SIGTERM: one SIGINT to each worker, wait; then the server; and
  leaves no process behind.

The server's API URL is written to ``DATA/prefect/server.json`` for ``apply``/``status``/flows.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import ArchiveError
from .alerts import Alert, send_alert
from .env import (DEFAULT_POOL, find_api_url, prefect_environment, prefect_home, remove_server_file,
                  server_file, use_server, write_server_file)
from .processes import Child, start_server, start_worker, wait_healthy

Report = Callable[[str], None]
STALE_MESSAGE = "cut off when 'archive schedule serve' stopped (marked Crashed at the next start)"
LOAD_FAILURE_MARKERS = ("trying to load flow", "failed to retrieve flow")


# ---------------------------------------------------------------- alerted-run ledger
class Ledger:
    """Runs already alerted by ``serve`` (``DATA/prefect/alerted.json``): one alert per run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.ids: set[str] = set(json.loads(path.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            self.ids = set()

    def __contains__(self, run_id: object) -> bool:
        return str(run_id) in self.ids

    def add(self, run_id: object) -> None:
        self.ids.add(str(run_id))
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(self.ids)))
        tmp.replace(self.path)


# ------------------------------------------------------------------- run checks
def _pool_runs(client: Any, pool: str, types: list[Any], since: dt.datetime | None = None) -> list[Any]:
    from prefect.client.schemas.filters import (
        FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType, WorkPoolFilter, WorkPoolFilterName)

    runs = client.read_flow_runs(
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types))),
        limit=200)
    if since is not None:
        runs = [r for r in runs if r.state and r.state.timestamp and r.state.timestamp >= since]
    return list(runs)


def _source_of(run: Any) -> str | None:
    params = getattr(run, "parameters", None) or {}
    return params.get("source")


def mark_stale_runs(client: Any, pool: str) -> list[Alert]:
    """Runs of ``pool`` still Running/Pending while no worker runs: set Crashed, return alerts."""
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    alerts = []
    for run in _pool_runs(client, pool, [StateType.RUNNING, StateType.PENDING]):
        client.set_flow_run_state(run.id, Crashed(message=STALE_MESSAGE), force=True)
        alerts.append(Alert(source=_source_of(run), flow_run_id=str(run.id), flow_run_name=run.name,
                            state="Crashed", error=f"was {run.state_name} when the scheduler stopped; "
                            f"{STALE_MESSAGE}", deployment=str(run.deployment_id), kind="stale-run"))
    return alerts


def drop_missed_runs(client: Any, pool: str, grace: float = 60.0) -> dict[str, int]:
    """Scheduled runs that came due while nothing served them: keep the latest per deployment.

    After a long stop a short interval leaves many runs overdue; running them all back to back
    would crawl the same pages again and again. One catch-up run per source is enough.
    """
    from prefect.client.schemas.objects import StateType

    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=grace)
    overdue: dict[Any, list[Any]] = {}
    for run in _pool_runs(client, pool, [StateType.SCHEDULED]):
        if run.deployment_id and run.expected_start_time and run.expected_start_time < cutoff:
            overdue.setdefault(run.deployment_id, []).append(run)
    dropped: dict[str, int] = {}
    for runs in overdue.values():
        runs.sort(key=lambda r: r.expected_start_time)
        for run in runs[:-1]:
            client.delete_flow_run(run.id)
        if len(runs) > 1:
            dropped[_source_of(runs[-1]) or str(runs[-1].deployment_id)] = len(runs) - 1
    return dropped


def load_failure(client: Any, run_id: Any) -> str | None:
    """The error that kept a run's flow from loading (from the run's logs), else None."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200)
    for log in logs:
        message = log.message or ""
        if any(marker in message.lower() for marker in LOAD_FAILURE_MARKERS):
            lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
            errors = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
            return errors[-1] if errors else lines[-1]
    return None


def unstarted_runs(client: Any, pool: str, since: dt.datetime, ledger: Ledger) -> list[Alert]:
    """Crashed runs whose flow could not be loaded (import failed): alerts not yet sent."""
    from prefect.client.schemas.objects import StateType

    alerts = []
    for run in _pool_runs(client, pool, [StateType.CRASHED], since):
        if run.id in ledger:
            continue
        error = load_failure(client, run.id)
        if error is None:
            continue
        alerts.append(Alert(source=_source_of(run), flow_run_id=str(run.id), flow_run_name=run.name,
                            state=run.state_name or "Crashed", error=f"flow could not be loaded: {error}",
                            deployment=str(run.deployment_id), kind="not-started"))
    return alerts


# ------------------------------------------------------------------------- serve
@dataclass
class ServeOptions:
    port: int = 4200
    host: str = "127.0.0.1"
    pool: str = DEFAULT_POOL
    workers: int = 1
    worker_name: str | None = None   # prefix; workers are NAME-1, NAME-2, …
    apply: bool = True
    poll_seconds: float = 5.0


@dataclass
class Scheduler:
    data_dir: Path
    config_path: Path
    options: ServeOptions = field(default_factory=ServeOptions)
    report: Report = print
    children: list[Child] = field(default_factory=list)
    api_url: str | None = None

    def webhook(self) -> str | None:
        from ..config import load_config

        try:
            return load_config(self.config_path).settings.webhook_url
        except ArchiveError as exc:
            self.report(f"cannot read the webhook URL: {exc}")
            return None

    def alert(self, alert: Alert, ledger: Ledger | None = None) -> None:
        self.report(f"alert: {alert.text}")
        send_alert(self.webhook(), alert)
        if ledger is not None:
            ledger.add(alert.flow_run_id)

    def _check_not_running(self) -> None:
        url = find_api_url(self.data_dir, required=False) if server_file(self.data_dir).exists() else None
        if url is None:
            return
        try:
            wait_healthy(url, timeout=1.5)
        except ArchiveError:
            remove_server_file(self.data_dir)  # left by a killed serve
            return
        raise ArchiveError(f"a Prefect server for {self.data_dir} already answers at {url} "
                           f"(see {server_file(self.data_dir)}); stop it first")

    def start(self) -> str:
        """Server, pool, deployments, stale runs, workers; returns the API URL."""
        from prefect.client.orchestration import get_client

        self._check_not_running()
        opts = self.options
        t0 = time.monotonic()
        server, api_url = start_server(self.data_dir, opts.port, host=opts.host)
        self.children.append(server)
        self.api_url = api_url
        write_server_file(self.data_dir, api_url, os.getpid())
        self.report(f"Prefect server ready at {api_url.removesuffix('/api')} in {time.monotonic() - t0:.1f} s "
                    f"(PREFECT_HOME {prefect_home(self.data_dir)})")
        os.environ.update(prefect_environment(self.data_dir, api_url))
        with use_server(api_url, self.data_dir), get_client(sync_client=True) as client:
            from .apply import ensure_pool

            ensure_pool(client, opts.pool)
            ledger = Ledger(prefect_home(self.data_dir) / "alerted.json")
            for alert in mark_stale_runs(client, opts.pool):
                self.alert(alert, ledger)
            for source, n in drop_missed_runs(client, opts.pool).items():
                self.report(f"source {source}: {n} runs missed while stopped were dropped (one catch-up run kept)")
        if opts.apply:
            from ..config import load_config
            from .apply import apply

            result = apply(load_config(self.config_path), self.data_dir, api_url, pool=opts.pool)
            for line in result.lines():
                self.report(line)
        base = opts.worker_name or socket.gethostname()
        for i in range(1, opts.workers + 1):
            name = base if opts.workers == 1 and opts.worker_name else f"{base}-{i}"
            worker = start_worker(self.data_dir, api_url, pool=opts.pool, name=name)
            self.children.append(worker)
            self.report(f"worker {name} started on pool {opts.pool} (pid {worker.pid}, log {worker.log_path})")
        return api_url

    def watch(self, stop: threading.Event) -> None:
        """Until ``stop``: report runs that could not start; notice children that died."""
        from prefect.client.orchestration import get_client

        assert self.api_url is not None
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
        ledger = Ledger(prefect_home(self.data_dir) / "alerted.json")
        while not stop.wait(self.options.poll_seconds):
            for child in self.children:
                if not child.alive():
                    self.report(f"{child.name} exited with status {child.proc.returncode}; stopping "
                                f"(see {child.log_path})")
                    stop.set()
            if stop.is_set():
                break
            try:
                with use_server(self.api_url, self.data_dir), get_client(sync_client=True) as client:
                    for alert in unstarted_runs(client, self.options.pool, since, ledger):
                        self.alert(alert, ledger)
            except Exception as exc:  # a busy server must not end the scheduler
                self.report(f"run check failed: {type(exc).__name__}: {exc}")

    def stop(self) -> None:
        workers = [c for c in self.children if c.name != "server"]
        for child in workers:
            code = child.stop()
            self.report(f"{child.name} stopped ({code})")
        for child in self.children:
            if child.name == "server":
                child.stop()
                self.report("Prefect server stopped")
        self.children.clear()
        remove_server_file(self.data_dir)


def serve(data_dir: Path, config_path: Path, options: ServeOptions | None = None,
          report: Report = print, stop: threading.Event | None = None) -> int:
    """Run the scheduler until SIGINT/SIGTERM (or ``stop`` is set); returns an exit status:
    128 + the signal's number when a signal stopped it (130 for Ctrl-C), as for every command
    that Ctrl-C ends, else 0."""
    stop = stop or threading.Event()
    sched = Scheduler(Path(data_dir).resolve(), Path(config_path).resolve(), options or ServeOptions(), report)
    previous: dict[signal.Signals, Any] = {}
    signalled: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set():
            report("already stopping")
        signalled.append(signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        sched.start()
        report("serving schedules; Ctrl-C stops everything")
        sched.watch(stop)
        return 128 + signalled[0] if signalled else 0
    finally:
        report("stopping")
        sched.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
