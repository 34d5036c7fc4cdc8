"""Waits that give up on a stall, never on a clock: the machine may be shared and loaded, so a
wait fails only when what it watches has not changed for ``STALL_SECONDS`` (a hang)."""
from __future__ import annotations

import os
import time
from typing import Any, Callable

import pytest

# Measured with the 2 cores at load 8-9: the longest spell in which nothing a wait watches
# changed was 26 s (serve's Prefect server starting), the longest wait 72 s. Five minutes with
# no change at all is a hang, not a slow machine.
STALL_SECONDS = float(os.environ.get("ARCHIVE_TEST_STALL_SECONDS", "300"))


def wait_for(what: str, check: Callable[[], Any], timeout: float = STALL_SECONDS, every: float = 1.0,
             progress: Callable[[], Any] | None = None) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` once ``timeout``
    seconds pass in which ``progress()`` did not change (in all, without ``progress``)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    seen = progress() if progress else None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
        if progress is not None:
            now = progress()
            if now != seen:
                seen, deadline = now, time.monotonic() + timeout
    pytest.fail(f"gave up waiting for {what}: nothing changed for {timeout:.0f} s (last: {last!r}, "
                f"progress: {seen!r})")
