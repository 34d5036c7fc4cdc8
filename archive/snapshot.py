"""Snapshots: an archived page shown as it looked, by ReplayWeb.page over a WACZ of its crawl.

The nearest GET capture of the asked URL picks the crawl; the WACZ indexes the captures of that
crawl (the page and its requisites) in the archive's own WARC files, stored byte for byte.
ReplayWeb.page knows nothing of conditional GETs, so a ``304`` capture is replaced in the WACZ
index by the earlier capture whose content it confirmed (:func:`archive.replay.previous_full`),
and a revisit brings the response it refers to (:func:`archive.replay.resolve_revisit`); only
the chosen captures are indexed (other records in the same files are not). A page whose crawl
lacks some of its requisites (an original reached one hop out of scope, a crawl with
``requisites = false``) gets them from other crawls: the archived page and stylesheets are read
with :mod:`archive.fetch.requisites` and the nearest capture of each missing URL is added (the
WACZ name then carries a hash of those additions). Captures with no
crawl id (imported files) are grouped by their WARC file instead. WACZ files are cached under
``DATA/snapshots/``, named after the group and its capture count, so a crawl that gains
captures gets a new file (the stale one is removed once the new one is in place).

ReplayWeb.page's ``ui.js`` and ``sw.js`` are not part of the repository: ``make
replaywebpage`` puts them in ``vendor/replaywebpage/`` (or set ``ARCHIVE_REPLAYWEBPAGE``).
"""
from __future__ import annotations

import datetime as dt
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
WACZ_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,150}(?:\+[0-9a-f]{10})?\.wacz$")
MAX_REQUISITES = 300           # requisite URLs looked up for one snapshot page
MAX_DOC = 8 * 1024 * 1024      # largest page or stylesheet read to find them
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
    extra: tuple[Capture, ...] = ()  # the page's requisites captured only in other crawls


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


def page_requisites(db: "sqlite_utils.Database", data_dir: Path, page: Capture, *,
                    limit: int = MAX_REQUISITES) -> list[Capture]:
    """The captures nearest to ``page``'s time of what the page needs (its stylesheets, their
    imports, fonts and images, its images, scripts and frames), found by reading the archived
    page and stylesheets with :mod:`archive.fetch.requisites`; URLs never captured are skipped."""
    from .errors import ArchiveError
    from .fetch.requisites import STYLESHEET, requisites_of
    from .replay import find_capture, replay_capture, to_timestamp14

    at = to_timestamp14(page.timestamp)
    found: list[Capture] = []
    seen = {page.url}
    todo = [page]
    while todo and len(seen) < limit:
        doc = todo.pop(0)
        try:
            rep = replay_capture(db, data_dir, doc)
            ctype = rep.content_type or ""
            if not ctype.startswith(("text/html", "application/xhtml", "text/css")):
                continue
            body = b"".join(rep.decoded_payload(max_size=MAX_DOC))
        except ArchiveError:
            continue
        for req in requisites_of(body, doc.url, ctype):
            if req.url in seen or len(seen) >= limit:
                continue
            seen.add(req.url)
            try:
                cap = find_capture(db, req.url, at)
            except ArchiveError:
                continue
            found.append(cap)
            if req.kind == STYLESHEET:
                todo.append(cap)
    return found


def snapshot_target(db: "sqlite_utils.Database", url: str, ts14: str | None,
                    data_dir: Path | None = None) -> SnapshotTarget:
    """The nearest GET capture of ``url`` to ``ts14`` and the WACZ group it belongs to. With
    ``data_dir``, the page's requisites that its crawl lacks (e.g. an original fetched one hop
    out of scope, whose stylesheet another crawl holds) are added from other crawls.
    :class:`NotFound` when the URL was never captured."""
    from .index.captures import group_size, group_urls
    from .replay import find_capture

    capture = find_capture(db, url, ts14, method="GET")
    if capture.crawl_id:
        column, value = "crawl_id", capture.crawl_id
    else:
        column, value = "warc_file", capture.warc_file
    count = group_size(db, column, value)
    name = _group_name(column, value, count)
    extra: list[Capture] = []
    if data_dir is not None:
        in_group = group_urls(db, column, value)
        extra = [c for c in page_requisites(db, data_dir, capture) if c.url not in in_group]
        if extra:
            key = hashlib.sha1("\n".join(sorted(c.id for c in extra)).encode()).hexdigest()[:10]
            name = name[:-len(".wacz")] + f"+{key}.wacz"
    return SnapshotTarget(capture, column, value, count, name, tuple(extra))


