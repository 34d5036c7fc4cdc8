"""A Prefect flow that crawls one source by calling the library.

The crawl is one async crawl inside one task (its pages are never one task each: a task costs
5–9 ms of Prefect overhead). The task returns counts only, never page bodies.

    python -m flows.crawl --source NAME [--data DIR] [--config FILE]

finds the server ``archive schedule serve`` started for DIR (or ``$PREFECT_API_URL``);
without one Prefect starts a temporary server for the run (10–20 s more).
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from archive.schedule.due import wait_until_due
from flows.common import load, run_warc_prefix, small


def top_errors(data_dir: str, crawl_id: str, limit: int = 5) -> list[tuple[str, int, str]]:
    """(kind, count, one example URL) of the crawl's fetch errors, most frequent first."""
    from archive.index import open_db
    from archive.index.fetch_errors import error_summary

    db = open_db(Path(data_dir))
    try:
        return error_summary(db, crawl_id, limit)
    finally:
        db.conn.close()


@contextlib.contextmanager
def rotated_files_published(data_dir: Path, config: Any, warc_prefix: str) -> Iterator[None]:
    """With a WARC store configured, publish the files a crawl's writers rotate out while it runs
    (``BackgroundPublisher``); the run's final publish step covers the rest and reports failures."""
    from archive.errors import ArchiveError
    from archive.warc.store import open_store
    from archive.warc.sync import BackgroundPublisher

    try:
        store = open_store(config.settings)
    except ArchiveError:  # reported by the publish step after the crawl
        store = None
    if store is None:
        yield
        return
    with BackgroundPublisher(data_dir, store, warc_prefix):
        yield


@task(name="crawl", retries=1, retry_delay_seconds=5, persist_result=False, cache_policy=NO_CACHE)
def crawl_task(source: str, data_dir: str, config_path: str, warc_prefix: str) -> dict[str, Any]:
    """Crawl ``source`` into DATA/warcs (files named ``warc_prefix-…``) and the index.

    A crawl that fetched nothing and met errors fails (and is retried once): a source whose
    server is down must not look like a quiet day.
    """
    from archive.errors import FetchError
    from archive.fetch import crawl_or_render

    logger = get_run_logger()
    config = load(config_path)
    with rotated_files_published(Path(data_dir), config, warc_prefix):
        stats = crawl_or_render(config, Path(data_dir), source, warc_prefix=warc_prefix)
    summary = small(stats)
    logger.info("crawl %s: %s pages, %s bytes, %s errors (crawl %s, WARC prefix %s)", source,
                stats.pages, stats.bytes, stats.errors, stats.id, warc_prefix)
    if stats.pages == 0 and stats.errors > 0:
        worst = top_errors(data_dir, stats.id, 3)
        detail = "; ".join(f"{kind} x{n} (e.g. {url})" for kind, n, url in worst) or "see fetch_errors"
        raise FetchError(",".join(config.source(source).seeds[:1]) or source, "nothing fetched",
                         f"source {source}: {stats.errors} errors: {detail}")
    return summary


@task(name="publish-warcs", retries=2, retry_delay_seconds=10, persist_result=False, cache_policy=NO_CACHE)
def publish_task(data_dir: str, config_path: str) -> dict[str, Any]:
    """Publish every closed local WARC the shared store lacks (this run's and any an earlier
    failed upload left); a failure keeps the local files and fails the task (retried)."""
    from archive.warc.store import open_store
    from archive.warc.sync import publish_pending

    logger = get_run_logger()
    store = open_store(load(config_path).settings)
    if store is None:
        return {}
    result = publish_pending(Path(data_dir), store)
    logger.info("WARC store %s: %s published (%s bytes), %s already there, %s failed", store.url,
                len(result.published), result.bytes, len(result.already), len(result.failed))
    failure = result.failure(store.url, Path(data_dir))
    if failure is not None:
        raise failure
    return {"store": store.url, "published": len(result.published), "already": len(result.already),
            "published_bytes": result.bytes}


def publish_step(data_dir: str, config_path: str) -> tuple[dict[str, Any], Exception | None]:
    """Run :func:`publish_task` when a WARC store is configured; (summary, error or None). The
    caller finishes its other work and raises the error last, so the run fails and alerts."""
    from archive.errors import ArchiveError
    from archive.warc.store import open_store

    try:
        store = open_store(load(config_path).settings)
    except ArchiveError as exc:
        return {"store_error": str(exc)}, exc
    if store is None:
        return {}, None
    try:
        return publish_task(data_dir, config_path), None
    except ArchiveError as exc:
        return {"store": store.url, "store_error": str(exc)}, exc


@flow(name="crawl", persist_result=False, log_prints=True)
def crawl_source(source: str, data_dir: str, config_path: str = "config/sources.toml") -> dict[str, Any]:
    """Crawl one source (as ``archive crawl --source``), WARCs prefixed by worker and run id,
    then publish them to the shared WARC store when one is configured."""
    wait_until_due(flow_run.scheduled_start_time)  # a prefetched run starts on time, not early
    data_dir = str(Path(data_dir).resolve())
    config_path = str(Path(config_path).resolve())
    summary = crawl_task(source, data_dir, config_path, run_warc_prefix(flow_run.id))
    published, error = publish_step(data_dir, config_path)
    if error is not None:
        raise error
    return {**summary, **published}


def main(argv: list[str] | None = None) -> int:
    return flow_main(crawl_source, "python -m flows.crawl", argv)


def flow_main(flow_fn: Any, prog: str, argv: list[str] | None) -> int:
    """``python -m flows.X --source NAME [--data DIR] [--config FILE]``: one run of the flow."""
    parser = argparse.ArgumentParser(prog=prog, description=flow_fn.description)
    parser.add_argument("--source", required=True, help="source name in the config")
    parser.add_argument("--data", default=None, help="data directory (env ARCHIVE_DATA, default ./data)")
    parser.add_argument("--config", default="config/sources.toml", help="sources file")
    args = parser.parse_args(argv)
    return run_cli(flow_fn, args.source, args.data, args.config)


def run_cli(flow_fn: Any, source: str, data: str | None, config: str) -> int:
    """Run a flow from the command line against the archive's server when one is running."""
    import os

    from archive.errors import ArchiveError
    from archive.schedule.env import find_api_url, use_server

    data_dir = Path(data or os.environ.get("ARCHIVE_DATA") or "data").resolve()
    try:
        load(config).source(source)  # a bad name or config fails here, before Prefect starts
        api_url = find_api_url(data_dir, required=False)
        if api_url is None:
            print("no 'archive schedule serve' running for this data directory: "
                  "Prefect starts a temporary server for this run", file=sys.stderr)
        with use_server(api_url, data_dir):
            result = flow_fn(source=source, data_dir=str(data_dir), config_path=str(Path(config).resolve()))
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
