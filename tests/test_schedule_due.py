"""A prefetched run waits for its scheduled time (archive/schedule/due.py)."""
from __future__ import annotations

import datetime as dt

from archive.schedule.due import MAX_EARLY_SECONDS, seconds_until, wait_until_due

T0 = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.timezone.utc)


class Clock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = T0
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += dt.timedelta(seconds=s)


def test_seconds_until():
    assert seconds_until(None, T0) == 0.0
    assert seconds_until(T0 - dt.timedelta(seconds=5), T0) == 0.0
    assert seconds_until(T0 + dt.timedelta(seconds=4.5), T0) == 4.5
    assert seconds_until(T0.replace(tzinfo=None) + dt.timedelta(seconds=3), T0) == 3.0  # naive = UTC
    assert seconds_until(T0 + dt.timedelta(days=1), T0) == MAX_EARLY_SECONDS


def test_waits_until_the_scheduled_time_and_no_longer():
    c = Clock()
    waited = wait_until_due(T0 + dt.timedelta(seconds=3.5), sleep=c.sleep, now=c.now)
    assert waited == 3.5 and c.t == T0 + dt.timedelta(seconds=3.5)
    assert max(c.sleeps) <= 1.0  # short steps: a stop signal is not held up


def test_a_due_or_ad_hoc_run_does_not_wait():
    c = Clock()
    assert wait_until_due(T0, sleep=c.sleep, now=c.now) == 0.0
    assert wait_until_due(T0 - dt.timedelta(minutes=3), sleep=c.sleep, now=c.now) == 0.0
    assert wait_until_due(None, sleep=c.sleep, now=c.now) == 0.0
    assert c.sleeps == []


def test_a_run_far_ahead_waits_at_most_the_cap():
    c = Clock()
    assert wait_until_due(T0 + dt.timedelta(hours=2), sleep=c.sleep, now=c.now) == MAX_EARLY_SECONDS


def test_a_real_wait_is_real():
    """The default clock and sleep: the call returns at (not before) the scheduled time. How much
    later is the machine's business (a loaded one wakes a sleeper late), so it is not bounded."""
    start = dt.datetime.now(dt.timezone.utc)
    due = start + dt.timedelta(seconds=0.3)
    waited = wait_until_due(due)
    assert dt.datetime.now(dt.timezone.utc) >= due
    assert waited > 0.0


def test_a_late_wake_up_does_not_sleep_again():
    """A sleep that overran (a loaded machine) ends the wait: no second sleep past the due time."""
    c = Clock()

    def late_sleep(s: float) -> None:
        c.sleep(s + 5.0)  # woken five seconds late

    assert wait_until_due(T0 + dt.timedelta(seconds=0.3), sleep=late_sleep, now=c.now) == 0.3
    assert c.sleeps == [5.3]
