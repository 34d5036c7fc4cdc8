"""Capture benchmark: GNU wget vs ``archive crawl`` on the same sample web (same server process).

    .venv/bin/python bench/capture.py                      # 0 ms and 100 ms, then RSS at 1k/20k
    .venv/bin/python bench/capture.py --latencies 0 --no-rss

For each latency one ``archive sample-web --latency-ms L`` subprocess serves both tools:
wget (``--recursive --warc-file``, ``-H -D aggregator,publisher``, robots on) and
``archive crawl --seed AGG --seed PUB --per-host 16 --delay 0`` each crawl it from an empty
directory, alternately, ``--rounds`` times; the best time of each is kept. Pages are counted
from each tool's own WARC (response records, robots.txt excluded) and the URL sets are compared,
so a ratio is never bought with a smaller crawl. wget exits 8 when it met any 404: not a failure.

Then peak RSS (crawl process plus its fetcher processes, summed, sampled from /proc) of
``archive crawl --max-pages N`` for N = 1 000 and 20 000 on a large sample web.
Targets (issue 3): ≥ 1.0× wget at 0 ms, ≥ 10× at 100 ms, RSS < 300 MB and flat.
Then HTTPS (``--tls-articles``; 0 skips it): the same sample web served over TLS by a second
server process (a local CA from ``trustme``; the crawl trusts it through ``SSL_CERT_FILE``, wget
through ``--ca-certificate``), timed beside plain HTTP, with the load average printed per run.
Last, pages/s with page requisites on and off (``bench/requisites.py``; ``--no-requisites`` skips it).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = str(Path(sys.executable).parent / "archive")
CONFIG = ROOT / "config" / "sources.toml"


def start_web(articles: int, latency_ms: float) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen([ARCHIVE, "sample-web", "--port", "0", "--publisher-port", "0", "--articles", str(articles),
                             "--latency-ms", str(latency_ms)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    agg = proc.stdout.readline().split()[-1]
    pub = proc.stdout.readline().split()[-1]
    return proc, agg, pub


TLS_WEB = r"""
import ssl, sys
from archive.sampleweb import SampleWeb
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
sw = SampleWeb(articles=int(sys.argv[3]), latency_ms=float(sys.argv[4]), keep_log=False, ssl_context=ctx).start()
print("aggregator", sw.aggregator_url + "/", flush=True)
print("publisher", sw.publisher_url + "/", flush=True)
sw.serve_forever()
"""


def start_tls_web(articles: int, latency_ms: float, work: Path) -> tuple[subprocess.Popen[str], str, str, Path]:
    """The sample web over TLS in its own process: (process, aggregator, publisher, CA file)."""
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "127.0.0.2")
    ca_pem, cert, key = work / "ca.pem", work / "cert.pem", work / "key.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    cert.write_bytes(b"".join(b.bytes() for b in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    proc = subprocess.Popen([sys.executable, "-c", TLS_WEB, str(cert), str(key), str(articles), str(latency_ms)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    agg = proc.stdout.readline().split()[-1]
    pub = proc.stdout.readline().split()[-1]
    return proc, agg, pub, ca_pem


def _children_cpu() -> float:
    """User + system CPU seconds of every child process waited for so far (a figure the other
    jobs on a shared machine move much less than wall time)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def load() -> str:
    return "load " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def warc_urls(paths: list[Path]) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    urls = []
    for p in paths:
        with p.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    if uri and not uri.endswith("/robots.txt"):
                        urls.append(uri)
    return urls


def run_wget(agg: str, pub: str, depth: int, work: Path, ca: Path | None = None) -> tuple[float, list[str]]:
    hosts = ",".join(sorted({re.sub(r"^https?://|[:/].*$", "", u) for u in (agg, pub)}))
    warc = work / "wget"
    cmd = ["wget", "--recursive", f"--level={depth}", "-H", f"-D{hosts}", f"--warc-file={warc}",
           "--no-warc-keep-log", "--no-verbose", "-P", str(work / "files"), "--tries=1", agg, pub]
    if ca is not None:
        cmd.insert(1, f"--ca-certificate={ca}")
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    secs = time.perf_counter() - t0
    if rc not in (0, 8):
        raise SystemExit(f"wget failed with exit code {rc}")
    return secs, warc_urls(sorted(work.glob("wget*.warc.gz")))


