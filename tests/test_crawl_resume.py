"""``kill -9`` during a crawl: the next run recovers the ``.open`` WARC files (cut back to the
last complete record, indexed, renamed), resumes the same crawl from the on-disk frontier without
fetching finished URLs again, and the index matches the WARCs (``archive reindex``)."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.sampleweb import SampleWeb
from support.interop import tool
from support.paths import ROOT
from support.db import query as _rows

ARCHIVE = str(Path(sys.executable).parent / "archive")


def test_kill_9_then_resume(tmp_path):
    data = tmp_path / "data"
    sw = SampleWeb(articles=40, seed=1, latency_ms=40)
    sw.start()
    try:
        cmd = [ARCHIVE, "crawl", "--data", str(data), "--config", str(ROOT / "config" / "sources.toml"),
               "--seed", sw.aggregator_url + "/", "--seed", sw.publisher_url + "/feed.xml", "--depth", "4",
               "--per-host", "1", "--delay", "0", "--fetchers", "1"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        db = data / "archive.db"
        deadline = time.monotonic() + 120
        done_before: set[str] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if db.exists():
                try:
                    done_before = {u for (u,) in _rows(db, "SELECT url FROM frontier WHERE state = 'done'")}
                except sqlite3.OperationalError:
                    continue
                if len(done_before) >= 25:
                    break
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        log_at_kill = len(sw.request_log)
        done_before = {u for (u,) in _rows(db, "SELECT url FROM frontier WHERE state = 'done'")}
        (crawl_id, finished), = _rows(db, "SELECT id, finished FROM crawls")
        assert finished is None
        opened = list((data / "warcs").glob("*.open"))
        assert opened, "a killed crawl leaves its WARC file open"
        indexed_before = _rows(db, "SELECT count(*) FROM captures")[0][0]

        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("crawled ")
    finally:
        sw.stop()

    assert not list((data / "warcs").glob("*.open"))
    for p in opened:
        assert (data / "warcs" / p.name[: -len(".open")]).exists()
    # the same crawl, resumed and finished
    (cid, finished, pages), = _rows(db, "SELECT id, finished, pages FROM crawls")
    assert cid == crawl_id and finished
    assert pages == _rows(db, "SELECT count(*) FROM captures WHERE crawl_id = ? AND url NOT LIKE '%/robots.txt'",
                          crawl_id)[0][0]
    # no finished URL fetched again (robots.txt is read once per run)
    again_urls = {(sw.aggregator_url if r.role == "aggregator" else sw.publisher_url) + r.path
                  for r in sw.request_log[log_at_kill:] if r.path != "/robots.txt"}
    assert again_urls and not (again_urls & done_before)
    # the whole site got crawled across the two runs
    urls = {u for (u,) in _rows(db, "SELECT url FROM captures WHERE crawl_id = ?", crawl_id)}
    truth = sw.truth()
    assert {s.original_url for s in truth} <= urls
    assert _rows(db, "SELECT count(*) FROM frontier WHERE crawl_id = ? AND state = 'queued'", crawl_id) == [(0,)]
    assert _rows(db, "SELECT count(*) FROM captures")[0][0] > indexed_before
    # every WARC is readable, and the index equals a rebuild from the WARCs alone
    for f in sorted((data / "warcs").glob("*.warc.gz")):
        chk = subprocess.run([tool("warcio"), "check", "-v", str(f)], capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout + chk.stderr
    cols = "id, url, timestamp, status, payload_digest, record_type, warc_file, warc_offset, warc_length, crawl_id"
    before = set(_rows(db, f"SELECT {cols} FROM captures"))
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    conn = sqlite3.connect(copy / "archive.db")
    with conn:
        conn.execute("DELETE FROM captures")
    conn.close()
    rx = subprocess.run([ARCHIVE, "reindex", "--data", str(copy)], capture_output=True, text=True, timeout=300)
    assert rx.returncode == 0, rx.stderr
    assert set(_rows(copy / "archive.db", f"SELECT {cols} FROM captures")) == before
