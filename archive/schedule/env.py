"""Operational defaults for Prefect: no telemetry, the server URL, small results, logs to the UI.

Prefect reads its settings when it is first imported, so the environment is prepared *before*
any ``import prefect`` (:func:`prepare_environment`), and code that already imported Prefect
talks to a given server through :func:`use_server` (a settings context).

The server started by ``archive schedule serve`` records its API URL in
``DATA/prefect/server.json``; ``apply``, ``status`` and the flows find it there when
``PREFECT_API_URL`` is not set (without either, Prefect would silently start a temporary
server of its own).
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import ArchiveError

DEFAULT_POOL = "archive"
FLOW_NAME = "pipeline"
DEPLOYMENT_TAG = "syndication-archive"
WORKER_NAME_ENV = "ARCHIVE_WORKER_NAME"

# Always set: nothing phones home, results hold no page bodies, the archive's logs reach the UI.
DEFAULTS: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "PREFECT_LOGGING_TO_API_ENABLED": "true",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "archive",
    # the archive's loggers also run outside flows (the CLI, tests): no warning for those records
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_SERVER_API_HOST": "127.0.0.1",
    "PREFECT_CLI_PROMPT": "false",
}


TELEMETRY_OFF: dict[str, str] = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def telemetry_off(environ: Any = None) -> None:
    """Turn Prefect's telemetry off in this process, before Prefect is first imported: the SDK
    decides at import (``DO_NOT_TRACK``), the server reads its analytics setting at start. An
    archive runs offline and reports to nobody, whatever the environment said."""
    env = os.environ if environ is None else environ
    env.update(TELEMETRY_OFF)


def prefect_home(data_dir: Path) -> Path:
    """``DATA/prefect``: Prefect's own database, profiles and logs stay beside the archive."""
    return Path(data_dir).resolve() / "prefect"


def server_file(data_dir: Path) -> Path:
    return prefect_home(data_dir) / "server.json"


def api_url_for_port(port: int, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}/api"


def write_server_file(data_dir: Path, api_url: str, pid: int) -> None:
    path = server_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"api_url": api_url, "pid": pid}))
    tmp.replace(path)


def remove_server_file(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        server_file(data_dir).unlink()


def find_api_url(data_dir: Path | None = None, *, required: bool = True) -> str | None:
    """The Prefect API to use: ``$PREFECT_API_URL``, else the one ``schedule serve`` recorded."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    if data_dir is not None:
        path = server_file(data_dir)
        try:
            recorded = json.loads(path.read_text())
            return str(recorded["api_url"])
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveError(f"{path}: unreadable server record ({exc}); "
                               "restart 'archive schedule serve'") from None
    if required:
        where = f" (no {server_file(data_dir)})" if data_dir is not None else ""
        raise ArchiveError("no Prefect server to talk to: start one with 'archive schedule serve' "
                           f"or set PREFECT_API_URL{where}")
    return None


def prefect_environment(data_dir: Path, api_url: str | None = None,
                        base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for a Prefect process (server, worker, flow) serving ``data_dir``.

    The user's own ``PREFECT_*`` settings win over the defaults, except ``PREFECT_HOME``
    which always lies under the data directory.
    """
    env = dict(os.environ if base is None else base)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    telemetry_off(env)
    env["PREFECT_HOME"] = str(prefect_home(data_dir))
    env.setdefault("ARCHIVE_DATA", str(Path(data_dir).resolve()))
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def prepare_environment(data_dir: Path, api_url: str | None = None) -> None:
    """Set this process's environment for Prefect; call before the first ``import prefect``."""
    prefect_home(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ.update(prefect_environment(data_dir, api_url))


@contextlib.contextmanager
def use_server(api_url: str | None, data_dir: Path | None = None) -> Iterator[None]:
    """Point Prefect (already imported) at ``api_url`` and PREFECT_HOME under ``data_dir``.

    Prefect fixes its settings when first imported; this settings context overrides them for
    the clients and flow runs created inside the block.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    updates: dict[Any, Any] = {}
    if api_url:
        updates[PREFECT_API_URL] = api_url
    if data_dir is not None:
        prepare_environment(data_dir, api_url)
        updates[PREFECT_HOME] = str(prefect_home(data_dir))
    with temporary_settings(updates=updates):
        yield
