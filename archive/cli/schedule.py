"""``archive schedule apply|serve|status|worker``: Prefect deployments from the config."""
from __future__ import annotations

from pathlib import Path

import click

from .common import common_options

POOL_OPTION = click.option("--pool", default="archive", show_default=True, help="Prefect work pool (type process).")


@click.group()
def schedule() -> None:
    """Run sources on their schedules with Prefect: apply, serve, status, worker."""


@schedule.command()
@common_options
@POOL_OPTION
def apply(data_dir: Path, config_path: Path, pool: str) -> None:
    """Create/update one deployment per source; remove those of deleted sources."""
    from ..config import load_config
    from ..schedule.env import find_api_url, prepare_environment

    config = load_config(config_path)
    api_url = find_api_url(data_dir)
    prepare_environment(data_dir, api_url)
    from ..schedule.apply import apply as apply_config

    result = apply_config(config, data_dir, str(api_url), pool=pool)
    for line in result.lines():
        click.echo(line)
    click.echo(f"{len(result.created)} created, {len(result.updated)} updated, "
               f"{len(result.unchanged)} unchanged, {len(result.removed)} removed")


@schedule.command()
@common_options
@POOL_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=4200, show_default=True,
              help="Server port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Server address (loopback; another address lets workers on other machines in).")
@click.option("--workers", type=click.IntRange(min=0), default=1, show_default=True, help="Local workers.")
@click.option("--worker-name", default=None, help="Worker name (prefix of WARC files); default: host name.")
@click.option("--apply/--no-apply", "do_apply", default=True, show_default=True,
              help="Apply the config's deployments at start.")
def serve(data_dir: Path, config_path: Path, pool: str, port: int, host: str, workers: int,
          worker_name: str | None, do_apply: bool) -> None:
    """Start a Prefect server, a process work pool and worker(s); one Ctrl-C stops all."""
    from ..schedule.env import prepare_environment

    prepare_environment(data_dir)
    from ..schedule.serve import ServeOptions, serve as run_serve

    opts = ServeOptions(port=port, host=host, pool=pool, workers=workers, worker_name=worker_name,
                        apply=do_apply)
    raise SystemExit(run_serve(data_dir, config_path, opts, report=lambda s: click.echo(s, err=True)))


@schedule.command()
@common_options
@POOL_OPTION
def status(data_dir: Path, config_path: Path, pool: str) -> None:
    """List deployments with their schedule, next run and last run state."""
    from ..schedule.env import find_api_url, prepare_environment

    api_url = find_api_url(data_dir)
    prepare_environment(data_dir, api_url)
    from ..schedule.status import status as read_status

    rows = read_status(str(api_url), pool=pool, data_dir=data_dir)
    if not rows:
        click.echo(f"no deployments on pool {pool} (run 'archive schedule apply')")
    for row in rows:
        click.echo(row.line())
        if row.last_state in ("Failed", "Crashed") and row.last_message:
            click.echo(f"    {row.last_message}")


@schedule.command()
@common_options
@POOL_OPTION
@click.option("--name", "name", default=None, help="Worker name (prefix of its WARC files); default: host name.")
@click.option("--api-url", default=None, envvar="PREFECT_API_URL",
              help="The scheduler's Prefect API (http://HOST:PORT/api).")
def worker(data_dir: Path, config_path: Path, pool: str, name: str | None, api_url: str | None) -> None:
    """Run one more worker (this or another machine) against a running scheduler; Ctrl-C stops it."""
    import signal
    import socket
    import time

    from ..schedule.env import find_api_url, prepare_environment
    from ..schedule.processes import start_worker

    api_url = api_url or find_api_url(data_dir)
    prepare_environment(data_dir, api_url)
    stop_requested: list[int] = []
    signal.signal(signal.SIGINT, lambda s, f: stop_requested.append(s))
    signal.signal(signal.SIGTERM, lambda s, f: stop_requested.append(s))
    child = start_worker(data_dir, str(api_url), pool=pool, name=name or socket.gethostname())
    click.echo(f"{child.name} on pool {pool} at {api_url} (log {child.log_path})", err=True)
    try:
        while child.alive() and not stop_requested:
            time.sleep(0.5)
    finally:
        code = child.stop()
        click.echo(f"{child.name} stopped ({code})", err=True)
