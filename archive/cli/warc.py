"""``archive reindex`` and ``archive recover``: the WARCs are the truth, the index follows them."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import WarcError
from .common import common_options, is_tty


def _progress_printer(label: str):  # type: ignore[no-untyped-def]
    if not is_tty():
        return None

    def show(name: str, done: int, total: int) -> None:
        click.echo(f"\r{label} {done}/{total} files ({name[:60]})\x1b[K", err=True, nl=done == total)

    return show


def _report_recovered(recovered: list) -> None:  # type: ignore[type-arg]
    for r in recovered:
        if r.skipped:
            click.echo(f"left {r.open_path.name}: {r.skipped}")
        elif r.path is None:
            click.echo(f"removed {r.open_path.name}: no complete record"
                       + (f" ({r.cut_bytes} bytes kept in {r.cut_path.name})" if r.cut_path else ""))
        else:
            msg = f"recovered {r.path.name}: {r.records} records, {r.kept_bytes} bytes kept"
            if r.cut_bytes:
                msg += f", {r.cut_bytes} bytes cut (kept in {r.cut_path.name})"
            click.echo(msg)


@click.command(help="Rebuild the capture index (captures, fetch_errors, crawls) from the WARC "
                    "files alone. Recovers .open files first.")
@common_options
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def reindex(data_dir: Path, config_path: Path, files: tuple[Path, ...]) -> None:
    from ..warc.reindex import reindex as run

    stats = run(data_dir, files=list(files) if files else None, progress=_progress_printer("reindexing"))
    _report_recovered(stats.recovered)
    for p in stats.problems:
        click.echo(f"warning: {p}", err=True)
    click.echo(f"reindexed {stats.files} files: {stats.captures} captures, {stats.failures} fetch errors, "
               f"{stats.crawls} crawls from {stats.records} records"
               + (f", {stats.removed} stale rows removed" if stats.removed else "")
               + f" in {stats.seconds:.1f} s")
    if stats.breaks:
        raise WarcError(str(Path(data_dir) / "warcs"), None,
                        f"{len(stats.breaks)} file(s) are damaged; their good records were indexed (see warnings)")


@click.command(help="Recover .open WARC files left by a killed crawl (cut back to the last complete "
                    "record, the cut bytes kept in a .cut file), then index what the index lacks.")
@common_options
def recover(data_dir: Path, config_path: Path) -> None:
    from ..warc.reindex import index_new_files

    stats = index_new_files(data_dir, progress=_progress_printer("indexing"))
    _report_recovered(stats.recovered)
    for p in stats.problems:
        click.echo(f"warning: {p}", err=True)
    click.echo(f"recovered {sum(1 for r in stats.recovered if not r.skipped)} open files; indexed "
               f"{stats.files} new files ({stats.captures} captures, {stats.failures} fetch errors); "
               f"{stats.skipped_files} files already indexed")
