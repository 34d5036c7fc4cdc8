"""The fetch stage: what a crawl fetches and how, from a configured source (or seed URLs) to
WARC records and ``captures`` rows. It owns the crawler's private ``frontier`` table and the
dispatch of every configured crawl (:func:`crawl_or_render`: a ``render = true`` source goes to
:mod:`archive.render`, one kind of fetch).

Library API (the CLI, ``archive run``/``archive demo`` and the Prefect flow call exactly this):

- ``CrawlOptions`` — per-crawl overrides of a source's settings;
- ``crawl(config, data_dir, *, source=None, seeds=(), options=None, progress=None,
  warc_prefix=None) -> CrawlStats`` and its coroutine ``crawl_async`` (same arguments);
- ``crawl_or_render(config, data_dir, source, *, options=None, **kwargs) -> CrawlStats``.

Modules, one idea each: ``options`` (what a crawl fetches: source or seeds, overrides),
``scope``, ``admission`` (which links enter), ``dispatch`` (queues, limits, fetchers),
``frontier`` (the on-disk queue), ``crawler`` (the run: batches into the index), ``restart``
(lock, recovery at start), ``engine`` (one task: robots → fetch with retries → WARC → links),
``client`` (one exchange), ``robots``, ``politeness``, ``discover``, ``originals``,
``requisites``, ``ssrf``, ``netbackend``, ``stored`` (an earlier capture read back), ``worker``
(fetcher processes), ``loop`` (the event loop), ``configured`` (the front door).
Importing this package imports no httpx/warcio.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .configured import crawl_or_render
    from .crawler import crawl, crawl_async
    from .options import CrawlOptions

__all__ = ["CrawlOptions", "crawl", "crawl_async", "crawl_or_render"]


def __getattr__(name: str) -> Any:
    if name == "CrawlOptions":
        from .options import CrawlOptions

        return CrawlOptions
    if name in ("crawl", "crawl_async"):
        from . import crawler

        return getattr(crawler, name)
    if name == "crawl_or_render":
        from .configured import crawl_or_render

        return crawl_or_render
    raise AttributeError(name)
