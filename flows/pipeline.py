"""The scheduled pipeline of one source: crawl → extract → dedupe → watch, reported and alerted.

- the crawl is one task (one async crawl; WARC files prefixed by worker name + full run id);
- extraction runs over this crawl's captures in batches of ``extract_batch`` capture ids, one
  task per batch (never one task per page);
- dedupe is one task; the watch stage (``archive.watch``: summary tables refreshed, new pairs
  posted to the ``[watch.NAME]`` webhooks) is one task after it;
- extract and dedupe retry (a busy database or a killed extraction process is worth a second
  try: both stages are incremental and idempotent); the crawl retries once;
- every run leaves a markdown artifact (key ``pipeline-<source>``): pages, bytes, errors, new
  articles, new copies found, top errors, and the watched pairs posted (or failed) in this run;
- a failed or crashed run POSTs an alert to ``[settings] webhook_url`` naming the source, the
  run and the error (``on_failure`` / ``on_crashed`` hooks).

Tasks return counts only: no page body ever reaches Prefect's results.

    python -m flows.pipeline --source NAME [--data DIR] [--config FILE]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from archive.index.watches import now_iso
from archive.schedule.due import wait_until_due
from flows.common import load, run_warc_prefix, small
from flows.crawl import crawl_task, flow_main, publish_step, top_errors


# ------------------------------------------------------------------------------ alerts
def alert_hook(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` / ``on_crashed``: tell the configured webhook which source and run failed."""
    from archive.schedule.alerts import Alert, error_of_state, send_alert

    params = dict(getattr(flow_run, "parameters", None) or {})
    webhook: str | None = None
    try:
        webhook = load(str(params.get("config_path", "config/sources.toml"))).settings.webhook_url
    except Exception as exc:  # the config itself may be what broke the run
        print(f"alert: cannot read the config for the webhook URL: {exc}", file=sys.stderr)
    deployment = getattr(flow_run, "deployment_id", None)
    alert = Alert(source=params.get("source"), flow_run_id=str(flow_run.id), flow_run_name=flow_run.name,
                  state=str(getattr(state, "name", None) or state.type), error=error_of_state(state),
                  deployment=str(deployment) if deployment else None)
    send_alert(webhook, alert)


# ------------------------------------------------------------------------------- tasks
def pending_capture_ids(data_dir: str, source: str, crawl_id: str) -> list[str]:
    """Captures to extract: this crawl's, and any of this source an earlier cut-off run left."""
    from archive.index import open_db
    from archive.index.extraction import pending_capture_ids as pending  # the extract stage's own rule

    db = open_db(Path(data_dir))
    try:
        return pending(db.conn, crawl_id, source)
    finally:
        db.conn.close()


@task(name="extract-batch", retries=2, retry_delay_seconds=3, persist_result=False, cache_policy=NO_CACHE)
def extract_task(data_dir: str, config_path: str, capture_ids: list[str], workers: int) -> dict[str, Any]:
    """Extract one batch of captures (ids, not bodies, go in; counts come out)."""
    from archive.extract import run_extract

    stats = run_extract(Path(data_dir), load(config_path), workers=workers, capture_ids=capture_ids)
    return small(stats)


@task(name="dedupe", retries=2, retry_delay_seconds=3, persist_result=False, cache_policy=NO_CACHE)
def dedupe_task(data_dir: str, config_path: str) -> dict[str, Any]:
    from archive.dedupe import run_dedupe

    return small(run_dedupe(Path(data_dir), load(config_path)))


# no retries: a delivery is recorded as it happens, and the next run retries failed ones
@task(name="watch", persist_result=False, cache_policy=NO_CACHE)
def watch_task(data_dir: str, config_path: str, run_started: str) -> list[dict[str, Any]]:
    """Refresh the summary tables and post new watched pairs; returns one line per pair tried."""
    import dataclasses

    from archive.watch import run_watch

    stats = run_watch(Path(data_dir), load(config_path), run_started=run_started)
    return [dataclasses.asdict(d) for d in stats.deliveries]


# ------------------------------------------------------------------------------ report
def _count(stats: dict[str, Any], *names: str) -> int:
    for name in names:
        if isinstance(stats.get(name), (int, float)):
            return int(stats[name])
    return 0


def summarize(source: str, run_name: str | None, crawl: dict[str, Any], extract: dict[str, int],
              dedupe: dict[str, Any], errors: list[tuple[str, int, str]]) -> dict[str, Any]:
    return {
        "source": source,
        "run": run_name,
        "crawl_id": crawl.get("id"),
        "pages": _count(crawl, "pages"),
        "bytes": _count(crawl, "bytes"),
        "errors": _count(crawl, "errors"),
        "new_articles": _count(extract, "articles"),
        "extract_errors": _count(extract, "errors"),
        "new_copies": _count(dedupe, "pairs", "new_pairs", "copies"),
        "top_errors": [{"error": k, "count": n, "example": u} for k, n, u in errors],
    }


