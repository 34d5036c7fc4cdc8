"""``archive sample-web``: serve the deterministic two-host sample web until Ctrl-C."""
from __future__ import annotations

import click


@click.command("sample-web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Aggregator address (loopback).")
@click.option("--port", type=int, default=8601, show_default=True,
              help="Aggregator port (the shipped sample sources expect 8601; 0: pick a free one).")
@click.option("--publisher-host", default="127.0.0.2", show_default=True, help="Publisher address (loopback).")
@click.option("--publisher-port", type=int, default=8602, show_default=True,
              help="Publisher port (the shipped sample sources expect 8602; 0: pick).")
@click.option("--latency-ms", type=float, default=0.0, show_default=True,
              help="Delay every response by this many milliseconds (benchmarks).")
@click.option("--articles", type=int, default=40, show_default=True, help="Publisher stories (pages scale ~2.3x).")
@click.option("--seed", type=int, default=1, show_default=True, help="Content seed (same seed, same bytes).")
@click.option("--cache-entries", type=int, default=4096, show_default=True,
              help="Rendered pages kept in memory (LRU).")
@click.option("--prerender", is_flag=True, help="Render every page before serving, kept gzip-compressed "
              "(benchmarks: ~1 ms a page once, ~60 MB for 20 000 pages).")
@click.option("--log/--no-log", "keep_log", default=False, show_default=True,
              help="Print one line per request to stderr.")
def sample_web(host: str, port: int, publisher_host: str, publisher_port: int, latency_ms: float,
               articles: int, seed: int, cache_entries: int, prerender: bool, keep_log: bool) -> None:
    """Serve the sample web on loopback and print its two base URLs; Ctrl-C stops it."""
    import signal
    import sys
    import threading

    from ..sampleweb import SampleWeb
    from ..sampleweb.server import RequestRecord

    sw = SampleWeb(articles=articles, seed=seed, latency_ms=latency_ms, aggregator_host=host,
                   publisher_host=publisher_host, aggregator_port=port, publisher_port=publisher_port,
                   keep_log=False, cache_entries=cache_entries)
    if keep_log:
        def show(rec: RequestRecord) -> None:
            print(f"{rec.host} {rec.method} {rec.path} {rec.status}", file=sys.stderr, flush=True)
        sw._log = show  # type: ignore[method-assign]
    sw.start()
    if prerender:
        click.echo("pre-rendering every page ...", err=True)
        n = sw.prerender()
        click.echo(f"pre-rendered {n} pages", err=True)
    click.echo(f"aggregator {sw.aggregator_url}/")
    click.echo(f"publisher  {sw.publisher_url}/")
    click.echo(f"{articles} stories, seed {seed}, latency {latency_ms:g} ms; "
               f"POST {sw.aggregator_url}/__sampleweb/advance for the next generation; Ctrl-C to stop",
               err=True)
    sys.stdout.flush()
    done = threading.Event()
    signalled: list[int] = []

    def stop(signum: int, frame: object) -> None:
        signalled.append(signum)
        done.set()

    old_int = signal.signal(signal.SIGINT, stop)
    old_term = signal.signal(signal.SIGTERM, stop)
    try:
        while not done.wait(0.5):
            pass
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        sw.stop()
        click.echo("sample web stopped", err=True)
    raise SystemExit(128 + signalled[0])  # 130 for Ctrl-C, as every command it ends
