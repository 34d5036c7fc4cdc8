"""``archive crawl``: crawl a source (or seed URLs) into WARC files and the capture index."""
from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from .common import common_options, crawl_options, is_tty


def build_crawl_options(*, source: str | None, seeds: tuple[str, ...] | list[str], depth: int | None = None,
                        max_pages: int | None = None, follow_original: bool | None = None,
                        concurrency: int | None = None, per_host: int | None = None,
                        delay: float | None = None, rules: str | None = None,
                        fetchers: int | None = None, **_: Any) -> Any:
    """``CrawlOptions`` from the command-line values (None: the source's own setting)."""
    from ..errors import InputError
    from ..fetch.options import CrawlOptions, check_crawl_target

    try:
        check_crawl_target(source, seeds)
    except InputError:  # the library names its inputs; here they are flags
        raise InputError("give --source NAME or --seed URL, not both" if source else
                         "nothing to crawl: give --source NAME or --seed URL") from None
    return CrawlOptions(depth=depth, max_pages=max_pages, follow_original=follow_original,
                        concurrency=concurrency, per_host=per_host, delay=delay, rules=rules,
                        fetchers=fetchers)


@contextlib.contextmanager
def crawl_progress_bar() -> Iterator[Callable[..., None] | None]:
    """A rich progress display on a terminal (stderr); ``None`` when not a TTY."""
    if not is_tty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    t0 = time.monotonic()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("crawling", total=None)

    def update(stats: Any, queued: int = 0) -> None:
        rate = stats.pages / max(time.monotonic() - t0, 1e-6)
        progress.update(task, description=f"crawled {stats.pages} pages, {stats.bytes} bytes, "
                                          f"{stats.errors} errors, {queued} queued ({rate:.0f} pages/s)")

    with progress:
        yield update


def summary_line(stats: Any, seconds: float) -> str:
    rate = stats.pages / seconds if seconds > 0 else 0.0
    return f"crawled {stats.pages} pages, {stats.bytes} bytes, {stats.errors} errors in {seconds:.1f} s ({rate:.1f} pages/s)"


@click.command()
@common_options
@crawl_options
@click.option("--fetchers", type=click.IntRange(min=1, max=16), default=None,
              help="Fetchers (the first in this process, the others in their own). Default: one, "
                   "and a second process joins when the crawl is CPU-bound with --delay 0.")
def crawl(data_dir: Path, config_path: Path, source: str | None, seeds: tuple[str, ...], **kw: Any) -> None:
    """Crawl a source (or seed URLs) into WARC files and the capture index.

    Ends with one line: crawled N pages, B bytes, E errors in S s (R pages/s).
    """
    from ..config import load_config
    from ..fetch import crawl as run_crawl

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    options = build_crawl_options(source=source, seeds=seeds, **kw)
    if seeds and not source and not config_path.exists() and config_path == Path("config/sources.toml"):
        from ..config import Config, Settings

        config = Config(path=config_path, settings=Settings(), sources={}, rules={})  # seeds need no file
    else:
        config = load_config(config_path)
    t0 = time.monotonic()
    with crawl_progress_bar() as progress:
        if source:  # a source with render = true goes through Chromium + warcprox
            from ..fetch import crawl_or_render

            stats = crawl_or_render(config, data_dir, source, options=options, progress=progress)
        else:
            stats = run_crawl(config, data_dir, seeds=seeds, options=options, progress=progress)
    click.echo(summary_line(stats, time.monotonic() - t0))
    publish_configured(config, data_dir)


def publish_configured(config: Any, data_dir: Path) -> None:
    """With a shared WARC store configured (``[settings] warc_store`` or ``ARCHIVE_WARC_STORE``),
    publish the closed WARCs there, as a scheduled run does; a failure keeps them local, exit 1."""
    from ..warc.store import open_store
    from .warc import publish_and_report

    store = open_store(config.settings)
    if store is not None:
        publish_and_report(data_dir, store)
