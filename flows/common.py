"""Pieces both flows share: the run's WARC prefix, summaries of library results, and tasks
that call the library with small results (never page bodies)."""
from __future__ import annotations

import dataclasses
import os
import re
import socket
from pathlib import Path
from typing import Any

WORKER_NAME_ENVS = ("PREFECT__WORKER_NAME", "ARCHIVE_WORKER_NAME")


def worker_name() -> str:
    """The worker running this flow (Prefect sets PREFECT__WORKER_NAME), else the host name."""
    for key in WORKER_NAME_ENVS:
        if os.environ.get(key):
            return os.environ[key]
    return socket.gethostname()


def run_warc_prefix(flow_run_id: str | None) -> str:
    """WARC file prefix of one run: the worker's name and the FULL flow-run id.

    Scheduled run ids are time-ordered (UUIDv7-like), so a shortened id can collide between
    two runs started in the same instant on two workers; the whole id cannot.
    """
    worker = re.sub(r"[^A-Za-z0-9._-]+", "_", worker_name()).strip("_-") or "worker"
    run = flow_run_id or f"local{os.getpid()}"
    return f"{worker}-{run}"


def small(obj: Any) -> dict[str, Any]:
    """A JSON-friendly summary of a stats dataclass (counts only; sets become sizes)."""
    if obj is None:
        return {}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, (int, float, str, bool)) or value is None:
                out[f.name] = value
            elif isinstance(value, (set, list, tuple, dict)):
                out[f.name] = len(value)
        return out
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items() if isinstance(v, (int, float, str, bool)) or v is None}
    return {"value": str(obj)}


def load(config_path: str) -> Any:
    from archive.config import load_config

    return load_config(Path(config_path))
