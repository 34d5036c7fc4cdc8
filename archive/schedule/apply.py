"""``archive schedule apply``: one Prefect deployment per configured source.

Each source becomes deployment ``pipeline/<source>`` on a ``process`` work pool, running
``flows.pipeline.pipeline`` from the project directory (recorded as an absolute working
directory) with the source's ``schedule`` (cron, UTC) or ``every`` (seconds). A source without
either gets a deployment without a schedule (run it by hand); a disabled one is paused.

The deployment's ``version`` holds a fingerprint of everything the source asks for; a source
whose fingerprint is unchanged is left alone, so its scheduled runs and its interval's phase
stay exactly as they were. Deployments of sources no longer in the config (on this pool, made
by this command) are removed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config, Source
from ..errors import ArchiveError
from .env import DEFAULT_POOL, DEPLOYMENT_TAG, FLOW_NAME

ENTRYPOINT = "flows.pipeline.pipeline"   # module path: the installed package or the project dir
SPEC_FORMAT = 1                          # bump when the meaning of a spec changes


def project_dir() -> Path:
    """The directory holding the ``flows`` package (the deployments' working directory)."""
    import importlib.util

    spec = importlib.util.find_spec("flows.pipeline")  # flows may import as a namespace package
    if spec is None or not spec.origin:
        raise ArchiveError("the flows package is not importable: install the project (pip install -e .)")
    return Path(spec.origin).resolve().parent.parent


@dataclass(frozen=True)
class DeploymentSpec:
    """What one source asks of its deployment."""

    source: str
    pool: str
    working_dir: str
    parameters: dict[str, Any]
    cron: str | None = None
    interval: int | None = None
    paused: bool = False
    description: str = ""
    queue: str | None = None  # a work queue of the pool (its default queue when None)

    @property
    def name(self) -> str:
        return f"{FLOW_NAME}/{self.source}"

    def fingerprint(self) -> str:
        fields = {"format": SPEC_FORMAT, "pool": self.pool, "dir": self.working_dir,
                  "entrypoint": ENTRYPOINT, "parameters": self.parameters, "cron": self.cron,
                  "interval": self.interval, "paused": self.paused, "description": self.description}
        if self.queue is not None:  # absent otherwise: deployments applied before it stay unchanged
            fields["queue"] = self.queue
        body = json.dumps(fields, sort_keys=True)
        return "spec-" + hashlib.sha256(body.encode()).hexdigest()[:16]

    def schedule_text(self) -> str:
        if self.cron:
            return f"cron {self.cron} (UTC)"
        if self.interval:
            return f"every {self.interval} s"
        return "no schedule"


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pending_removal: list[str] = field(default_factory=list)  # paused: a run is still in flight

    def lines(self) -> list[str]:
        out = []
        for label, names in (("created", self.created), ("updated", self.updated),
                             ("unchanged", self.unchanged), ("removed", self.removed),
                             ("paused, to be removed once its run ends (apply again)", self.pending_removal)):
            out += [f"{label}: {FLOW_NAME}/{n}" for n in names]
        return out


def spec_for(source: Source, config: Config, data_dir: Path, pool: str, workdir: Path) -> DeploymentSpec:
    return DeploymentSpec(
        source=source.name, pool=pool, working_dir=str(workdir),
        parameters={"source": source.name, "data_dir": str(Path(data_dir).resolve()),
                    "config_path": str(Path(config.path).resolve())},
        cron=source.schedule, interval=source.every, paused=not source.enabled,
        description=source.description or f"crawl, extract and dedupe source {source.name}")


def desired_specs(config: Config, data_dir: Path, pool: str = DEFAULT_POOL,
                  workdir: Path | None = None) -> dict[str, DeploymentSpec]:
    workdir = workdir or project_dir()
    return {name: spec_for(src, config, data_dir, pool, workdir) for name, src in config.sources.items()}


def ensure_pool(client: Any, pool: str) -> None:
    """Create the ``process`` work pool if it does not exist (the worker's default template)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        existing = client.read_work_pool(pool)
    except ObjectNotFound:
        try:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process", description="Syndication Archive pipelines",
                base_job_template=ProcessWorker.get_default_base_job_template()))
        except ObjectAlreadyExists:
            pass
        return
    if existing.type != "process":
        raise ArchiveError(f"work pool {pool!r} exists with type {existing.type!r}, not 'process'")


def managed_deployments(client: Any, pool: str) -> list[Any]:
    """Deployments this command made on ``pool`` (tagged, of flow ``pipeline``)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter, DeploymentFilterTags, FlowFilter, FlowFilterName, WorkPoolFilter,
        WorkPoolFilterName)

    return list(client.read_deployments(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])),
        deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[DEPLOYMENT_TAG])),
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))))


