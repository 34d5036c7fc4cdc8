"""Prefect deployments from config, the local scheduler, status and failure alerts.

Modules: ``env`` (operational defaults, finding the server), ``processes`` (server and worker
child processes), ``apply`` (deployments from config), ``serve`` (server + pool + workers,
stale and unstartable runs), ``status``, ``alerts`` (the webhook notifier), ``due`` (a
prefetched run waits for its scheduled time). Importing this
package imports no Prefect.
"""
from __future__ import annotations

from .alerts import Alert, send_alert
from .apply import ApplyResult, DeploymentSpec, apply
from .serve import ServeOptions, serve
from .status import DeploymentStatus, status

__all__ = ["Alert", "ApplyResult", "DeploymentSpec", "DeploymentStatus", "ServeOptions", "apply", "send_alert",
           "serve", "status"]
