"""``archive replay`` and ``archive captures``: output equals what the server sent (decoded for
gzip pages), ``--raw`` equals the recorded response, clear errors and exit codes."""
from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path
from typing import Iterator

import pytest

from support.paths import ROOT
from support.query_archive import Archive
from support.raw_record import record_block


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=str(ROOT),
                          capture_output=True, timeout=300)


def test_replay_writes_the_body_served(arc: Archive, tmp_path: Path) -> None:
    out = tmp_path / "story.html"
    r = cli("replay", "--data", str(arc.data_dir), "--at", "20250101000000", "--out", str(out), arc.urls["story"])
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == arc.bodies["story"]
    r = cli("replay", "--data", str(arc.data_dir), "--at", "20250101000000", arc.urls["story"])
    assert r.stdout == arc.bodies["story"]


def test_replay_decodes_gzip_and_raw_keeps_the_recorded_response(arc: Archive) -> None:
    r = cli("replay", "--data", str(arc.data_dir), arc.urls["gz"])
    assert r.returncode == 0
    assert r.stdout == arc.bodies["gz_decoded"] == zlib.decompress(arc.bodies["gz"], 16 + zlib.MAX_WBITS)
    raw = cli("replay", "--data", str(arc.data_dir), "--raw", arc.urls["gz"])
    cap = arc.captures["gz"]
    assert raw.stdout == record_block(arc.data_dir / "warcs" / cap.warc_file, cap.warc_offset)
    assert raw.stdout.endswith(arc.bodies["gz"])  # the gzip bytes as sent
    assert raw.stdout.startswith(b"HTTP/1.") and b"Content-Encoding: gzip" in raw.stdout


def test_replay_nearest_tie_and_revisit(arc: Archive) -> None:
    tie = cli("replay", "--data", str(arc.data_dir), "--at", "20250101100010", arc.urls["tie_a"])
    assert b"tie A" in tie.stdout
    later = cli("replay", "--data", str(arc.data_dir), "--at", "20250101100011", arc.urls["tie_a"])
    assert b"tie B" in later.stdout
    revisit = cli("replay", "--data", str(arc.data_dir), "--at", "20250104000000", arc.urls["story"])
    assert revisit.returncode == 0 and revisit.stdout == arc.bodies["story"]
    latest = cli("replay", "--data", str(arc.data_dir), arc.urls["changing_1"])
    assert b"Second version" in latest.stdout


def test_unknown_url_is_a_clear_error(arc: Archive, tmp_path: Path) -> None:
    out = tmp_path / "never.html"
    r = cli("replay", "--data", str(arc.data_dir), "--out", str(out), "http://never.example/x")
    assert r.returncode == 3
    assert b"http://never.example/x" in r.stderr and b"no GET capture" in r.stderr
    assert b"Traceback" not in r.stderr and not out.exists()
    r = cli("replay", "--data", str(arc.data_dir), arc.urls["orphan"])
    assert r.returncode == 3 and b"/ghost" in r.stderr and b"missing" in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["--at", "2025-01-01"], b"14 digits"),
    (["--at", "20251399000000"], b"not a valid date"),
])
def test_bad_timestamp_is_an_input_error(arc: Archive, args: list[str], needle: bytes) -> None:
    r = cli("replay", "--data", str(arc.data_dir), *args, arc.urls["story"])
    assert r.returncode == 2 and needle in r.stderr


def test_foreign_scheme_is_an_input_error(arc: Archive) -> None:
    r = cli("replay", "--data", str(arc.data_dir), "file:///etc/passwd")
    assert r.returncode == 2 and b"only http and https" in r.stderr


def test_captures_lists_every_capture(arc: Archive) -> None:
    r = cli("captures", "--data", str(arc.data_dir), arc.urls["story"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].startswith("timestamp\tstatus")
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["20250101000000", "20250103000000"]
    assert [ln.split("\t")[3] for ln in lines[1:]] == ["response", "revisit"]
    r = cli("captures", "--data", str(arc.data_dir), "http://never.example/")
    assert r.returncode == 3 and b"never.example" in r.stderr


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Path]]:
    from archive.sampleweb import SampleWeb

    data = tmp_path_factory.mktemp("sw") / "data"
    with SampleWeb(articles=8, seed=3) as sw:
        r = cli("crawl", "--data", str(data), "--seed", sw.aggregator_url + "/", "--depth", "2",
                "--max-pages", "60", "--delay", "0", "--per-host", "4")
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        yield sw, data


def test_replay_equals_what_the_sample_web_served(crawled: tuple[object, Path]) -> None:
    import sqlite3

    sw, data = crawled
    with sqlite3.connect(data / "archive.db") as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM captures WHERE status = 200 AND "
                                           "record_type = 'response' AND method = 'GET' ORDER BY url")]
    gz = [u for u in urls if sw.is_gzip(u)]  # type: ignore[attr-defined]
    chunked = [u for u in urls if sw.is_chunked(u)]  # type: ignore[attr-defined]
    assert gz and len(urls) > len(gz)
    checked = 0
    for url in gz[:3] + chunked[:2] + [u for u in urls if u not in gz][:3]:
        r = cli("replay", "--data", str(data), url)
        assert r.returncode == 0, r.stderr
        assert r.stdout == sw.body(url), url  # type: ignore[attr-defined]
        checked += 1
    assert checked >= 4