def _deploy(flow_obj: Any, spec: DeploymentSpec) -> Any:
    kwargs: dict[str, Any] = {}
    if spec.cron:
        kwargs["cron"] = spec.cron
    elif spec.interval:
        kwargs["interval"] = spec.interval
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # deploy() prints a table and hints
        return _deploy_quiet(flow_obj, spec, kwargs)


def _deploy_quiet(flow_obj: Any, spec: DeploymentSpec, kwargs: dict[str, Any]) -> Any:
    if spec.queue is not None:
        kwargs = {**kwargs, "work_queue_name": spec.queue}  # made on the pool if missing
    return flow_obj.deploy(
        name=spec.source, work_pool_name=spec.pool, parameters=spec.parameters,
        description=spec.description, tags=[DEPLOYMENT_TAG], version=spec.fingerprint(),
        paused=spec.paused, concurrency_limit=1,  # one run of a source at a time
        build=False, push=False, print_next_steps=False, ignore_warnings=True, **kwargs)


def apply_specs(specs: dict[str, DeploymentSpec], api_url: str, *, pool: str = DEFAULT_POOL,
                workdir: Path | None = None, data_dir: Path | None = None) -> ApplyResult:
    """Make the server's deployments on ``pool`` match ``specs``."""
    from prefect import flow
    from prefect.client.orchestration import get_client

    from .env import use_server

    result = ApplyResult()
    workdir = workdir or project_dir()
    with use_server(api_url, data_dir), get_client(sync_client=True) as client:
        ensure_pool(client, pool)
        existing = {d.name: d for d in managed_deployments(client, pool)}
        todo = []
        for name, spec in sorted(specs.items()):
            have = existing.get(name)
            if have is not None and have.version == spec.fingerprint():
                result.unchanged.append(name)
            else:
                todo.append((spec, have is None))
        if todo:
            flow_obj = flow.from_source(source=str(workdir), entrypoint=ENTRYPOINT)
            for spec, new in todo:
                _deploy(flow_obj, spec)
                (result.created if new else result.updated).append(spec.source)
        for name, dep in sorted(existing.items()):
            if name not in specs:
                # deleting a deployment under a running flow run leaves that run unable to
                # finish (the server answers 500 to its state changes): pause it first
                client.pause_deployment(dep.id)
                if runs_in_flight(client, dep.id):
                    result.pending_removal.append(name)
                else:
                    client.delete_deployment(dep.id)
                    result.removed.append(name)
    return result


def runs_in_flight(client: Any, deployment_id: Any) -> list[Any]:
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType

    return list(client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            any_=[StateType.RUNNING, StateType.PENDING, StateType.CANCELLING]))), limit=10))


def apply(config: Config, data_dir: Path, api_url: str, *, pool: str = DEFAULT_POOL) -> ApplyResult:
    """Create/update one deployment per source of ``config``, remove those of deleted sources."""
    return apply_specs(desired_specs(config, data_dir, pool), api_url, pool=pool, data_dir=data_dir)
