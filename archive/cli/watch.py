"""``archive watch list | test NAME | run``: the ``[watch.NAME]`` tables of the config."""
from __future__ import annotations

from pathlib import Path

import click

from .common import common_options


@click.group()
def watch() -> None:
    """Watch lists: new copies of a publisher, on an aggregator or with a phrase, posted to a webhook."""


@watch.command(name="list")
@common_options
def list_watches(data_dir: Path, config_path: Path) -> None:
    """The configured watches, what each matches, and their deliveries so far (tab-separated)."""
    from ..config import load_config
    from ..index import db_path, open_db
    from ..index import watches as ledger

    config = load_config(config_path)
    if not config.watches:
        click.echo(f"no [watch.NAME] tables in {config_path}", err=True)
        return
    state: dict[str, dict[str, object]] = {}
    if db_path(data_dir).exists():
        db = open_db(data_dir)
        try:
            for name in config.watches:
                state[name] = {**ledger.counts(db.conn, name), "since": ledger.since(db.conn, name)}
        finally:
            db.conn.close()
    click.echo("name\tenabled\tpublisher\taggregator\tphrase\twebhook\tsince\tdelivered\tfailed\tpending")
    for name, w in sorted(config.watches.items()):
        s = state.get(name, {})
        click.echo("\t".join(str(v) if v is not None else "" for v in (
            name, "yes" if w.enabled else "no", w.publisher, w.aggregator, w.phrase, w.webhook, s.get("since"),
            s.get("delivered", 0), s.get("failed", 0), s.get("pending", 0))))


@watch.command(name="test")
@common_options
@click.argument("name")
def test_watch(data_dir: Path, config_path: Path, name: str) -> None:
    """POST one sample to NAME's webhook: its newest matching pair (marked "test": true), else a
    made-up pair; nothing is recorded as delivered."""
    from ..config import load_config
    from ..errors import ArchiveError
    from ..index import db_path, open_db
    from ..watch.deliver import payload, post
    from ..watch.match import matches

    config = load_config(config_path)
    w = config.watch(name)
    pair = None
    if db_path(data_dir).exists():
        from ..index import copies
        from ..index.summaries import refresh_all

        db = open_db(data_dir)
        try:
            refresh_all(db)
            recent = copies.matching(db.conn, publisher=w.publisher, aggregator=w.aggregator, limit=200)
            found = matches(w, recent, db.conn)
            pair = found[0] if found else None
        finally:
            db.conn.close()
    sample = pair or _made_up(w.publisher, w.aggregator)
    answer = post(w.webhook, payload(name, sample, test=True))
    what = f"newest matching pair {sample['copy_url']}" if pair else "a made-up pair (nothing matches yet)"
    if not answer.ok:
        raise ArchiveError(f"watch {name}: {w.webhook} did not take the test post ({answer.error}); sent {what}")
    click.echo(f"watch {name}: {w.webhook} answered {answer.status} to a test post of {what}")


def _made_up(publisher: str | None, aggregator: str | None) -> dict[str, object]:
    return {"tag": "tag:syndication-archive,2025:test", "publisher": publisher or "Example Publisher",
            "aggregator": aggregator or "aggregator.example", "copy_url": "https://aggregator.example/copy",
            "original_url": "https://publisher.example/story", "copy_title": "Test copy",
            "original_title": "Test story", "copied": None, "original_captured": None, "lag_seconds": 3600,
            "kind": "full", "method": "attribution", "confidence": "high", "diff_summary": "test"}


@watch.command(name="run")
@common_options
def run_watches(data_dir: Path, config_path: Path) -> None:
    """Refresh the summary tables and post new matching pairs (what a pipeline run does last)."""
    from ..config import load_config
    from ..watch import run_watch

    stats = run_watch(data_dir, load_config(config_path))
    for d in stats.deliveries:
        click.echo(f"{d.watch}\t{d.status}\t{d.copy_url}\t{d.error or ''}")
    click.echo(stats.summary())
