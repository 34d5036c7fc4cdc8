"""Records/s of WarcWriter.write_exchange for small exchanges at gzip level 6 vs 9 (and warcio's
own gzip writer at its hard-coded level 9 as a reference), plus the file sizes.

    .venv/bin/python bench/warc_write.py [N] [BODY_KB]

BODY_KB (default 3) sets the size of each page; the machine's load makes single runs noisy, so each
level runs twice, interleaved, and the best rate is kept.
"""
from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from archive.model import Exchange, utcnow
from archive.warc.writer import WarcWriter


WORDS = (b"the of and to in a is that for it as was with be by on not he this are or his from at which "
         b"but have an they you were her she there been one all we their has would when if so no").split()


def exchanges(n: int, kb: int = 3) -> list[Exchange]:
    import random

    rnd = random.Random(1)
    out = []
    for i in range(n):
        words = b" ".join(rnd.choice(WORDS) for _ in range(kb * 1024 // 4))
        body = (b"<html><head><title>Page %d</title></head><body><p>" % i + words + b"</p></body></html>")
        out.append(Exchange(url=f"http://127.0.0.1:8000/page/{i}", method="GET",
                            request_headers=[("Host", "127.0.0.1:8000"), ("User-Agent", "bench"),
                                             ("Accept-Encoding", "gzip")],
                            status=200, reason="OK",
                            response_headers=[("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", "0"), ("Server", "bench")],
                            body=body, started=utcnow(), ip="127.0.0.1"))
    return out


def run(level: int, exs: list[Exchange]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.process_time()
        with WarcWriter(Path(d), "bench", source="b", crawl_id="b", gzip_level=level) as w:
            for ex in exs:
                w.write_exchange(ex)
        dt = time.process_time() - t0
        size = sum(p.stat().st_size for p in Path(d).iterdir())
    return len(exs) / dt, size


def run_warcio(exs: list[Exchange]) -> float:
    """warcio writing the same response+request pairs itself (gzip=True: level 9)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    w = WARCWriter(out, gzip=True, warc_version="1.1")
    t0 = time.process_time()
    for ex in exs:
        http = StatusAndHeaders(f"{ex.status} {ex.reason}", ex.response_headers, protocol=ex.http_version)
        resp = w.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body), length=len(ex.body),
                                    http_headers=http)
        req = w.create_warc_record(ex.url, "request", http_headers=StatusAndHeaders(
            "GET /", ex.request_headers, is_http_request=True, protocol="HTTP/1.1"))
        w.write_request_response_pair(req, resp)
    return len(exs) / (time.process_time() - t0)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    kb = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    exs = exchanges(n, kb)
    print(f"{n} exchanges, bodies ~{sum(len(e.body) for e in exs) / n / 1024:.1f} KB")
    run(6, exs[:200])  # warm up
    results = {}
    for level in (6, 9, 6, 9):
        rate, size = run(level, exs)
        results.setdefault(level, []).append((rate, size))
    best = {lv: max(r for r, _ in v) for lv, v in results.items()}
    size = {lv: v[0][1] for lv, v in results.items()}
    for lv in (6, 9):
        print(f"gzip level {lv}: {best[lv]:,.0f} exchanges/s ({2 * best[lv]:,.0f} records/s), "
              f"{size[lv] / 1e6:.2f} MB for {n} exchanges")
    print(f"level 6 / level 9 speed: {best[6] / best[9]:.2f}x; size ratio {size[6] / size[9]:.3f}")
    print(f"warcio's own writer (level 9): {run_warcio(exs):,.0f} exchanges/s")


if __name__ == "__main__":
    main()