def wacz_captures(db: "sqlite_utils.Database", column: str, value: str,
                  extra: tuple[Capture, ...] | list[Capture] = ()) -> list[Capture]:
    """The captures a group's WACZ indexes: its GET captures (and ``extra``), each 304 replaced
    by the capture it confirmed, plus the responses its revisits refer to."""
    from .index.captures import group_gets, previous_full
    from .replay import resolve_revisit

    chosen: dict[str, Capture] = {}
    group = group_gets(db, column, value)
    for c in [*group, *extra]:
        full: Capture | None = previous_full(db, c) if c.status == 304 else c
        if full is None:
            continue
        chosen[full.id] = full
        if full.record_type == "revisit":
            try:
                original = resolve_revisit(db, full)
            except NotFound:
                continue
            chosen[original.id] = original
    return sorted(chosen.values(), key=lambda c: (c.timestamp, c.id))


def build_wacz(data_dir: Path, out: Path, captures: list[Capture], *, title: str,
               page: Capture | None = None) -> int:
    """Write ``out``: a WACZ whose index lists exactly ``captures`` (those a file offset can
    reach), with the WARC files holding them stored byte for byte; returns the index lines."""
    import json

    from .model import iso
    from .wacz import cdxj_line, offset_reachable, write_wacz_zip, zip_names

    warcs_dir = Path(data_dir) / "warcs"
    names = zip_names({c.warc_file for c in captures})
    lines = sorted(cdxj_line(c, names[c.warc_file]) for c in offset_reachable(warcs_dir, captures))
    pages = [{"format": "json-pages-1.0", "id": "pages", "title": "Snapshot page"}]
    if page is not None:
        pages.append({"id": page.id, "url": page.url, "ts": iso(_parse(page.timestamp)), "title": page.url})
    pages_bytes = ("\n".join(json.dumps(p, ensure_ascii=False) for p in pages) + "\n").encode()
    index_bytes = ("\n".join(lines) + "\n").encode() if lines else b""
    main = (page.url, pages[1]["ts"]) if page is not None else None
    write_wacz_zip(out, warcs_dir, names, index_bytes, pages_bytes, title=title,
                   software="syndication-archive snapshot", main_page=main)
    return len(lines)


def _parse(ts: str) -> "dt.datetime":
    from .model import parse_iso

    return parse_iso(ts).replace(microsecond=0)


def replayable(data_dir: Path, capture: Capture) -> bool:
    """Whether a WACZ index can point at ``capture`` (a GET whose record starts its own gzip
    member, or any record of an uncompressed WARC)."""
    from .wacz import offset_reachable

    path = Path(data_dir) / "warcs" / capture.warc_file
    if capture.method.upper() != "GET" or not path.is_file():
        return False
    return bool(offset_reachable(Path(data_dir) / "warcs", [capture]))


def wacz_path(data_dir: Path, target: SnapshotTarget) -> Path:
    return snapshots_dir(data_dir) / target.wacz_name


def write_cached_wacz(data_dir: Path, target: SnapshotTarget, captures: list[Capture]) -> Path:
    """Build ``target``'s cached WACZ from ``captures`` (see :func:`wacz_captures`) unless it is
    there already; older WACZ files of the same group are removed once it is in place."""
    out = wacz_path(data_dir, target)
    if out.is_file():
        return out
    with _locks_guard:
        lock = _locks.setdefault(target.wacz_name, threading.Lock())
    with lock:
        if out.is_file():
            return out
        if not captures:
            raise NotFound(f"{target.group_value}: no captures to build a snapshot from")
        out.parent.mkdir(parents=True, exist_ok=True)
        build_wacz(data_dir, out, captures, page=target.capture,
                   title=f"Snapshot of {target.group_column} {target.group_value}")
        stem = target.wacz_name.split("+", 1)[0].rsplit("-", 1)[0]
        for old in out.parent.glob(f"{stem}-*.wacz"):
            if old != out and old.name.split("+", 1)[0].rsplit("-", 1)[0] == stem \
                    and old.name.split("+", 1)[0] != target.wacz_name.split("+", 1)[0]:
                old.unlink(missing_ok=True)  # an older capture count of the group
    return out


def ensure_wacz(data_dir: Path, db: "sqlite_utils.Database", target: SnapshotTarget) -> Path:
    """The cached WACZ for ``target`` under ``DATA/snapshots/``, built when missing."""
    out = wacz_path(data_dir, target)
    if out.is_file():
        return out
    return write_cached_wacz(data_dir, target,
                             wacz_captures(db, target.group_column, target.group_value, target.extra))


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


__all__ = ["SnapshotTarget", "snapshot_target", "ensure_wacz", "wacz_captures", "build_wacz",
           "wacz_path", "write_cached_wacz", "replayable", "page_requisites", "snapshot_page", "snapshots_dir",
           "replaywebpage_dir", "WACZ_NAME_RE"]
