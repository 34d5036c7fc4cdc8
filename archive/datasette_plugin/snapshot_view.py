"""``/-/snapshot/<YYYYMMDDhhmmss>/<url>``: the archived page as it looked, in ReplayWeb.page.

- ``/-/snapshot/<ts>/<url>`` — an HTML page embedding ReplayWeb.page (replay only, sandboxed)
  over the cached WACZ of the nearest capture's crawl (see :mod:`archive.snapshot`);
- ``/-/snapshot-wacz/<name>.wacz`` — the cached WACZ (single byte ranges supported);
- ``/-/snapshot-rwp/ui.js`` and ``/-/snapshot-rwp/replay/sw.js`` — ReplayWeb.page's files from
  ``vendor/replaywebpage/`` (``make replaywebpage``); the service worker's scope is
  ``/-/snapshot-rwp/replay/``.

Everything the snapshot page loads comes from the archive's own origin.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Iterator

from ..replay import REPLAY_PREFIX, SNAPSHOT_PREFIX
from .replay_view import BytesStream, ReplayRequestError, http_status, parse_replay_path
from .settings import ARCHIVE_DB, data_dir

WACZ_PREFIX = "/-/snapshot-wacz/"
RWP_PREFIX = "/-/snapshot-rwp/"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def _text(status: int, message: str) -> Any:
    from datasette.utils.asgi import Response

    return Response.text(message + "\n", status=status,
                         headers={"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


def _file_chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            data = fh.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data


def _serve_file(request: Any, path: Path, content_type: str, extra: list[tuple[str, str]] | None = None) -> Any:
    size = path.stat().st_size
    headers = [("Content-Type", content_type), ("Accept-Ranges", "bytes"),
               ("X-Content-Type-Options", "nosniff"), *(extra or [])]
    status, start, length = 200, 0, size
    rng = (request.headers.get("range") or "").strip()
    m = _RANGE.match(rng) if rng else None
    if rng and m and (m.group(1) or m.group(2)):
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        else:  # suffix range: the last N bytes
            start = max(0, size - int(m.group(2)))
            end = size - 1
        if start >= size or end < start:
            return BytesStream(416, headers + [("Content-Range", f"bytes */{size}")], None)
        status, length = 206, end - start + 1
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    headers.append(("Content-Length", str(length)))
    chunks = _file_chunks(path, start, length) if request.method == "GET" else None
    return BytesStream(status, headers, chunks)


async def rwp_asset_view(datasette: Any, request: Any) -> Any:
    from ..snapshot import replaywebpage_dir

    name = request.url_vars.get("name", "")
    if name not in ("ui.js", "sw.js"):
        return _text(404, f"{name!r}: not a ReplayWeb.page file")
    folder = replaywebpage_dir()
    if folder is None:
        return _text(503, "ReplayWeb.page is not installed: run 'make replaywebpage' "
                          "(or set ARCHIVE_REPLAYWEBPAGE to a folder holding ui.js and sw.js)")
    extra = [("Cache-Control", "no-cache")]
    if name == "sw.js":
        extra.append(("Service-Worker-Allowed", RWP_PREFIX + "replay/"))
    return _serve_file(request, folder / name, "application/javascript; charset=utf-8", extra)


_REPLAY_INDEX = """<!doctype html><meta charset="utf-8"><title>Loading snapshot…</title>
<p>Loading the archived page…</p>
<script>
// ReplayWeb.page's service worker answers this URL once it controls the page; until then the
// server does: wait for the worker, then load again (a few times at most).
var n = Number(sessionStorage.getItem("archive-rwp-reload") || "0");
if ("serviceWorker" in navigator && n < 5) {
  navigator.serviceWorker.ready.then(function () {
    sessionStorage.setItem("archive-rwp-reload", String(n + 1));
    setTimeout(function () { location.reload(); }, 100 * (n + 1));
  });
}
</script>
"""


async def replay_index_view(datasette: Any, request: Any) -> Any:
    """``/-/snapshot-rwp/replay/``: what the server answers before the service worker runs."""
    from datasette.utils.asgi import Response

    return Response.html(_REPLAY_INDEX, headers={"Cache-Control": "no-store"})


async def wacz_view(datasette: Any, request: Any) -> Any:
    from ..snapshot import WACZ_NAME_RE, snapshots_dir

    name = request.url_vars.get("name", "")
    if not WACZ_NAME_RE.match(name):
        return _text(400, f"{name!r}: not a snapshot WACZ name")
    folder = snapshots_dir(data_dir(datasette))
    path = folder / name
    if not path.is_file():
        return _text(404, f"{name}: no such snapshot WACZ (open its /-/snapshot/ page first)")
    if path.resolve().parent != folder.resolve():  # a symlink leading out of the cache
        return _text(403, f"{name}: points outside the snapshot cache; not served")
    return _serve_file(request, path, "application/wacz+zip", [("Cache-Control", "no-cache")])


async def snapshot_view(datasette: Any, request: Any) -> Any:
    from datasette.utils.asgi import Response

    from ..errors import ArchiveError, NotFound
    from ..replay import to_timestamp14
    from ..snapshot import (replayable, replaywebpage_dir, snapshot_page, snapshot_target, wacz_captures, wacz_path,
                            write_cached_wacz)

    if request.method not in ("GET", "HEAD"):
        return _text(405, "snapshot answers GET and HEAD only")
    try:
        ts, url = parse_replay_path(request.url_vars.get("rest", ""), request.query_string)
    except ReplayRequestError as exc:
        return _text(exc.status, exc.message.replace(REPLAY_PREFIX, SNAPSHOT_PREFIX))
    if replaywebpage_dir() is None:
        return _text(503, "ReplayWeb.page is not installed: run 'make replaywebpage'")
    try:
        db = datasette.get_database(ARCHIVE_DB)
    except KeyError:
        return _text(500, "no archive database is served")
    ddir = data_dir(datasette)

    def lookup(conn: Any) -> Any:
        import sqlite_utils

        sdb = sqlite_utils.Database(conn)
        target = snapshot_target(sdb, url, ts, ddir)
        if not replayable(ddir, target.capture):
            raise NotFound(f"{target.capture.url}: capture {target.capture.id} cannot be indexed in a WACZ "
                           f"(its record has no offset of its own in {target.capture.warc_file}); "
                           f"see /-/replay/ for its payload")
        if wacz_path(ddir, target).is_file():
            return target, None
        return target, wacz_captures(sdb, target.group_column, target.group_value, target.extra)

    try:
        target, captures = await db.execute_fn(lookup)
        if captures is not None:  # copying WARC files: off the database thread
            await asyncio.to_thread(write_cached_wacz, ddir, target, captures)
    except ArchiveError as exc:
        return _text(http_status(exc), str(exc))
    capture = target.capture
    ts14 = to_timestamp14(capture.timestamp)
    body = snapshot_page(
        url=capture.url, ts14=ts14,
        wacz_href=datasette.urls.path(WACZ_PREFIX + target.wacz_name),
        rwp_base=datasette.urls.path(RWP_PREFIX),
        title=f"Snapshot {ts14}: {capture.url}")
    return Response.html(body, headers={
        "X-Archive-Capture-Id": capture.id,
        "X-Archive-Capture-Timestamp": ts14,
        "Referrer-Policy": "no-referrer",
    })