def _tree_rss(pid: int) -> int:
    """RSS (bytes) of a process and all its descendants."""
    total = 0
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError):
            pass
        stack.extend(children.get(p, []))
    return total


def run_archive(seeds: list[str], depth: int, work: Path, extra: list[str],
                ca: Path | None = None) -> tuple[float, list[str], int, str]:
    cmd = [ARCHIVE, "crawl", "--data", str(work / "data"), "--config", str(CONFIG), "--depth", str(depth),
           "--per-host", "16", "--delay", "0", *extra]
    for s in seeds:
        cmd += ["--seed", s]
    env = dict(os.environ, **({"SSL_CERT_FILE": str(ca)} if ca is not None else {}))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.1)
    secs = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"archive crawl failed ({proc.returncode}): {err.strip()[-2000:]}")
    return secs, warc_urls(sorted((work / "data" / "warcs").glob("*.warc.gz"))), peak, out.strip()


def compare(latency: float, articles: int, depth: int, rounds: int, extra: list[str],
            also_single: bool = False) -> float:
    proc, agg, pub = start_web(articles, latency)
    try:
        best_w: tuple[float, list[str]] | None = None
        best_a: tuple[float, list[str], int, str] | None = None
        single: tuple[float, list[str]] | None = None
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="bench-wget-") as d:
                w = run_wget(agg, pub, depth, Path(d))
            if best_w is None or w[0] < best_w[0]:
                best_w = w
            with tempfile.TemporaryDirectory(prefix="bench-archive-") as d:
                a = run_archive([agg, pub], depth, Path(d), extra)
            if best_a is None or a[0] < best_a[0]:
                best_a = a
            if also_single:
                with tempfile.TemporaryDirectory(prefix="bench-archive1-") as d:
                    one = run_archive([agg, pub], depth, Path(d), ["--fetchers", "1", *extra])
                if single is None or one[0] < single[0]:
                    single = (one[0], one[1])
    finally:
        proc.terminate()
        proc.wait()
    assert best_w is not None and best_a is not None
    if single is not None:
        print(f"  archive --fetchers 1: {len(single[1])} pages in {single[0]:.2f} s = {len(single[1]) / single[0]:.1f} pages/s "
              f"(ratio {len(single[1]) / single[0] / (len(best_w[1]) / best_w[0]):.2f}x)")
    w_secs, w_urls = best_w
    a_secs, a_urls, a_rss, a_line = best_a
    norm = lambda u: u.rstrip("/")  # noqa: E731
    ws, as_ = {norm(u) for u in w_urls}, {norm(u) for u in a_urls}
    w_rate, a_rate = len(w_urls) / w_secs, len(a_urls) / a_secs
    w_distinct = len(ws) / w_secs  # wget fetches some URLs twice: the site archived per second
    print(f"\nlatency {latency:g} ms, {articles} stories, depth {depth}, best of {rounds}:")
    print(f"  wget     {len(w_urls):6d} pages in {w_secs:7.2f} s = {w_rate:8.1f} pages/s "
          f"({len(ws)} distinct URLs: {w_distinct:.1f} URLs/s)")
    print(f"  archive  {len(a_urls):6d} pages in {a_secs:7.2f} s = {a_rate:8.1f} pages/s   (peak RSS {a_rss / 1e6:.0f} MB)")
    print(f"           {a_line}")
    print(f"  URL sets: {len(ws & as_)} common, {len(ws - as_)} only wget, {len(as_ - ws)} only archive")
    print(f"  ratio archive/wget: {a_rate / w_rate:.2f}x (responses/s); "
          f"{len(as_) / a_secs / w_distinct:.2f}x (distinct URLs/s)")
    return a_rate / w_rate


