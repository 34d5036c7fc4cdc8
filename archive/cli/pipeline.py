"""``archive run`` (crawl + extract + dedupe) and ``archive demo``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import common_options, crawl_options


@click.command()
@common_options
@crawl_options
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Extraction processes.")
def run(data_dir: Path, config_path: Path, source: str | None, seeds: tuple[str, ...], workers: int,
        **crawl_kw: Any) -> None:
    """Crawl a source (or seeds), then extract and dedupe what is new."""
    from ..config import load_config
    from ..pipeline import run_pipeline
    from .capture import build_crawl_options, crawl_progress_bar, publish_configured

    config = load_config(config_path)
    options = build_crawl_options(source=source, seeds=seeds, **crawl_kw)
    with crawl_progress_bar() as progress:
        stats = run_pipeline(config, data_dir, source=source, seeds=seeds, options=options,
                             workers=workers, report=lambda s: click.echo(s, err=True),
                             crawl_progress=progress)
    click.echo(stats.summary())
    publish_configured(config, data_dir)


@click.command()
@common_options
@click.option("--no-serve", is_flag=True, help="Stop after the pipeline instead of serving Datasette.")
@click.option("--port", type=int, default=8001, show_default=True, help="Datasette port.")
@click.option("--articles", type=click.IntRange(min=4), default=40, show_default=True,
              help="Stories in the sample web.")
def demo(data_dir: Path, config_path: Path, no_serve: bool, port: int, articles: int) -> None:
    """Start the sample web, run the whole pipeline on it, then serve Datasette."""
    from ..config import load_config
    from ..pipeline import run_demo

    config = load_config(config_path)
    stats = run_demo(config, data_dir, articles=articles, report=lambda s: click.echo(s, err=True))
    click.echo(stats.summary())
    if not no_serve:
        from .query import serve_archive

        serve_archive(data_dir, port=port)
