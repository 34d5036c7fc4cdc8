"""``archive extract``: extract article text and metadata from every capture not handled yet."""
from __future__ import annotations

from pathlib import Path

import click

from .common import common_options, is_tty


@click.command()
@common_options
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Extraction processes (a pool over batches; 1 = in this process).")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Captures per batch (one transaction each).")
@click.option("--capture", "capture_ids", multiple=True, metavar="ID",
              help="Only these capture ids (repeatable); default: every new capture.")
@click.option("--retry-errors", is_flag=True,
              help="Try again the captures whose extraction failed before (e.g. after fixing a rule).")
def extract(data_dir: Path, config_path: Path, workers: int, batch_size: int,
            capture_ids: tuple[str, ...], retry_errors: bool) -> None:
    """Extract article text and metadata from new captures (incremental: a rerun adds nothing)."""
    from ..config import load_config
    from ..extract import run_extract

    config = load_config(config_path)
    ids = list(capture_ids) or None
    if is_tty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("extract"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("extract", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            stats = run_extract(data_dir, config, workers=workers, batch_size=batch_size,
                                progress=progress, capture_ids=ids, retry_errors=retry_errors)
    else:
        stats = run_extract(data_dir, config, workers=workers, batch_size=batch_size, capture_ids=ids,
                            retry_errors=retry_errors)
    click.echo(f"extract: {stats.summary()}")
