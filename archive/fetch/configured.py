"""The front door of a configured crawl: one source, crawled by the httpx crawler or, for a source
with ``render = true``, rendered in Chromium through warcprox (:mod:`archive.render`, one kind of
fetch). Every entry point (``archive crawl --source``, ``archive run``, the Prefect flow) comes
through :func:`crawl_or_render`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import FetchError
from ..model import CrawlStats

__all__ = ["crawl_or_render"]


def crawl_or_render(config: Config, data_dir: Path, source: str, *, options: Any = None,
                    **kwargs: Any) -> CrawlStats:
    """One crawl of a configured source: :func:`archive.render.capture.render_source` when it says
    ``render = true``, else the httpx crawler (:func:`archive.fetch.crawl`, given ``options`` and
    ``kwargs``). Returns the ``crawls`` row either way (for a rendered crawl, read back from the
    index)."""
    src = config.source(source)
    if not src.render:
        from .crawler import crawl

        return crawl(config, data_dir, source=source, options=options, **kwargs)
    from ..index import open_db
    from ..index.crawls import get_crawl
    from ..render.capture import render_source

    result = render_source(config, data_dir, src)
    db = open_db(data_dir, readonly=True)
    try:
        stats = get_crawl(db, result.crawl_id)
    finally:
        db.conn.close()
    if stats is None:
        raise FetchError(src.seeds[0] if src.seeds else source, "render",
                         f"crawl {result.crawl_id} missing from the index after rendering")
    return stats
