"""Reproducible WARC files for the tests that read, damage and import them.

Every file is written by the archive's own writer with seeded record ids and seeded padding, so
its bytes are the same on every run: a test that flips "the byte in the middle of record 2" flips
the same deflate byte each time. (With random uuid4 ids the flip landed in different compressed
bytes on each run and what other tools printed varied: cdxj-indexer emitted a garbage row one run
in eight.)
"""
from __future__ import annotations

import datetime as dt
import gzip
import random
import uuid
from pathlib import Path
from typing import Any, Callable


def seeded_ids(seed: str) -> Callable[[], uuid.UUID]:
    """A supplier of version-4 UUIDs drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def write_warc(warcs: Path, prefix: str, n: int, *, same_url: bool = False,
               body_size: int = 0) -> list[Any]:
    """A real WARC of ``n`` response records (the archive's own writer), as crawled pages
    (one URL captured ``n`` times when ``same_url``; bodies padded to ``body_size`` with seeded
    incompressible bytes). Same arguments, same record bytes."""
    from archive.model import Exchange
    from archive.warc.writer import WarcWriter

    rng = random.Random(f"{prefix}/{n}/{body_size}")
    caps = []
    with WarcWriter(warcs, prefix, source="s", crawl_id=f"crawl-{prefix}",
                    record_ids=seeded_ids(prefix)) as w:
        for i in range(n):
            body = (f"<html><title>{prefix} {i}</title><p>" + "word " * 200 + "</p></html>").encode()
            if body_size > len(body):
                pad = rng.randbytes(body_size // 2).hex().encode()[:body_size - len(body) - 7]
                body += b"<!--" + pad + b"-->"
            url = f"http://127.0.0.1:1/{prefix}/" + ("" if same_url else str(i))
            ex = Exchange(url=url, method="GET",
                          request_headers=[("Host", "127.0.0.1:1")], status=200, reason="OK",
                          response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                          body=body, started=dt.datetime(2025, 1, 1) + dt.timedelta(seconds=i),
                          http_version="HTTP/1.1",
                          ip="127.0.0.1")
            caps.append(w.write_exchange(ex))
    return caps


def corrupt_header(path: Path, cap: Any) -> None:
    """Re-gzip one record in the middle of the file with a broken WARC version line."""
    data = path.read_bytes()
    o, n = cap.warc_offset, cap.warc_length
    record = gzip.decompress(data[o:o + n]).replace(b"WARC/1.1", b"WXRC/9.9", 1)
    path.write_bytes(data[:o] + gzip.compress(record, mtime=0) + data[o + n:])


def corrupt_member(path: Path, cap: Any) -> None:
    """Flip one byte in the middle of one record's gzip member (its CRC no longer matches)."""
    data = bytearray(path.read_bytes())
    data[cap.warc_offset + cap.warc_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def bad_warcs(where: Path) -> dict[str, Any]:
    """Good and damaged WARC files in ``where``: name -> (path, captures, good captures). A
    damaged record in the middle loses that record only: the records after it are good."""
    where.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    good = write_warc(where, "good", 4)
    out["good"] = (where / good[0].warc_file, good, good)
    cut = write_warc(where, "cut", 4)  # a gzip member cut in the middle (third record)
    p = where / cut[0].warc_file
    p.write_bytes(p.read_bytes()[:cut[2].warc_offset + cut[2].warc_length // 2])
    out["cut"] = (p, cut, cut[:2])
    head = write_warc(where, "badhead", 4)  # a bad record header in the middle
    p = where / head[0].warc_file
    corrupt_header(p, head[2])
    out["badhead"] = (p, head, head[:2] + head[3:])
    gzbad = write_warc(where, "gzbad", 4)  # a corrupt gzip member in the middle
    p = where / gzbad[0].warc_file
    corrupt_member(p, gzbad[1])
    out["gzbad"] = (p, gzbad, gzbad[:1] + gzbad[2:])
    (where / "garbage.warc.gz").write_bytes(bytes(range(256)) * 12)
    out["garbage"] = (where / "garbage.warc.gz", [], [])
    (where / "empty.warc.gz").write_bytes(b"")
    out["empty"] = (where / "empty.warc.gz", [], [])
    (where / "dir.warc.gz").mkdir()
    out["dir"] = (where / "dir.warc.gz", [], [])
    return out
