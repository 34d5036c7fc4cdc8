"""``archive import`` over every WARC in ../shared/interop/warcs (wget, wpull, pywb samples, a
revisit pair, POST captures, dedup sample), a truncated copy and a bad-digest copy."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.importer import import_warcs
from support.interop import tool
from support.paths import SHARED
from support.db import query as rows
from support.raw_record import record_block

INTEROP = SHARED / "interop" / "warcs"
FILES = sorted(INTEROP.glob("*.warc*"))
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=str(ROOT),
                          capture_output=True, timeout=120)


def cdxj_oracle(path: Path) -> set[tuple[str, str, int, int]]:
    """(url, 14-digit timestamp, offset, length) of http(s) records, by pywb's cdxj-indexer."""
    out = subprocess.run([tool("cdxj-indexer"), str(path)], capture_output=True, text=True, check=True)
    found = set()
    for line in out.stdout.splitlines():
        key, ts, js = line.split(" ", 2)
        fields = json.loads(js)
        if fields["url"].startswith(("http://", "https://")):
            found.add((fields["url"], ts, int(fields["offset"]), int(fields["length"])))
    return found


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert len(FILES) >= 7, f"interop WARCs missing in {INTEROP}"
    data = tmp_path_factory.mktemp("import") / "data"
    stats = import_warcs(data, FILES)
    assert stats.files == len(FILES) and stats.copied == len(FILES)
    assert stats.problems == [], [str(p) for p in stats.problems]
    return data


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_file_is_indexed_like_cdxj_indexer_does(imported: Path, path: Path) -> None:
    got = {(u, ts, off, ln) for u, ts, off, ln in rows(
        imported, "SELECT url, timestamp, warc_offset, warc_length FROM captures WHERE warc_file = ?", path.name)}
    got = {(u, "".join(ch for ch in ts if ch.isdigit())[:14], off, ln) for u, ts, off, ln in got}
    assert got, f"nothing indexed from {path.name}"
    assert got == cdxj_oracle(path)
    # the archive keeps its own byte-identical copy
    assert (imported / "warcs" / path.name).read_bytes() == path.read_bytes()
    assert rows(imported, "SELECT count(*) FROM warc_files WHERE name = ?", path.name) == [(1,)]


def test_post_captures_keep_their_method(imported: Path) -> None:
    methods = rows(imported, "SELECT DISTINCT method FROM captures WHERE warc_file = 'post-test.warc.gz'")
    assert methods == [("POST",)]
    # GET-only replay does not offer them; asking for POST does
    r = cli("replay", "--data", str(imported), "http://httpbin.org/post")
    assert r.returncode == 3 and b"method POST exist" in r.stderr
    for at, form in (("20140610000859", {"foo": "bar", "test": "abc"}), ("20140610001151", {"A": "1", "B": "[]", "C": "3"})):
        r = cli("replay", "--data", str(imported), "--method", "POST", "--at", at, "http://httpbin.org/post")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["form"] == form


def test_replay_of_imported_captures_returns_recorded_payload(imported: Path) -> None:
    caps = rows(imported, "SELECT url, timestamp, warc_file, warc_offset, method FROM captures "
                          "WHERE record_type = 'response' AND method = 'GET'")
    assert len(caps) >= 6
    for url, ts, name, offset, _ in caps:
        at = "".join(ch for ch in ts if ch.isdigit())[:14]
        block = record_block(INTEROP / name, offset)
        r = cli("replay", "--data", str(imported), "--raw", "--at", at, url)
        assert r.returncode == 0, r.stderr
        same_time = rows(imported, "SELECT count(*) FROM captures WHERE urlkey = (SELECT urlkey FROM captures "
                                   "WHERE warc_file = ? AND warc_offset = ?) AND timestamp = ?", name, offset, ts)
        if same_time == [(1,)]:
            assert r.stdout == block, (name, offset)


def test_revisits_whose_original_is_elsewhere_say_so(imported: Path) -> None:
    # dupes.warc.gz holds revisits of a crawl that is not in the archive
    url = "http://www.iana.org/_css/2013.1/screen.css"
    r = cli("replay", "--data", str(imported), "--at", "20140127171239", url)
    assert r.returncode == 3
    err = r.stderr.decode()
    assert "missing" in err and url in err and "2014-01-26T20:06:25Z" in err


