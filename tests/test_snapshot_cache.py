"""The snapshot WACZ cache (archive.snapshot) and the snapshot links, without a browser: two
real crawls of a loopback site; the nearest capture picks the crawl; each crawl's WACZ is built
once under DATA/snapshots/, holds the page and its requisites, and is replaced when the crawl
gains captures; ``captures`` and ``articles``-style rows link to ``/-/snapshot/`` for pages only."""
from __future__ import annotations

import dataclasses
import json
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from archive.fetch import crawl
from archive.index import open_db
from archive.index.captures import insert_captures, row_to_capture
from archive.replay import to_timestamp14
from archive.snapshot import ensure_wacz, snapshot_target, snapshots_dir
from support.archive_serve import Served
from support.requisite_site import RequisiteSite, site_config


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RequisiteSite, Path, list[Any]]]:
    site = RequisiteSite()
    tmp = tmp_path_factory.mktemp("snapcache")
    try:
        config = site_config(tmp, site, "cache")
        data = tmp / "data"
        stats = []
        for _ in range(2):
            stats.append(crawl(config, data, source="cache"))
            time.sleep(1.1)
        yield site, data, stats
    finally:
        site.stop()


def _started14(data: Path, crawl_id: str) -> str:
    db = open_db(data, readonly=True)
    try:
        (ts,) = db.conn.execute("SELECT min(timestamp) FROM captures WHERE crawl_id = ?", [crawl_id]).fetchone()
    finally:
        db.conn.close()
    return to_timestamp14(ts)


def test_nearest_capture_picks_the_crawl_and_its_wacz_is_cached(crawled: Any) -> None:
    site, data, stats = crawled
    url = f"{site.base}/story/3"
    db = open_db(data, readonly=True)
    try:
        first = snapshot_target(db, url, _started14(data, stats[0].id))
        second = snapshot_target(db, url, "99991231235959")
        assert first.capture.crawl_id == stats[0].id and second.capture.crawl_id == stats[1].id
        assert first.wacz_name != second.wacz_name
        path = ensure_wacz(data, db, first)
        assert path.parent == snapshots_dir(data) and path.is_file()
        mtime = path.stat().st_mtime_ns
        assert ensure_wacz(data, db, first) == path and path.stat().st_mtime_ns == mtime
        with zipfile.ZipFile(path) as zf:
            index = zf.read("indexes/index.cdxj").decode()
            package = json.loads(zf.read("datapackage.json"))
        urls = {json.loads(line.split(" ", 2)[2])["url"] for line in index.splitlines()}
        assert {url, f"{site.base}/static/site.css", f"{site.base}/static/base.css",
                f"{site.base}/static/font.woff2"} <= urls
        assert package["wacz_version"]
        assert len(index.splitlines()) <= first.count
    finally:
        db.conn.close()


def test_a_crawl_that_gains_captures_gets_a_new_wacz(crawled: Any) -> None:
    site, data, stats = crawled
    url = f"{site.base}/story/5"
    db = open_db(data)
    try:
        target = snapshot_target(db, url, "99991231235959")
        old = ensure_wacz(data, db, target)
        cur = db.conn.execute("SELECT * FROM captures WHERE id = ?", [target.capture.id])
        row = row_to_capture(dict(zip([d[0] for d in cur.description], cur.fetchone())))
        insert_captures(db, [dataclasses.replace(row, id=str(uuid.uuid4()))])
        db.conn.commit()
        again = snapshot_target(db, url, "99991231235959")
        assert again.count == target.count + 1 and again.wacz_name != target.wacz_name
        new = ensure_wacz(data, db, again)
        assert new.is_file() and not old.exists()
    finally:
        db.conn.close()


def test_snapshot_links_in_rows_for_pages_only(crawled: Any) -> None:
    site, data, stats = crawled
    server = Served(data)
    try:
        page = httpx.get(f"{server.base}/archive/captures", params={"url__contains": "/story/4", "status": "200", "_size": "5"},
                         timeout=30).text
        assert 'class="archive-snapshot"' in page and "/-/snapshot/" in page
        assert 'class="archive-replay"' in page
        image = httpx.get(f"{server.base}/archive/captures", params={"url__contains": "logo.png"}, timeout=30).text
        assert 'class="archive-replay"' in image and 'class="archive-snapshot"' not in image
        missing = httpx.get(f"{server.base}/-/snapshot-wacz/nothing-1.wacz", timeout=30)
        assert missing.status_code == 404
    finally:
        server.stop()


def test_records_without_an_offset_of_their_own_are_not_replayable(crawled: Any, tmp_path: Path) -> None:
    """A capture inside a whole-file gzip member cannot be pointed at by a WACZ index (the
    snapshot route answers 404 for it, naming the file); one in a per-record gzip WARC can."""
    import gzip
    import shutil

    from archive.snapshot import replayable

    site, data, stats = crawled
    db = open_db(data, readonly=True)
    try:
        target = snapshot_target(db, f"{site.base}/story/6", "99991231235959")
    finally:
        db.conn.close()
    cap = target.capture
    assert replayable(data, cap)
    copy = tmp_path / "data"
    shutil.copytree(data / "warcs", copy / "warcs")
    raw = gzip.decompress((data / "warcs" / cap.warc_file).read_bytes())
    whole = "whole-file.warc.gz"
    (copy / "warcs" / whole).write_bytes(gzip.compress(raw))  # one gzip member for the whole file
    assert not replayable(copy, dataclasses.replace(cap, warc_file=whole, warc_offset=cap.warc_offset or 1))
    assert not replayable(copy, dataclasses.replace(cap, method="POST"))


def test_articles_rows_link_to_their_snapshot(tmp_path: Path) -> None:
    from support.query_archive import build_archive

    arc = build_archive(tmp_path / "data")
    server = Served(arc.data_dir)
    try:
        page = httpx.get(f"{server.base}/archive/articles", timeout=30).text
        hrefs = [h.split('"', 1)[0] for h in page.split('class="archive-snapshot" href="')[1:]]
        assert hrefs and all(h.startswith("/-/snapshot/") for h in hrefs)
        answer = httpx.get(server.base + hrefs[0].replace("&amp;", "&"), timeout=30)
        assert answer.status_code == 200 and "<replay-web-page" in answer.text
    finally:
        server.stop()
