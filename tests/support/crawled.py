"""A crawled archive for the hardening tests that break it (a locked database, a full disk,
Ctrl-C): the crawl command over the small sample web (its fixtures, ``small_web`` and
``small_crawl``, are in conftest.py), copies of a data directory, and the state of one read back
with the archive's own reader (:func:`archive_state`; the independent check is
``support.archive_check``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def crawl_args(web: Any, data: Path, *extra: str) -> list[str]:
    return ["crawl", "--data", str(data), "--seed", web.aggregator_url + "/", "--depth", "2",
            "--delay", "0", "--per-host", "4", *extra]


def copy_data(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def archive_state(data: Path, *, all_files: bool = False) -> tuple[set[str], int]:
    """(capture ids, complete records in the WARCs); asserts that every WARC the index names,
    and every .open one, reads cleanly to its end and that every indexed capture points at one
    of its complete records (the same record id at that offset). ``all_files``: every WARC
    in DATA/warcs is read, indexed or not."""
    import sqlite3

    from archive.warc.reader import iter_records

    with sqlite3.connect(data / "archive.db") as conn:
        rows = conn.execute("SELECT id, warc_file, warc_offset FROM captures").fetchall()
    conn.close()
    indexed_files = {r[1] for r in rows}
    complete: dict[tuple[str, int], str] = {}
    for path in sorted((data / "warcs").iterdir()):
        if path.name.endswith(".warc.gz.open") or path.name in indexed_files or (
                all_files and path.name.endswith(".warc.gz")):
            for info in iter_records(path):  # raises at a break
                complete[(path.name, info.offset)] = info.view.record_id
    for cid, name, offset in rows:
        rid = complete.get((name, offset))
        assert rid is not None and cid in rid, (cid, name, offset, "not a complete record")
    return {r[0] for r in rows}, len(complete)
