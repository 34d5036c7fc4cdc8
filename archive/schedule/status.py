"""``archive schedule status``: each deployment, its schedule, next run and last run state."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .env import DEFAULT_POOL


@dataclass
class DeploymentStatus:
    name: str              # pipeline/<source>
    deployment_id: str
    schedule: str
    paused: bool
    next_run: dt.datetime | None
    last_run: str | None   # run name
    last_state: str | None
    last_time: dt.datetime | None
    last_message: str | None

    def line(self) -> str:
        nxt = self.next_run.strftime("%Y-%m-%d %H:%M:%S UTC") if self.next_run else "-"
        last = "never ran"
        if self.last_state:
            when = self.last_time.strftime("%Y-%m-%d %H:%M:%S UTC") if self.last_time else "?"
            last = f"{self.last_state} ({self.last_run}, {when})"
        paused = " [paused]" if self.paused else ""
        return f"{self.name}{paused}  schedule: {self.schedule}  next: {nxt}  last: {last}"


def _schedule_text(dep: Any) -> str:
    parts = []
    for sched in getattr(dep, "schedules", None) or []:
        s = sched.schedule
        if getattr(s, "cron", None):
            parts.append(f"cron {s.cron}")
        elif getattr(s, "interval", None) is not None:
            parts.append(f"every {int(s.interval.total_seconds())} s")
        else:
            parts.append(type(s).__name__)
        if not getattr(sched, "active", True):
            parts[-1] += " (inactive)"
    return ", ".join(parts) or "none"


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second)


def status(api_url: str, *, pool: str = DEFAULT_POOL, data_dir: Path | None = None) -> list[DeploymentStatus]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    from .apply import managed_deployments
    from .env import use_server

    out: list[DeploymentStatus] = []
    with use_server(api_url, data_dir), get_client(sync_client=True) as client:
        for dep in sorted(managed_deployments(client, pool), key=lambda d: d.name):
            only = DeploymentFilter(id=DeploymentFilterId(any_=[dep.id]))
            upcoming = client.read_flow_runs(
                deployment_filter=only, limit=1, sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))))
            past = client.read_flow_runs(
                deployment_filter=only, limit=1, sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))))
            last = past[0] if past else None
            out.append(DeploymentStatus(
                name=f"pipeline/{dep.name}", deployment_id=str(dep.id), schedule=_schedule_text(dep),
                paused=bool(getattr(dep, "paused", False)),
                next_run=_utc(upcoming[0].expected_start_time) if upcoming else None,
                last_run=last.name if last else None,
                last_state=last.state_name if last else None,
                last_time=_utc(last.end_time or last.start_time or last.expected_start_time) if last else None,
                last_message=(last.state.message if last and last.state else None)))
    return out
