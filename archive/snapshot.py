"""Snapshots: an archived page shown as it looked, by ReplayWeb.page over a WACZ of its crawl.

The nearest GET capture of the asked URL picks the crawl; the WACZ holds every capture of that
crawl (the page, its requisites, and, through :func:`archive.wacz.export_wacz`, the files
holding the originals of its revisits). Captures with no crawl id (imported files) are grouped
by their WARC file instead. WACZ files are cached under ``DATA/snapshots/``, named after the
group and its capture count, so a crawl that gains captures gets a new file (the stale one is
removed once the new one is in place).

ReplayWeb.page's ``ui.js`` and ``sw.js`` are not part of the repository: ``make
replaywebpage`` puts them in ``vendor/replaywebpage/`` (or set ``ARCHIVE_REPLAYWEBPAGE``).
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NotFound
from .model import Capture

if TYPE_CHECKING:
    import sqlite_utils

SNAPSHOT_DIR = "snapshots"
WACZ_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,150}\.wacz$")
RWP_FILES = ("ui.js", "sw.js")
_SAFE = re.compile(r"[^a-z0-9._-]+")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class SnapshotTarget:
    """The capture a snapshot shows and the cached WACZ (by name) that holds it."""

    capture: Capture
    group_column: str     # "crawl_id" or "warc_file"
    group_value: str
    count: int            # captures in the group
    wacz_name: str


def snapshots_dir(data_dir: Path) -> Path:
    return Path(data_dir) / SNAPSHOT_DIR


def replaywebpage_dir() -> Path | None:
    """Where ``ui.js`` and ``sw.js`` are: ``$ARCHIVE_REPLAYWEBPAGE``, else the repository's
    ``vendor/replaywebpage/``; None when they are missing."""
    env = os.environ.get("ARCHIVE_REPLAYWEBPAGE")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent / "vendor" / "replaywebpage")
    for d in candidates:
        if all((d / f).is_file() for f in RWP_FILES):
            return d
    return None


def _group_name(column: str, value: str, count: int) -> str:
    stem = _SAFE.sub("-", value.lower()).strip("-.")[:80] or "group"
    if column != "crawl_id":
        stem = "file-" + hashlib.sha1(value.encode()).hexdigest()[:12] + "-" + stem[:40]
    return f"{stem}-{count}.wacz"


def snapshot_target(db: "sqlite_utils.Database", url: str, ts14: str | None) -> SnapshotTarget:
    """The nearest GET capture of ``url`` to ``ts14`` and the WACZ group it belongs to.
    :class:`NotFound` when the URL was never captured."""
    from .replay import find_capture

    capture = find_capture(db, url, ts14, method="GET")
    if capture.crawl_id:
        column, value = "crawl_id", capture.crawl_id
    else:
        column, value = "warc_file", capture.warc_file
    (count,) = db.conn.execute(f"SELECT count(*) FROM captures WHERE {column} = ?", [value]).fetchone()
    return SnapshotTarget(capture, column, value, int(count), _group_name(column, value, int(count)))


def ensure_wacz(data_dir: Path, db: "sqlite_utils.Database", target: SnapshotTarget) -> Path:
    """The cached WACZ for ``target`` under ``DATA/snapshots/``, exported when missing."""
    from .wacz import export_wacz

    out_dir = snapshots_dir(data_dir)
    out = out_dir / target.wacz_name
    if out.is_file():
        return out
    with _locks_guard:
        lock = _locks.setdefault(target.wacz_name, threading.Lock())
    with lock:
        if out.is_file():
            return out
        ids = [r[0] for r in db.conn.execute(
            f"SELECT id FROM captures WHERE {target.group_column} = ?", [target.group_value])]
        if not ids:
            raise NotFound(f"{target.group_value}: no captures to build a snapshot from")
        out_dir.mkdir(parents=True, exist_ok=True)
        export_wacz(data_dir, out, capture_ids=ids,
                    title=f"Snapshot of {target.group_column} {target.group_value}")
        stem = target.wacz_name.rsplit("-", 1)[0]
        for old in out_dir.glob(f"{stem}-*.wacz"):
            if old != out and old.name.rsplit("-", 1)[0] == stem:
                old.unlink(missing_ok=True)
    return out


def snapshot_page(*, url: str, ts14: str, wacz_href: str, rwp_base: str, title: str) -> str:
    """The HTML page that embeds ReplayWeb.page (replay only, sandboxed) over ``wacz_href``,
    filling the whole viewport so the archived page shows at the browser's own size."""
    e = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>html, body {{ margin: 0; padding: 0; height: 100%; overflow: hidden; }}
replay-web-page {{ display: block; width: 100vw; height: 100vh; border: 0; }}</style>
<script src="{e(rwp_base)}ui.js"></script>
</head><body>
<replay-web-page source="{e(wacz_href)}" url="{e(url)}" ts="{e(ts14)}"
  replayBase="{e(rwp_base)}replay/" embed="replayonly" sandbox></replay-web-page>
</body></html>
"""


__all__ = ["SnapshotTarget", "snapshot_target", "ensure_wacz", "snapshot_page", "snapshots_dir",
           "replaywebpage_dir", "WACZ_NAME_RE"]
