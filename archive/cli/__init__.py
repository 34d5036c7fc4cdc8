"""The ``archive`` command line.

Commands live in small modules of this package and are imported only when run, so that
``archive --help`` answers fast (no Prefect, Datasette or trafilatura at start-up). The CLI
mirrors the library: each command parses options, calls one library function, prints a result.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from ..errors import ArchiveError

# command name -> "module:attribute" (relative to archive.cli), imported on first use
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("capture:crawl", "Crawl a source or seed URLs into WARC files and the index."),
    "render": ("render:render", "Fetch pages with headless Chromium through warcprox (render = true)."),
    "run": ("pipeline:run", "Crawl, extract and dedupe one source or seed URLs."),
    "demo": ("pipeline:demo", "Run the whole pipeline on the bundled sample web, then serve it."),
    "sample-web": ("sampleweb:sample_web", "Serve the deterministic two-host sample web on loopback."),
    "reindex": ("warc:reindex", "Rebuild the capture index from the WARC files alone."),
    "recover": ("warc:recover", "Recover .open WARC files left by a killed crawl."),
    "extract": ("extract:extract", "Extract article text and metadata from new captures."),
    "dedupe": ("dedupe:dedupe", "Find syndicated copies and their originals among articles."),
    "serve": ("query:serve", "Serve the archive in Datasette (read-only) with replay."),
    "replay": ("query:replay", "Write the capture of URL nearest to a time."),
    "captures": ("query:captures", "List the captures of a URL."),
    "import": ("query:import_warcs", "Index WARC files written by other tools."),
    "export-wacz": ("query:export_wacz", "Write a WACZ of the archive (or one source)."),
    "schedule": ("schedule:schedule", "Prefect deployments from config: apply, serve, status."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target = COMMANDS[name][0]
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__name__}.{module}"):
                return _missing(name)
            raise
        cmd = getattr(mod, attr, None)
        return cmd if isinstance(cmd, click.Command) else _missing(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # short help from the table above: listing commands imports none of them
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _missing(name: str) -> click.Command:
    @click.command(name=name, help=COMMANDS[name][1] + " (not available in this build)")
    def _cmd() -> None:
        raise click.UsageError(f"'{name}' is not available in this build yet")
    return _cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="syndication-archive", prog_name="archive")
def cli() -> None:
    """Syndication Archive: capture news pages into WARC, extract articles, map who copied whom."""


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors print one line, never a traceback."""
    try:
        return cli.main(args=argv, prog_name="archive", standalone_mode=False)
    except ArchiveError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
