"""``archive serve``, ``replay``, ``captures``, ``import`` and ``export-wacz``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

import click

from .common import common_options

@click.command()
@common_options
@click.option("--port", "-p", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--metadata", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Datasette metadata (default: datasette.yml beside the sources file).")
def serve(data_dir: Path, config_path: Path, port: int, host: str, metadata: Path | None) -> None:
    """Serve the archive in Datasette (read-only) with replay and charts."""
    serve_archive(data_dir, port=port, host=host, metadata=metadata, config_path=config_path)


def serve_archive(data_dir: Path, *, port: int = 8001, host: str = "127.0.0.1",
                  metadata: Path | None = None, config_path: Path | None = None) -> None:
    """Run Datasette on ``DATA/archive.db`` until interrupted (used by ``serve`` and ``demo``)."""
    import uvicorn

    from ..datasette_plugin.app import archive_app
    from ..index import db_path

    ds = archive_app(data_dir, config_path=Path(config_path or "config/sources.toml"), metadata=metadata)
    click.echo(f"serving {db_path(data_dir)} at http://{host}:{port}/ (read-only; replay at "
               f"/-/replay/YYYYMMDDhhmmss/URL, charts at /-/archive-charts)", err=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
    # uvicorn returns when a signal (Ctrl-C) stopped it: say so and exit 130, as every command does
    click.echo(f"stopped serving {db_path(data_dir)}", err=True)
    raise SystemExit(130)


def _open_index(data_dir: Path) -> Any:
    from ..index import open_db

    return open_db(data_dir, readonly=True)


@click.command()
@common_options
@click.argument("url")
@click.option("--at", "at", metavar="YYYYMMDDhhmmss", default=None,
              help="Time to replay (default: the latest capture).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
@click.option("--raw", is_flag=True, help="The HTTP response bytes as recorded (head and encoded body).")
@click.option("--method", default="GET", show_default=True, help="HTTP method of the capture.")
def replay(data_dir: Path, config_path: Path, url: str, at: str | None, out: Path | None,
           raw: bool, method: str) -> None:
    """Write the capture of URL nearest to a time (body as a browser sees it, or --raw)."""
    from ..replay import open_replay, parse_timestamp

    when = parse_timestamp(at) if at else None
    db = _open_index(data_dir)
    try:
        rep = open_replay(db, data_dir, url, when, method=method)
    finally:
        db.conn.close()
    chunks = rep.raw_response() if raw else rep.decoded_payload()
    if out is None:
        _write(sys.stdout.buffer, chunks)
        sys.stdout.buffer.flush()
    else:
        tmp = out.with_name(out.name + ".part")
        try:
            with tmp.open("wb") as fh:
                _write(fh, chunks)
            tmp.replace(out)
        finally:
            if tmp.exists():
                tmp.unlink()
        click.echo(f"{rep.capture.url} {rep.capture.timestamp} {rep.status} -> {out}", err=True)


def _write(fh: BinaryIO, chunks: Any) -> None:
    for chunk in chunks:
        fh.write(chunk)


@click.command()
@common_options
@click.argument("url")
@click.option("--method", default="GET", show_default=True,
              help="Only captures of this HTTP method ('any' for all).")
def captures(data_dir: Path, config_path: Path, url: str, method: str) -> None:
    """List the captures of URL, oldest first (tab-separated)."""
    from ..errors import NotFound
    from ..replay import list_captures, to_timestamp14
    from ..urls import surt

    db = _open_index(data_dir)
    try:
        rows = list_captures(db, url, method=None if method.lower() == "any" else method)
    finally:
        db.conn.close()
    if not rows:
        raise NotFound(f"{url}: no capture of this URL in the archive (urlkey {surt(url)})")
    click.echo("timestamp\tstatus\tmime\trecord_type\tmethod\tid\twarc_file\twarc_offset\turl")
    for c in rows:
        click.echo("\t".join(str(v if v is not None else "") for v in (
            to_timestamp14(c.timestamp), c.status, c.mime, c.record_type, c.method, c.id,
            c.warc_file, c.warc_offset, c.url)))


@click.command(name="import")
@common_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--process/--no-process", default=True, show_default=True,
              help="Run extraction and dedupe on the imported pages afterwards.")
def import_warcs(data_dir: Path, config_path: Path, files: tuple[Path, ...], process: bool) -> None:
    """Copy WARC files from other tools into DATA/warcs and index them."""
    from ..errors import InputError
    from ..importer import import_warcs as run_import

    for f in files:
        if f.is_dir():
            raise InputError(f"{f}: is a directory, not a WARC file (give the files in it)")
    stats = run_import(data_dir, list(files))
    for problem in stats.problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(stats.summary())
    if process and stats.captures:
        from ..config import load_config
        from ..pipeline import process_new

        process_new(load_config(config_path), data_dir, report=click.echo)
    if stats.rejected:
        from ..errors import WarcError

        raise WarcError(", ".join(stats.rejected), None, "no WARC record found: not imported")


@click.command(name="export-wacz")
@common_options
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="Only this source's captures.")
def export_wacz(data_dir: Path, config_path: Path, out: Path, source: str | None) -> None:
    """Write a WACZ of the archive (or one source): WARCs, CDXJ index, pages list."""
    from ..wacz import export_wacz as run_export

    result = run_export(data_dir, out, source=source)
    click.echo(result.summary())
