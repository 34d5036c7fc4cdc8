"""Options every command shares: ``--data`` (env ARCHIVE_DATA, default ./data) and ``--config``."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def data_option(fn: F) -> F:
    return click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                        envvar="ARCHIVE_DATA", default=Path("data"), show_default=True,
                        help="Data directory: WARCs in DATA/warcs/, the index in DATA/archive.db.")(fn)


def config_option(fn: F) -> F:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                        envvar="ARCHIVE_CONFIG", default=Path("config/sources.toml"), show_default=True,
                        help="Sources file (TOML).")(fn)


def common_options(fn: F) -> F:
    """``--data`` and ``--config`` on a command."""
    return data_option(config_option(fn))


def warcs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "warcs"


def is_tty() -> bool:
    import sys
    return sys.stderr.isatty()


__all__ = ["common_options", "data_option", "config_option", "warcs_dir", "is_tty", "functools"]


def crawl_options(fn: F) -> F:
    """The options of ``archive crawl`` (shared by ``archive run``): a contract, keep the names."""
    opts = [
        click.option("--source", "source", default=None, help="A source name from the config."),
        click.option("--seed", "seeds", multiple=True, help="A seed URL (repeatable) instead of a source."),
        click.option("--depth", type=click.IntRange(min=0), default=None, help="Link hops from a start page."),
        click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Stop after N pages."),
        click.option("--follow-original/--no-follow-original", default=None,
                     help="Follow links to the original publisher (one hop out of scope)."),
        click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Connections in all."),
        click.option("--per-host", type=click.IntRange(min=1), default=None,
                     help="Connections per host (overrides config and robots.txt crawl-delay)."),
        click.option("--delay", type=click.FloatRange(min=0), default=None,
                     help="Seconds between requests to one host (overrides config and robots.txt)."),
        click.option("--rules", default=None, help="Site-rules block for pages on the seeds' own hosts."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn
