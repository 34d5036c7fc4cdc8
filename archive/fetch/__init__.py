"""The polite async crawler: robots.txt, politeness, retries, discovery, an on-disk frontier.

Library API (the CLI, ``archive run``/``archive demo`` and the Prefect flow call exactly this):

- ``CrawlOptions`` — per-crawl overrides of a source's settings;
- ``crawl(config, data_dir, *, source=None, seeds=(), options=None, progress=None,
  warc_prefix=None) -> CrawlStats`` and its coroutine ``crawl_async`` (same arguments).

Modules: ``client`` (one exchange), ``robots``, ``politeness``, ``discover``, ``frontier``,
``engine`` (one task: robots → fetch with retries → WARC → links), ``worker`` (fetcher
processes), ``originals`` (which off-host links a page names as its original), ``crawler``
(orchestration). Importing this package imports no httpx/warcio.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .crawler import CrawlOptions, crawl, crawl_async

__all__ = ["CrawlOptions", "crawl", "crawl_async"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import crawler

        return getattr(crawler, name)
    raise AttributeError(name)
