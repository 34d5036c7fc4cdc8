"""The ``archive`` command line.

Commands live in small modules of this package and are imported only when run, so that
``archive --help`` answers fast (no Prefect, Datasette or trafilatura at start-up). The CLI
mirrors the library: each command parses options, calls one library function, prints a result.

:func:`main` is the only entry point and everything else (click included) is imported inside
its ``try``: a Ctrl-C during start-up, like one during the work, ends with one ``interrupted``
line and exit code 130, never a traceback. User and environment errors (an
:class:`~archive.errors.ArchiveError`, a full disk, a locked database) print one line.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

__all__ = ["COMMANDS", "main"]

# command name -> "module:attribute" (relative to archive.cli), imported on first use
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("capture:crawl", "Crawl a source or seed URLs into WARC files and the index."),
    "render": ("render:render", "Fetch pages with headless Chromium through warcprox (render = true)."),
    "run": ("pipeline:run", "Crawl, extract and dedupe one source or seed URLs."),
    "demo": ("pipeline:demo", "Run the whole pipeline on the bundled sample web, then serve it."),
    "sample-web": ("sampleweb:sample_web", "Serve the deterministic two-host sample web on loopback."),
    "reindex": ("warc:reindex", "Rebuild the capture index from the WARC files alone."),
    "recover": ("warc:recover", "Recover .open WARC files left by a killed crawl."),
    "warc-publish": ("warc:warc_publish", "Publish closed WARC files to the shared WARC store."),
    "extract": ("extract:extract", "Extract article text and metadata from new captures."),
    "dedupe": ("dedupe:dedupe", "Find syndicated copies and their originals among articles."),
    "serve": ("query:serve", "Serve the archive in Datasette (read-only) with replay."),
    "replay": ("query:replay", "Write the capture of URL nearest to a time."),
    "captures": ("query:captures", "List the captures of a URL."),
    "import": ("query:import_warcs", "Index WARC files written by other tools."),
    "export-wacz": ("query:export_wacz", "Write a WACZ of the archive (or one source)."),
    "schedule": ("schedule:schedule", "Prefect deployments from config: apply, serve, status."),
    "watch": ("watch:watch", "Watch lists: list the watches, test a webhook, post new copies."),
}

_BUILT: dict[str, Any] = {}


def _build() -> dict[str, Any]:
    """The click group (built once, on first use: importing this package stays light)."""
    if _BUILT:
        return _BUILT
    import importlib

    import click

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

    _BUILT.update(cli=cli, LazyGroup=LazyGroup)
    return _BUILT


def __getattr__(name: str) -> Any:
    if name in ("cli", "LazyGroup"):
        return _build()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _say(text: str, *, red: bool = False) -> None:
    try:
        if red and sys.stderr.isatty():
            text = f"\x1b[31m{text}\x1b[0m"
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _interrupted() -> None:
    import warnings

    # a coroutine created just before the interrupt is never awaited: not worth a warning
    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
    _say("interrupted")
    sys.exit(130)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors print one line, never a traceback."""
    try:
        if argv is None:  # the process's own command line: this is the program
            _sigint_in_main_process_only()
        from .failures import one_line  # light; imported first, used on errors
        import click

        from ..errors import ArchiveError

        cli = _build()["cli"]
        try:
            return cli.main(args=argv, prog_name="archive", standalone_mode=False)
        except ArchiveError as exc:
            _say(f"error: {exc}", red=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            _interrupted()
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(141)
        except Exception as exc:  # noqa: BLE001 - environment failures only; bugs re-raised
            message = one_line(exc)
            if message is None:
                raise
            _say(f"error: {message}", red=True)
            sys.exit(1)
    except KeyboardInterrupt:
        _interrupted()


def _quiet_stdout() -> None:
    """After a closed pipe (``archive captures URL | head``): no second error at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _sigint_in_main_process_only() -> None:
    """Ctrl-C reaches the whole process group: the command's own process raises
    KeyboardInterrupt as usual (Python's default handler, which ``asyncio.run`` relies on to
    cancel its main task cleanly) and stops its workers; processes it forks (extraction
    workers) ignore SIGINT instead of each printing a traceback. The no-op handler is a Python
    one, so a program exec'd from a fork starts with SIGINT at its default again."""
    import os
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # ignored (background job) or handled by an embedding program: leave it

    def quiet_child() -> None:
        try:
            signal.signal(signal.SIGINT, _ignore)
        except (ValueError, OSError):
            pass

    os.register_at_fork(after_in_child=quiet_child)


def _ignore(signum: int, frame: Any) -> None:
    """SIGINT in a forked worker: the parent decides (it stops the pool)."""
