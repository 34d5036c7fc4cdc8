"""``archive dedupe``: pair syndicated copies with their originals among new articles."""
from __future__ import annotations

from pathlib import Path

import click

from .common import common_options, is_tty


@click.command()
@common_options
@click.option("--rebuild", is_flag=True,
              help="Forget every dedupe result and the stored LSH keys, then process all articles "
                   "again (needed after changing a hashing field of [dedupe]).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for hashing and verification (default: [dedupe] workers, 2).")
def dedupe(data_dir: Path, config_path: Path, rebuild: bool, workers: int | None) -> None:
    """Find copies and originals among articles not processed yet (a rerun adds nothing).

    Candidates: same normalised text, shared MinHash LSH band, shared opening-words band or
    paragraph anchor, or an original_url naming another article; each verified by shingle
    containment. Results go to the tables syndication and versions."""
    import dataclasses

    from ..config import load_config
    from ..dedupe.params import params_from_config
    from ..dedupe.run import dedupe_with

    config = load_config(config_path)
    params = params_from_config(config)
    if workers is not None:
        params = dataclasses.replace(params, workers=workers)
    if is_tty():
        from rich.console import Console

        console = Console(stderr=True)

        def progress(stage: str, done: int, total: int) -> None:
            console.print(f"dedupe: {stage} {done}/{total}", highlight=False)

        stats = dedupe_with(data_dir, params, progress=progress, rebuild=rebuild,
                            config_path=str(config.path))
    else:
        stats = dedupe_with(data_dir, params, rebuild=rebuild, config_path=str(config.path))
    click.echo(stats.summary())
    from ..index import open_db
    from ..index.summaries import refresh_all

    db = open_db(data_dir)  # the feeds, the front page and daily_counts read these
    try:
        refresh_all(db)
    finally:
        db.conn.close()
