"""``archive render``: fetch pages with headless Chromium through warcprox (``render = true``
sources), so what their scripts load is archived too; the WARCs are indexed at the end."""
from __future__ import annotations

from pathlib import Path

import click

from .common import common_options


@click.command("render")
@common_options
@click.option("--source", "source", required=True, help="A source name from the config.")
@click.option("--url", "urls", multiple=True,
              help="A page to render (repeatable); default: the source's seeds, following in-scope links to its depth.")
@click.option("--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True,
              help="Seconds for one page to load.")
def render(data_dir: Path, config_path: Path, source: str, urls: tuple[str, ...], timeout: float) -> None:
    from ..config import load_config
    from ..render.capture import render_source, render_urls

    config = load_config(config_path)
    src = config.source(source)
    if not src.render:
        click.echo(f"note: source {source!r} has render = false; rendering it anyway", err=True)
    if urls:
        result = render_urls(config, data_dir, src, list(urls), timeout=timeout)
    else:
        result = render_source(config, data_dir, src, timeout=timeout)
    for url, reason in result.failures:
        click.echo(f"failed: {url}: {reason}", err=True)
    click.echo(result.summary())
