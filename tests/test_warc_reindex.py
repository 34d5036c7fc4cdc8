"""``archive reindex`` rebuilds captures, fetch_errors and crawls from the WARCs alone, row for row
as the crawl wrote them; ``index_new_files`` / ``archive recover`` index only what is missing."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from archive.index import open_db
from archive.index.captures import insert_captures, insert_fetch_errors, upsert_crawl
from archive.model import CrawlStats, FetchFailure, iso, utcnow
from archive.index.rebuild import index_new_files, reindex
from archive.warc.writer import PreviousCapture, WarcWriter
from support.exchanges import fetch_all
from support.warc_pages import LoopbackServer
from support.paths import ROOT

TABLES = {"captures": "id", "fetch_errors": "crawl_id, url, timestamp", "crawls": "id"}


def snapshot(data_dir) -> dict[str, list[tuple]]:
    db = open_db(data_dir)
    try:
        return {t: [tuple(r) for r in db.execute(f"SELECT * FROM {t} ORDER BY {k}")] for t, k in TABLES.items()}
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as srv:
        yield srv


def crawl_into(server, data_dir, crawl_id: str, previous: dict | None = None, *,
               max_size: int = 1_000_000_000, finish: bool = True) -> dict:
    """What the crawler does: fetch, write, then index each returned row."""
    warcs = data_dir / "warcs"
    stats = CrawlStats(id=crawl_id, source="loop", started=iso(utcnow()), rules="am1",
                       seeds=["http://127.0.0.1/"])
    db = open_db(data_dir)
    upsert_crawl(db, stats)
    last = dict(previous or {})
    urls = [f"{server.base}/{p}" for p in ("plain", "gzip", "chunked", "redirect", "missing")]
    urls += [f"{server.base}/item/{i}" for i in range(12)]
    exs = fetch_all(urls, headers={"Accept-Encoding": "gzip"})
    with WarcWriter(warcs, f"loop-{crawl_id}", source="loop", crawl_id=crawl_id, max_size=max_size,
                    info={"rules": "am1"}) as w:
        for i, ex in enumerate(exs):
            ex.depth = i % 3
            ex.via = None if i == 0 else urls[0]
            prev = last.get(ex.url)
            cap = w.write_exchange(ex, PreviousCapture.from_capture(prev) if prev else None)
            insert_captures(db, [cap])
            last[ex.url] = cap
            stats.pages += 1
            stats.bytes += len(ex.body)
        fail = w.write_failure(FetchFailure(crawl_id=crawl_id, url="http://127.0.0.1:9/refused",
                                            timestamp=iso(utcnow()), error="connect", detail="refused"))
        insert_fetch_errors(db, [fail])
        stats.errors = 1
        if finish:
            stats.finished = iso(utcnow())
            w.write_crawl_end(stats)
            upsert_crawl(db, stats)
    db.conn.close()
    return last


def wipe(data_dir) -> None:
    db = open_db(data_dir)
    with db.conn:
        for t in TABLES:
            db.conn.execute(f"DELETE FROM {t}")
    db.conn.close()


def test_reindex_gives_the_same_rows(server, data_dir):
    last = crawl_into(server, data_dir, "c1", max_size=3000)
    crawl_into(server, data_dir, "c2", last)  # revisits of everything
    before = snapshot(data_dir)
    assert len(before["captures"]) == 34 and len(before["fetch_errors"]) == 2 and len(before["crawls"]) == 2
    assert {r[8] for r in before["captures"]} == {"response", "revisit"}
    assert len(list((data_dir / "warcs").glob("*.warc.gz"))) > 2  # rotation
    wipe(data_dir)
    assert snapshot(data_dir) == {t: [] for t in TABLES}
    stats = reindex(data_dir)
    assert stats.captures == 34 and stats.failures == 2 and stats.problems == []
    assert snapshot(data_dir) == before
    # idempotent: again on a full index, nothing changes
    reindex(data_dir)
    assert snapshot(data_dir) == before


def test_reindex_removes_rows_the_warcs_do_not_support(server, data_dir):
    crawl_into(server, data_dir, "c1")
    before = snapshot(data_dir)
    db = open_db(data_dir)
    row = dict(zip([c[0] for c in db.execute("SELECT name FROM pragma_table_info('captures')")],
                   before["captures"][0]))
    row.update(id="bogus", warc_file="nowhere.warc.gz")
    db["captures"].insert(row)
    db["captures"].update(before["captures"][1][0], {"status": 999})
    db.conn.close()
    stats = reindex(data_dir)
    assert stats.removed == 1
    assert snapshot(data_dir) == before


def test_killed_crawl_is_recovered_and_only_missing_rows_indexed(server, data_dir):
    """The crawl indexed part of what it wrote, then died: the .open file is cut back, renamed and
    its remaining complete captures indexed; the crawl gets a row from warcinfo."""
    warcs = data_dir / "warcs"
    exs = fetch_all([f"{server.base}/item/{i}" for i in range(10)])
    w = WarcWriter(warcs, "dead", source="loop", crawl_id="dead-1",
                   info={"started": "2026-01-02T03:04:05Z", "rules": "am1", "seeds": ["http://127.0.0.1/"]})
    caps = [w.write_exchange(ex) for ex in exs]
    db = open_db(data_dir)
    insert_captures(db, caps[:4])
    db.conn.close()
    open_path = warcs / (w.current_file + ".open")
    size = open_path.stat().st_size
    with open(open_path, "r+b") as fh:  # the last record half-written when the process died
        fh.truncate(size - 50)
    w._fh = None  # the process is gone: nothing closes the file
    stats = index_new_files(data_dir)
    assert len(stats.recovered) == 1 and stats.recovered[0].cut_bytes > 0
    assert not list(warcs.glob("*.open"))
    rows = snapshot(data_dir)
    ids = [r[0] for r in rows["captures"]]
    assert sorted(ids) == sorted(c.id for c in caps)  # the last response survived: only its request was cut
    crawl = rows["crawls"][0]
    assert crawl[:4] == ("dead-1", "loop", "2026-01-02T03:04:05Z", None)  # id, source, started, finished
    assert crawl[4] == 10 and crawl[7] == "am1" and json.loads(crawl[8]) == ["http://127.0.0.1/"]
    again = index_new_files(data_dir)
    assert again.files == 0 and again.skipped_files == 1


def test_cli_reindex_and_recover(server, data_dir):
    crawl_into(server, data_dir, "c1")
    before = snapshot(data_dir)
    wipe(data_dir)
    exe = [sys.executable, "-m", "archive.cli"]
    out = subprocess.run(exe + ["reindex", "--data", str(data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "reindexed 1 files: 17 captures, 1 fetch errors, 1 crawls" in out.stdout
    assert snapshot(data_dir) == before
    out = subprocess.run(exe + ["recover", "--data", str(data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "1 files already indexed" in out.stdout
    # a damaged closed file: good records indexed, the break reported, exit code non-zero
    f = next((data_dir / "warcs").glob("*.warc.gz"))
    last_response = max(r[10] for r in before["captures"])  # warc_offset
    f.write_bytes(f.read_bytes()[:last_response + 100])
    wipe(data_dir)
    out = subprocess.run(exe + ["reindex", "--data", str(data_dir)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1
    assert f"warning: {f}" in out.stderr and "damaged" in out.stderr
    assert len(snapshot(data_dir)["captures"]) == 16


@pytest.mark.parametrize("missing", ["nowhere.warc.gz"])
def test_reindex_unknown_file_is_a_clear_error(data_dir, missing):
    from archive.errors import WarcError

    with pytest.raises(WarcError) as err:
        reindex(data_dir, files=[data_dir / missing])
    assert missing in str(err.value)
