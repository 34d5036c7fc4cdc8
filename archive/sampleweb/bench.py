"""How fast the sample web answers: ``python -m archive.sampleweb.bench [--articles N] [--conns C]``.

A raw asyncio HTTP/1.1 client (keep-alive, one request in flight per connection) fetches every
story page (copies and originals) once with a cold cache, then again warm, and prints requests/s.
Measurement only; nothing here runs in tests.
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import time

from .web import SampleWeb


async def _worker(host: str, port: int, paths: list[str], gzip: bool) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    extra = "Accept-Encoding: gzip\r\n" if gzip else ""
    for path in paths:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        low = head.lower()
        if b"transfer-encoding: chunked" in low:
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            i = low.find(b"content-length:")
            n = int(low[i + 15:low.find(b"\r\n", i)]) if i >= 0 else 0
            await reader.readexactly(n)
        done += 1
    writer.close()
    return done


async def _run(targets: list[tuple[str, int, str]], conns: int, gzip: bool) -> tuple[int, float]:
    t0 = time.perf_counter()
    jobs = []
    for c in range(conns):
        mine = targets[c::conns]
        by_host: dict[tuple[str, int], list[str]] = {}
        for h, p, path in mine:
            by_host.setdefault((h, p), []).append(path)
        jobs += [_worker(h, p, ps, gzip) for (h, p), ps in by_host.items()]
    n = sum(await asyncio.gather(*jobs))
    return n, time.perf_counter() - t0


def _sitemap_targets(bases: list[str]) -> list[tuple[str, int, str]]:
    """Every URL the sample web's sitemaps list (for a server in another process)."""
    import re
    import urllib.request

    def get(url: str) -> str:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode()

    out = []
    for base in bases:
        for part in re.findall(r"<loc>([^<]+)</loc>", get(base.rstrip("/") + "/sitemap.xml")):
            for url in re.findall(r"<loc>([^<]+)</loc>", get(part)):
                hostport, _, path = url.split("://", 1)[1].partition("/")
                host, port = hostport.split(":")
                out.append((host, int(port), "/" + path))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--conns", type=int, nargs="*", default=[1, 16])
    ap.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    ap.add_argument("--external", nargs=2, metavar=("AGGREGATOR_URL", "PUBLISHER_URL"),
                    help="measure a server already running in another process (archive sample-web)")
    args = ap.parse_args()
    if args.external:
        targets = _sitemap_targets(args.external)
        for conns in args.conns:
            for label in ("pass 1", "pass 2"):
                n, dt = asyncio.run(_run(targets, conns, args.gzip))
                print(f"{conns:>3} conn(s) {label}: {n} requests in {dt:.2f} s = {n / dt:,.0f} req/s"
                      f"{' (gzip)' if args.gzip else ''}")
        return
    for conns in args.conns:
        with SampleWeb(articles=args.articles, keep_log=False) as sw:
            t = sw.truth()
            agg = ("127.0.0.1", sw.aggregator_port)
            pub = ("127.0.0.2", sw.publisher_port)
            targets = [(*agg, s.copy_url[len(sw.aggregator_url):]) for s in t if s.copy_url]
            targets += [(*pub, s.original_url[len(sw.publisher_url):]) for s in t]
            sw._state.cache.clear()
            for label in ("cold", "warm"):
                n, dt = asyncio.run(_run(targets, conns, args.gzip))
                print(f"{conns:>3} conn(s) {label}: {n} requests in {dt:.2f} s = {n / dt:,.0f} req/s"
                      f"{' (gzip)' if args.gzip else ''}")
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (server and client)")


if __name__ == "__main__":
    main()
