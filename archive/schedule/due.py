"""Start a scheduled run at its scheduled time, not before and not seconds after.

A Prefect worker asks for runs due within its prefetch window (``PREFECT_WORKER_PREFETCH_SECONDS``)
and starts their processes at once, so the new Python process, Prefect's import and the flow's
loading (3–6 s here) happen before the run is due. Prefect 3.9.1 then lets the run start
straight away: its "wait for the scheduled time" rule only holds runs still in Scheduled, and a
prefetched run is already Pending. So the flow itself waits, once warm, until its scheduled time:
a cron schedule keeps its meaning and the start-up cost leaves the run's critical path.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable

# a run never waits longer than this (a clock step or a run created far ahead by hand)
MAX_EARLY_SECONDS = 120.0


def seconds_until(scheduled: dt.datetime | None, now: dt.datetime | None = None) -> float:
    """Seconds from ``now`` to ``scheduled`` (0 when due, past or unknown; capped)."""
    if scheduled is None:
        return 0.0
    if scheduled.tzinfo is None:
        scheduled = scheduled.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, min((scheduled - now).total_seconds(), MAX_EARLY_SECONDS))


def wait_until_due(scheduled: dt.datetime | None, *, sleep: Callable[[float], None] = time.sleep,
                   now: Callable[[], dt.datetime] | None = None) -> float:
    """Sleep until ``scheduled``; returns the seconds waited (0 for a run that is already due)."""
    clock = now or (lambda: dt.datetime.now(dt.timezone.utc))
    waited = 0.0
    while True:
        left = seconds_until(scheduled, clock())
        if left <= 0 or waited >= MAX_EARLY_SECONDS:
            return waited
        step = min(left, 1.0)
        sleep(step)
        waited += step
