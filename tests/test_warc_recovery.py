"""Crash recovery: a WARC cut anywhere (mid-header, mid-gzip member, between members, inside a
member's 8-byte trailer) is cut back to its last complete record, nothing complete is lost, the cut
bytes are kept aside, and the result passes ``warcio check``."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from archive.model import Exchange, utcnow
from archive.warc.reader import WarcReader, iter_records
from archive.warc.recovery import recover_file, recover_open_files
from archive.warc.writer import WarcWriter
from support.interop import tool
from support.paths import ROOT


def _exchanges(n: int, seed: int = 7) -> list[Exchange]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        size = rnd.choice([0, 10, 300, 5000, 40000])
        body = bytes(rnd.getrandbits(8) for _ in range(size)) if i % 2 else b"text " * (size // 5)
        out.append(Exchange(url=f"http://127.0.0.1:9/page/{i}", method="GET",
                            request_headers=[("Host", "127.0.0.1:9")], status=200, reason="OK",
                            response_headers=[("Content-Type", "text/plain")], body=body, started=utcnow()))
    return out


@pytest.fixture(scope="module")
def open_file(tmp_path_factory):
    """An .open WARC as a killed writer leaves it: records flushed, never closed."""
    d = tmp_path_factory.mktemp("w")
    w = WarcWriter(d, "crash", source="s", crawl_id="c")
    caps = [w.write_exchange(ex) for ex in _exchanges(8)]
    path = d / (w.current_file + ".open")
    data = path.read_bytes()
    w.close()
    return data, path.name, caps


def _complete_ends(data: bytes, tmp: Path) -> list[tuple[int, int, str]]:
    p = tmp / "full.warc.gz"
    p.write_bytes(data)
    return [(i.offset, i.offset + i.length, i.view.rec_type) for i in iter_records(p)]


def _cut_points(spans: list[tuple[int, int, str]], size: int) -> list[int]:
    points = {0, 1, 5, 10, size - 1, size}
    for start, end, _ in spans:
        points.update({start, start + 1, start + 3, start + 10, start + 25})  # mid gzip header / WARC header
        points.update({(start + end) // 2})  # mid member
        points.update({end - 8, end - 4, end - 1})  # inside the gzip trailer (CRC + length)
    return sorted(p for p in points if 0 <= p <= size)


def test_cut_anywhere_keeps_every_complete_record(open_file, tmp_path):
    data, name, caps = open_file
    spans = _complete_ends(data, tmp_path)
    assert spans[-1][1] == len(data)
    points = _cut_points(spans, len(data))
    checked = 0
    for cut in points:
        d = tmp_path / f"cut{cut}"
        d.mkdir()
        (d / name).write_bytes(data[:cut])
        [rec] = recover_open_files(d)
        ends = [e for _, e, _ in spans if e <= cut]
        keep = max(ends, default=0)
        assert rec.kept_bytes == keep, cut
        assert rec.cut_bytes == cut - keep
        assert not list(d.glob("*.open"))
        if cut > keep:
            assert rec.cut_path is not None and rec.cut_path.read_bytes() == data[keep:cut]
        else:
            assert rec.cut_path is None
        if keep == 0:
            assert rec.path is None and not list(d.glob("*.warc.gz"))
            continue
        assert rec.path == d / name[:-len(".open")]
        assert rec.path.read_bytes() == data[:keep]
        reader = WarcReader(rec.path, name=rec.path.name)
        rows = list(reader.captures())
        assert reader.problems == []
        # every response whose record is complete survives, with the same row when its request did too
        want = [c for c in caps if c.warc_offset + c.warc_length <= keep]
        assert [r.id for r in rows] == [c.id for c in want]
        for row, cap in zip(rows, want):
            if cap.request_offset + cap.request_length <= keep:
                assert row == cap
            else:
                assert (row.url, row.warc_offset, row.payload_digest) == (cap.url, cap.warc_offset,
                                                                           cap.payload_digest)
        if checked < 12 or cut in (spans[3][1] - 4, spans[5][0] + 10):
            out = subprocess.run([tool("warcio"), "check", "-v", str(rec.path)], capture_output=True, text=True)
            assert out.returncode == 0, out.stdout + out.stderr
            checked += 1


def test_warcio_check_misses_a_cut_member_that_recovery_finds(open_file, tmp_path):
    """The trap: warcio check passes a file whose last gzip member is cut in its trailer."""
    data, name, caps = open_file
    spans = _complete_ends(data, tmp_path)
    cut = spans[-2][1] - 4  # last response record: deflate data complete, CRC/length cut
    f = tmp_path / "trap.warc.gz"
    f.write_bytes(data[:cut])
    out = subprocess.run([tool("warcio"), "check", str(f)], capture_output=True, text=True)
    assert out.returncode == 0  # warcio does not notice
    reader = WarcReader(f)
    list(reader.captures())
    assert reader.broken is not None and reader.broken.offset == spans[-2][0]
    assert str(f) in str(reader.broken)
    (tmp_path / name).write_bytes(data[:cut])
    rec = recover_file(tmp_path / name)
    assert rec.kept_bytes == spans[-3][1]


def test_recovery_leaves_a_live_writers_file_alone(tmp_path):
    w = WarcWriter(tmp_path, "live", source=None, crawl_id=None)
    w.write_exchange(_exchanges(1)[0])
    [rec] = recover_open_files(tmp_path)
    assert rec.skipped and rec.path is None
    assert (tmp_path / (w.current_file + ".open")).exists()
    w.close()
    assert recover_open_files(tmp_path) == []


CHILD = textwrap.dedent("""
    import sys, json
    from pathlib import Path
    from archive.model import Exchange, utcnow
    from archive.warc.writer import WarcWriter
    w = WarcWriter(Path(sys.argv[1]), "kill", source="s", crawl_id="k", max_size=200_000)
    i = 0
    while True:
        body = (b"%06d " % i) * (1 + (i * 7919) % 3000)
        c = w.write_exchange(Exchange(url=f"http://127.0.0.1:9/{i}", method="GET", request_headers=[],
                                      status=200, reason="OK", response_headers=[], body=body,
                                      started=utcnow()))
        print(json.dumps([c.id, c.warc_file, c.warc_offset]), flush=True)
        i += 1
