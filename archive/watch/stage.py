"""The watch stage, run after dedupe by ``archive run``, ``archive demo`` and the Prefect flow.

1. Each enabled ``[watch.NAME]`` is registered (``watch_state``): a new or changed watch begins
   when the run began (``run_started``), so pairs the archive knew before are not "new" to it
   (the feeds list those) while the pairs this run's dedupe found are.
2. The summary tables are refreshed (``copy_index`` and friends, ``daily_stats``, the recent
   articles' search index: :mod:`archive.index.summaries`): a pair's
   ``first_seen`` is when dedupe stored it (``syndication.created``), kept for its tag forever.
3. For each watch, the candidates are the pairs first seen since its last check (since it began,
   on its first run) plus its earlier failures; those it matches are POSTed one by one. A 2xx is
   recorded as delivered and never sent again; a failure is recorded and retried by the next run,
   and stops this watch's posts for this run (a webhook that is down would otherwise cost a
   timeout per pair): the pairs not tried wait as ``pending``.

Delivery state lives in the database (``watch_deliveries``), so the CLI and the flow, or two
workers one after the other, never post a pair twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import sqlite3

    from ..config import Config, Watch


@dataclass
class Delivery:
    watch: str
    tag: str
    copy_url: str
    publisher: str
    aggregator: str
    status: str  # delivered, failed, pending
    error: str | None = None


@dataclass
class WatchStats:
    copies: Any = None
    daily: Any = None
    deliveries: list[Delivery] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(d.status == status for d in self.deliveries)

    def summary(self) -> str:
        return (f"watch: {self.count('delivered')} pairs delivered, {self.count('failed')} failed, "
                f"{self.count('pending')} pending; {self.copies.summary() if self.copies else ''}")


def _candidates(conn: "sqlite3.Connection", name: str, since: str, checked: str | None) -> list[dict[str, Any]]:
    """Pairs first seen since the last check (or since the watch began), then earlier failures."""
    from ..index.copies import first_seen_after, pairs_by_tags
    from ..index.watches import retry_tags

    fresh = first_seen_after(conn, checked, inclusive=False) if checked else \
        first_seen_after(conn, since, inclusive=True)
    retry = retry_tags(conn, name)
    seen = {p["tag"] for p in fresh}
    return pairs_by_tags(conn, [t for t in retry if t not in seen]) + fresh


def deliver_watch(conn: "sqlite3.Connection", watch: "Watch", since: str, *, now: str,
                  post: Callable[..., Any] | None = None) -> list[Delivery]:
    """Post the watch's new matching pairs (see the module doc); returns what happened to each."""
    from ..index import watches as ledger
    from . import deliver
    from .match import matches

    send = post or deliver.post
    wanted = matches(watch, _candidates(conn, watch.name, since, ledger.checked(conn, watch.name)), conn)
    done = ledger.delivered_tags(conn, watch.name)
    out: list[Delivery] = []
    failed = False
    for pair in wanted:
        if pair["tag"] in done:
            continue
        d = Delivery(watch.name, pair["tag"], pair["copy_url"], pair["publisher"], pair["aggregator"], "pending")
        if failed:
            d.error = "not tried: an earlier post to this webhook failed in this run"
            ledger.record_pending(conn, watch.name, pair["tag"], now, d.error)
        else:
            answer = send(watch.webhook, deliver.payload(watch.name, pair))
            d.status, d.error = ("delivered", None) if answer.ok else ("failed", answer.error)
            ledger.record(conn, watch.name, pair["tag"], ok=answer.ok, http_status=answer.status,
                          error=answer.error, at=ledger.now_iso())
            failed = not answer.ok
        out.append(d)
    ledger.set_checked(conn, watch.name, now)
    return out


def run_watch(data_dir: Path, config: "Config", *, run_started: str | None = None,
              report: Callable[[str], None] = lambda s: None,
              post: Callable[..., Any] | None = None) -> WatchStats:
    """Register the watches, refresh the summaries, deliver (see the module doc).

    ``run_started``: ISO time the pipeline run began (before its crawl); default now."""
    from ..index import open_db
    from ..index import watches as ledger
    from ..index.summaries import refresh_all
    from .match import spec

    stats = WatchStats()
    db = open_db(Path(data_dir))
    conn = db.conn
    try:
        began = run_started or ledger.now_iso()
        active = [w for w in config.watches.values() if w.enabled]
        sinces = {w.name: ledger.register(conn, w.name, spec(w), began) for w in active}
        done = refresh_all(db)
        stats.copies, stats.daily = done["copies"], done["daily"]
        checked_at = ledger.now_iso()  # after the refresh: every pair seen so far is first seen before it
        for w in active:
            stats.deliveries += deliver_watch(conn, w, sinces[w.name], now=checked_at, post=post)
    finally:
        conn.close()
    report(stats.summary())
    return stats
