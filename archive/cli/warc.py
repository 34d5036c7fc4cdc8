"""``archive reindex`` and ``archive recover``: the WARCs are the truth, the index follows them."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import WarcError
from .common import common_options, is_tty

if TYPE_CHECKING:
    from ..warc.store import WarcStore


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


def _store(config_path: Path, url: str | None):  # type: ignore[no-untyped-def]
    """The WARC store of ``url`` (or $ARCHIVE_WARC_STORE, or the config's), with the config's
    storage options when the config file exists; None when none is set."""
    from ..warc.store import open_store

    settings = None
    if config_path.exists():
        from ..config import load_config

        settings = load_config(config_path).settings
    return open_store(settings, url)


def _reindex_from(data_dir: Path, config_path: Path, url: str) -> None:
    store = _store(config_path, url)
    assert store is not None
    from ..index.rebuild import index_from_store

    pulled, stats = index_from_store(data_dir, store, progress=_progress_printer("fetching"))
    _report_recovered(stats.recovered)
    for p in stats.problems:
        click.echo(f"warning: {p}", err=True)
    for c in pulled.conflicts:
        click.echo(f"warning: {c}", err=True)
    click.echo(f"{store.url}: {pulled.listed} WARC files, {len(pulled.fetched)} fetched ({pulled.bytes} bytes), "
               f"{len(pulled.present)} already here, {pulled.known} already indexed; indexed {stats.files} new "
               f"files: {stats.captures} captures, {stats.failures} fetch errors in {stats.seconds:.1f} s")
    if pulled.conflicts:
        raise WarcError(store.url, None, f"{len(pulled.conflicts)} stored file(s) not fetched: a different "
                        "local file has the same name (see warnings)")


@click.command(help="Rebuild the capture index (captures, fetch_errors, crawls) from the WARC "
                    "files alone. Recovers .open files first. With --from URL: fetch the WARCs of a "
                    "shared store (e.g. s3://bucket/warcs) that the index has not read into "
                    "DATA/warcs and index them.")
@common_options
@click.option("--from", "from_url", default=None, metavar="URL",
              help="A shared WARC store (fsspec URL): index its files this index lacks.")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def reindex(data_dir: Path, config_path: Path, from_url: str | None, files: tuple[Path, ...]) -> None:
    from ..index.rebuild import reindex as run

    if from_url is not None:
        if files:
            raise click.UsageError("give FILES or --from URL, not both")
        _reindex_from(data_dir, config_path, from_url)
        return
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
    from ..index.rebuild import index_new_files

    stats = index_new_files(data_dir, progress=_progress_printer("indexing"))
    _report_recovered(stats.recovered)
    for p in stats.problems:
        click.echo(f"warning: {p}", err=True)
    click.echo(f"recovered {sum(1 for r in stats.recovered if not r.skipped)} open files; indexed "
               f"{stats.files} new files ({stats.captures} captures, {stats.failures} fetch errors); "
               f"{stats.skipped_files} files already indexed")


@click.command(help="Publish the closed WARC files of DATA/warcs that the shared WARC store lacks "
                    "(--to URL, or $ARCHIVE_WARC_STORE, or [settings] warc_store). Local files are kept.")
@common_options
@click.option("--to", "to_url", default=None, metavar="URL", help="The WARC store (fsspec URL).")
@click.option("--prefix", default=None, help="Only files named PREFIX-….")
def warc_publish(data_dir: Path, config_path: Path, to_url: str | None, prefix: str | None) -> None:
    store = _store(config_path, to_url)
    if store is None:
        raise click.UsageError("no WARC store: give --to URL, set ARCHIVE_WARC_STORE or [settings] warc_store")
    publish_and_report(data_dir, store, prefix)


def publish_and_report(data_dir: Path, store: "WarcStore", prefix: str | None = None) -> None:
    """Publish the closed local WARCs the store lacks; one line; WarcError (files kept) on failure.
    Also the last step of ``archive crawl`` / ``archive run`` when a store is configured."""
    from ..warc.sync import publish_pending

    result = publish_pending(data_dir, store, prefix=prefix)
    for name, error in result.failed:
        click.echo(f"not published: {name}: {error}", err=True)
    click.echo(f"{store.url}: {len(result.published)} published ({result.bytes} bytes), "
               f"{len(result.already)} already there, {len(result.failed)} failed (kept locally)")
    failure = result.failure(store.url, Path(data_dir))
    if failure is not None:
        raise failure
