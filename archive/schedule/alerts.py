"""Failure alerts: one JSON POST to the configured webhook (``[settings] webhook_url``).

The body carries ``text`` (a one-line summary, as Slack- and Mattermost-style incoming
webhooks expect) and the fields a receiver can act on: ``source``, ``flow_run_id``,
``flow_run_name``, ``state``, ``error``, ``deployment``. Sending never raises: an alert that
cannot be delivered is logged, and the run's own state stays the record of the failure.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Alert:
    source: str | None
    flow_run_id: str
    flow_run_name: str | None
    state: str  # Failed, Crashed, ...
    error: str
    deployment: str | None = None
    kind: str = "run"  # run | stale-run | not-started

    @property
    def text(self) -> str:
        what = {"stale-run": "was cut off by a stop", "not-started": "could not start"}.get(
            self.kind, self.state.lower())
        return (f"archive: source {self.source or '?'}: run {self.flow_run_name or ''} "
                f"({self.flow_run_id}) {what}: {self.error}")

    def payload(self) -> dict[str, Any]:
        body = asdict(self)
        body["text"] = self.text
        return body


def send_alert(webhook_url: str | None, alert: Alert, *, timeout: float = 10.0) -> bool:
    """POST ``alert`` to ``webhook_url``; True when the receiver answered 2xx."""
    if not webhook_url:
        log.warning("no webhook_url configured; alert not sent: %s", alert.text)
        return False
    data = json.dumps(alert.payload()).encode()
    req = urllib.request.Request(webhook_url, data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "syndication-archive-alerts"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (configured URL)
            ok = 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.error("alert to %s failed (%s): %s", webhook_url, exc, alert.text)
        return False
    if not ok:
        log.error("alert to %s answered %s: %s", webhook_url, resp.status, alert.text)
    return ok


def error_of_state(state: Any) -> str:
    """A short description of why a Prefect state failed (Prefect puts the exception there)."""
    message = str(getattr(state, "message", None) or "").strip()
    return message or f"{getattr(state, 'name', 'failed')} without a message"