def report_markdown(summary: dict[str, Any], warc_prefix: str) -> str:
    lines = [
        f"# Pipeline run: {summary['source']}",
        "",
        "| | |",
        "|---|---:|",
        f"| pages | {summary['pages']} |",
        f"| bytes | {summary['bytes']} |",
        f"| fetch errors | {summary['errors']} |",
        f"| new articles | {summary['new_articles']} |",
        f"| extraction errors | {summary['extract_errors']} |",
        f"| new copies found | {summary['new_copies']} |",
        "",
        f"Crawl `{summary['crawl_id']}`, WARC files `{warc_prefix}-*`.",
        "",
    ]
    lines += watch_lines(summary.get("watch") or [])
    if summary.get("store_error"):
        lines.append(f"**Publishing to the WARC store failed** (the local files are kept): {summary['store_error']}")
    elif summary.get("store"):
        lines.append(f"WARC store `{summary['store']}`: {summary.get('published', 0)} files published "
                     f"({summary.get('published_bytes', 0)} bytes), {summary.get('already', 0)} already there.")
    lines += [
        "",
        "## Top errors",
        "",
    ]
    if summary["top_errors"]:
        lines += ["| error | count | example |", "|---|---:|---|"]
        lines += [f"| {e['error']} | {e['count']} | {e['example']} |" for e in summary["top_errors"]]
    else:
        lines.append("none")
    return "\n".join(lines) + "\n"


def watch_lines(deliveries: list[dict[str, Any]]) -> list[str]:
    """The artifact's watch section: each pair posted (or failed, or left pending) in this run."""
    lines = ["## Watched copies", ""]
    if not deliveries:
        return lines + ["none new", ""]
    lines += ["| watch | status | publisher | copy | error |", "|---|---|---|---|---|"]
    for d in deliveries:
        lines.append(f"| {d['watch']} | {d['status']} | {d['publisher']} | {d['copy_url']} | {d.get('error') or ''} |")
    return lines + [""]


def artifact_key(source: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    return "pipeline-" + (re.sub(r"[^a-z0-9-]+", "-", source.lower()).strip("-") or "source")


# -------------------------------------------------------------------------------- flow
@flow(name="pipeline", persist_result=False, log_prints=True,
      on_failure=[alert_hook], on_crashed=[alert_hook])
def pipeline(source: str, data_dir: str, config_path: str = "config/sources.toml",
             extract_batch: int = 2000, workers: int = 2) -> dict[str, Any]:
    """Crawl one source, extract its new captures in batches, find new copies; report the run."""
    logger = get_run_logger()
    waited = wait_until_due(flow_run.scheduled_start_time)
    if waited:
        logger.info("process started %.1f s ahead of the scheduled time (worker prefetch); waited", waited)
    data_dir = str(Path(data_dir).resolve())
    config_path = str(Path(config_path).resolve())
    warc_prefix = run_warc_prefix(flow_run.id)
    started = now_iso()  # a watch first seen in this run counts the pairs from here on

    crawl = crawl_task(source, data_dir, config_path, warc_prefix)
    published, publish_error = publish_step(data_dir, config_path)  # before the local stages
    ids = pending_capture_ids(data_dir, source, str(crawl["id"]))
    extract: dict[str, int] = {}
    for start in range(0, len(ids), max(1, extract_batch)):
        part = extract_task(data_dir, config_path, ids[start:start + extract_batch], workers)
        for key, value in part.items():
            if isinstance(value, int) and not isinstance(value, bool):
                extract[key] = extract.get(key, 0) + value
    dedupe = dedupe_task(data_dir, config_path)
    watched = watch_task(data_dir, config_path, started)

    summary = summarize(source, flow_run.name, crawl, extract, dedupe, top_errors(data_dir, str(crawl["id"])))
    summary.update(published)
    summary["watch"] = watched
    create_markdown_artifact(markdown=report_markdown(summary, warc_prefix), key=artifact_key(source),
                             description=f"pipeline run of source {source}")
    logger.info("source %s: %s pages, %s bytes, %s errors, %s new articles, %s new copies, %s watch posts",
                source, summary["pages"], summary["bytes"], summary["errors"], summary["new_articles"],
                summary["new_copies"], sum(d["status"] == "delivered" for d in watched))
    if publish_error is not None:  # the local WARCs stay; the next run or 'archive warc-publish' retries
        raise publish_error
    return summary


def main(argv: list[str] | None = None) -> int:
    return flow_main(pipeline, "python -m flows.pipeline", argv)


if __name__ == "__main__":
    sys.exit(main())