""")


@pytest.mark.parametrize("after", [5, 60, 250])
def test_sigkill_loses_no_flushed_capture(tmp_path, after):
    """A real writer process is SIGKILLed; every capture it reported survives recovery."""
    warcs = tmp_path / "warcs"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(warcs)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    reported = []
    assert proc.stdout is not None
    for line in proc.stdout:
        reported.append(json.loads(line))
        if len(reported) >= after:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for line in proc.stdout:  # lines written before the kill
        reported.append(json.loads(line))
    recovered = recover_open_files(warcs)
    assert len(recovered) == 1 and recovered[0].path is not None
    assert not list(warcs.glob("*.open"))
    found = {}
    for f in sorted(warcs.glob("*.warc.gz")):
        reader = WarcReader(f)
        for c in reader.captures():
            found[c.id] = (c.warc_file, c.warc_offset)
        assert reader.problems == []
        out = subprocess.run([tool("warcio"), "check", str(f)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
    for cid, fname, off in reported:
        assert found.get(cid) == (fname, off)


FULL_DISK_CHILD = textwrap.dedent("""
    import json, resource, signal, sys
    from pathlib import Path
    from archive.errors import WarcError
    from archive.model import Exchange, utcnow
    from archive.warc.writer import WarcWriter
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    w = WarcWriter(Path(sys.argv[1]), "full", source="s", crawl_id="f")
    i = 0
    try:
        while True:
            body = bytes((i * 31 + k) % 251 for k in range(3000))  # barely compressible
            c = w.write_exchange(Exchange(url=f"http://127.0.0.1:9/{i}", method="GET", request_headers=[],
                                          status=200, reason="OK", response_headers=[], body=body,
                                          started=utcnow()))
            print(json.dumps([c.id, c.warc_file, c.warc_offset]), flush=True)
            i += 1
    except WarcError as exc:
        print("ERROR " + str(exc), flush=True)
        try:
            w.write_exchange(Exchange(url="http://127.0.0.1:9/again", method="GET", request_headers=[],
                                      status=200, reason="OK", response_headers=[], body=b"x" * 5000,
                                      started=utcnow()))
            print("SECOND OK", flush=True)
        except WarcError as exc2:
            print("ERROR2 " + str(exc2), flush=True)
    w.close()
""")


def test_failed_write_leaves_no_half_record(tmp_path):
    """A write that fails (file size limit: the kernel refuses the bytes, as on a full disk) stops
    with WarcError; the file is cut back to its last complete record and closed."""
    warcs = tmp_path / "warcs"
    out = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, str(warcs), "40000"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    lines = out.stdout.splitlines()
    errors = [ln for ln in lines if ln.startswith("ERROR ")]
    assert len(errors) == 1 and "cannot write WARC record" in errors[0], out.stdout + out.stderr
    reported = [json.loads(ln) for ln in lines if ln.startswith("[")]
    assert len(reported) >= 3
    assert "SECOND OK" in lines  # the writer goes on in a fresh file if asked to
    assert not list(warcs.glob("*.open"))
    files = sorted(warcs.glob("*.warc.gz"))
    assert files and all(f.stat().st_size <= 40000 for f in files)
    found = {}
    for f in files:
        reader = WarcReader(f)
        found.update({c.id: (c.warc_file, c.warc_offset) for c in reader.captures()})
        assert reader.problems == []
        check = subprocess.run([tool("warcio"), "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    for cid, fname, off in reported:
        assert found[cid] == (fname, off)