def compare_tls(articles: int, depth: int, rounds: int, extra: list[str]) -> None:
    """wget and ``archive crawl`` over plain HTTP and over TLS, each on its own server process of
    the same sample web (same pages, same bytes): best of ``rounds``, pages/s side by side."""
    with tempfile.TemporaryDirectory(prefix="bench-tls-ca-") as ca_dir:
        plain_proc, p_agg, p_pub = start_web(articles, 0)
        tls_proc, t_agg, t_pub, ca = start_tls_web(articles, 0, Path(ca_dir))
        best: dict[str, tuple[float, int, str, float]] = {}
        try:
            for _ in range(rounds):
                runs = {
                    "wget http": lambda d: run_wget(p_agg, p_pub, depth, d),
                    "wget https": lambda d: run_wget(t_agg, t_pub, depth, d, ca),
                    "archive http": lambda d: run_archive([p_agg, p_pub], depth, d, extra)[:2],
                    "archive https": lambda d: run_archive([t_agg, t_pub], depth, d, extra, ca)[:2],
                }
                for name, run in runs.items():
                    before, cpu0 = load(), _children_cpu()
                    with tempfile.TemporaryDirectory(prefix="bench-tls-") as d:
                        secs, urls = run(Path(d))
                    cpu = _children_cpu() - cpu0  # the tool and its own children (fetchers)
                    if name not in best or secs < best[name][0]:
                        best[name] = (secs, len(urls), before, cpu)
        finally:
            for proc in (plain_proc, tls_proc):
                proc.terminate()
                proc.wait()
    print(f"\nHTTPS vs plain HTTP, 0 ms latency, {articles} stories, depth {depth}, best of {rounds}:")
    for name, (secs, n, before, cpu) in best.items():
        print(f"  {name:14s} {n:6d} pages in {secs:7.2f} s = {n / secs:8.1f} pages/s, "
              f"{cpu / n * 1000:5.2f} ms CPU/page   ({before} before the run)")
    rate = {k: v[1] / v[0] for k, v in best.items()}
    print(f"  https/http: archive {rate['archive https'] / rate['archive http']:.2f}x, "
          f"wget {rate['wget https'] / rate['wget http']:.2f}x; archive/wget over https: "
          f"{rate['archive https'] / rate['wget https']:.2f}x")


def rss(articles: int, pages: list[int], extra: list[str]) -> None:
    proc, agg, pub = start_web(articles, 0)
    try:
        print(f"\npeak RSS of archive crawl (crawl + fetcher processes), {articles} stories:")
        for n in pages:
            with tempfile.TemporaryDirectory(prefix="bench-rss-") as d:
                secs, urls, peak, line = run_archive([agg, pub], 10_000, Path(d), ["--max-pages", str(n), *extra])
            print(f"  --max-pages {n:6d}: {len(urls):6d} pages in {secs:6.1f} s, peak RSS {peak / 1e6:6.1f} MB   [{line}]")
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--latencies", type=float, nargs="*", default=[0.0, 100.0])
    ap.add_argument("--articles", type=int, default=2000, help="stories at 0 ms latency")
    ap.add_argument("--slow-articles", type=int, default=150, help="stories at latency > 0 (wget is sequential)")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--rss-pages", type=int, nargs="*", default=[1000, 20000])
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--tls-articles", type=int, default=1000,
                    help="stories for the HTTPS vs plain HTTP comparison (0: skip it)")
    ap.add_argument("--also-single", action="store_true", help="also time archive crawl --fetchers 1")
    ap.add_argument("--archive-args", default="", help="extra arguments for archive crawl, e.g. '--fetchers 1'")
    ap.add_argument("--no-requisites", action="store_true",
                    help="skip pages/s with page requisites on and off (bench/requisites.py)")
    args = ap.parse_args()
    if not shutil.which("wget"):
        raise SystemExit("GNU wget is not installed")
    extra = args.archive_args.split()
    for lat in args.latencies:
        compare(lat, args.articles if lat == 0 else args.slow_articles, args.depth, args.rounds, extra,
                args.also_single)
    if args.tls_articles:
        compare_tls(args.tls_articles, args.depth, args.rounds, extra)
    if not args.no_rss and args.rss_pages:
        rss(max(args.rss_pages) // 2 + 100, args.rss_pages, extra)
    if not args.no_requisites:
        print("\n== page requisites on and off (bench/requisites.py --render 0) ==", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "requisites.py"), "--render", "0"], check=True)


if __name__ == "__main__":
    main()