def _chunked_warc(path: Path, url: str, body: bytes) -> bytes:
    """A WARC as some older tools wrote it: the payload keeps its chunked framing."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    framed = b"".join(f"{len(body[i:i + 7]):x}\r\n".encode() + body[i:i + 7] + b"\r\n"
                      for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")],
                                protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=BytesIO(framed), http_headers=http))
    return framed


def test_chunked_foreign_payload_is_dechunked_for_the_browser_view(tmp_path: Path) -> None:
    body = b"a body sent in chunks of seven bytes, framing kept by the tool"
    src = tmp_path / "chunky.warc.gz"
    framed = _chunked_warc(src, "http://chunky.example/t.txt", body)
    data = tmp_path / "data"
    import_warcs(data, [src])
    r = cli("replay", "--data", str(data), "http://chunky.example/t.txt")
    assert r.returncode == 0, r.stderr
    assert r.stdout == body
    raw = cli("replay", "--data", str(data), "--raw", "http://chunky.example/t.txt")
    assert raw.stdout.endswith(framed) and b"Transfer-Encoding: chunked" in raw.stdout


def test_url_agnostic_revisit_resolves_across_files(imported: Path) -> None:
    r = cli("replay", "--data", str(imported), "--at", "20130729195151", "http://test@example.com/")
    # the revisit names http://example.iana.org/ (another URL, another file) as its original
    expected = rows(imported, "SELECT warc_file, warc_offset FROM captures WHERE url = 'http://example.iana.org/'")
    assert expected
    assert r.returncode == 0, r.stderr
    block = record_block(INTEROP / expected[0][0], expected[0][1])
    assert r.stdout == block.partition(b"\r\n\r\n")[2]


def test_import_twice_adds_nothing(imported: Path) -> None:
    before = rows(imported, "SELECT count(*) FROM captures")
    stats = import_warcs(imported, FILES)
    assert stats.copied == 0 and stats.already == len(FILES)
    assert rows(imported, "SELECT count(*) FROM captures") == before
    assert sorted(p.name for p in (imported / "warcs").iterdir()) == sorted(p.name for p in FILES)


def test_truncated_file_keeps_good_records_and_reports_file_and_offset(tmp_path: Path) -> None:
    src = INTEROP / "dupes.warc.gz"
    offsets = sorted(off for _, _, off, _ in cdxj_oracle(src))
    cut_record = offsets[5]  # cut in the middle of the sixth capture's record
    cut = tmp_path / "dupes-cut.warc.gz"
    cut.write_bytes(src.read_bytes()[: cut_record + 150])
    data = tmp_path / "data"
    r = cli("import", "--data", str(data), "--no-process", str(cut))
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert str(cut) in err and f"offset {cut_record}" in err, err
    got = sorted(off for (off,) in rows(data, "SELECT warc_offset FROM captures"))
    assert got == [o for o in offsets if o < cut_record]
    assert (data / "warcs" / cut.name).read_bytes() == cut.read_bytes()  # nothing lost


def test_bad_digest_is_reported_and_record_kept(tmp_path: Path) -> None:
    plain = gzip.decompress((INTEROP / "example-wget-1-14.warc.gz").read_bytes())
    assert plain.count(b"Example Domain") >= 1
    bad = tmp_path / "wget-bad-digest.warc"
    bad.write_bytes(plain.replace(b"Example Domain", b"Exbmple Domain", 1))  # same length
    stats = import_warcs(tmp_path / "data", [bad])
    assert any("Digest does not match" in p.message and p.file == str(bad) and p.offset is not None
               for p in stats.problems), [str(p) for p in stats.problems]
    assert stats.captures == 1


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    r = cli("import", "--data", str(tmp_path / "data"), str(tmp_path / "nope.warc.gz"))
    assert r.returncode != 0
    assert b"nope.warc.gz" in r.stderr and b"Traceback" not in r.stderr


def test_imported_html_goes_through_extraction_and_dedupe(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = cli("import", "--data", str(data), "--config", str(ROOT / "config" / "sources.toml"),
            *[str(p) for p in FILES])
    assert r.returncode == 0, r.stderr
    titles = rows(data, "SELECT DISTINCT title FROM articles")
    assert ("Example Domain",) in titles
    # the same page archived by several tools is one text: dedupe pairs the exact copies
    assert rows(data, "SELECT count(*) FROM syndication WHERE method = 'exact'")[0][0] >= 1


def test_wrong_chunking_is_reported_and_replay_still_answers(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body = b"<html>de-chunked by the tool, still labelled chunked</html>"
    src = tmp_path / "mislabelled.warc.gz"
    with src.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                                protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("http://mislabel.example/", "response", payload=BytesIO(body),
                                            http_headers=http))
    data = tmp_path / "data"
    stats = import_warcs(data, [src])
    assert stats.captures == 1
    assert any("chunk" in p.message and p.file == str(src) and p.offset == 0 for p in stats.problems), \
        [str(p) for p in stats.problems]
    r = cli("replay", "--data", str(data), "http://mislabel.example/")
    assert r.returncode == 0 and r.stdout == body


def test_a_file_that_is_not_a_warc_is_not_kept(tmp_path: Path) -> None:
    junk = tmp_path / "notes.warc.gz"
    junk.write_bytes(gzip.compress(b"this is not a WARC file\n" * 10))
    data = tmp_path / "data"
    good = INTEROP / "example-wget-1-14.warc.gz"
    r = cli("import", "--data", str(data), "--no-process", str(junk), str(good))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "not imported" in err and str(junk) in err and "offset 0" in err
    assert "no WARC record found" in err and "Traceback" not in err
    assert [p.name for p in (data / "warcs").iterdir()] == [good.name] and junk.exists()
