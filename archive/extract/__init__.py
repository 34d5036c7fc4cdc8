"""Extraction: captured pages → clean article text and metadata, with per-site rules.

The extract stage owns how a page becomes an article: decoding the payload, the extractors' vote,
applying a site's rules (chrome lines, headline, byline, dates), reading whom a copy credits, and
the incremental run that stores the results through ``archive/index/extraction.py``. It does not
own what the rules files may say: the config layer types and checks them
(:class:`~archive.config.SiteRules`, :class:`~archive.attribution.Publishers`).

- :func:`extract_page` — one page (bytes + headers) → :class:`ExtractResult` (pure, no DB);
- :func:`run_extract` — every capture not extracted yet → ``articles``, ``digest_items``,
  ``extract_errors`` (incremental, resumable, a process pool over batches);
- :class:`RuleSet` / :func:`load_rules` — a config's rules blocks, looked up by name or host.

trafilatura is imported only when a page is extracted.
"""
from __future__ import annotations

from ..attribution import Publishers
from ..config.rules import SiteRules
from .article import ExtractResult, extract_page
from .rules import RuleSet, load_rules
from .run import ExtractStats, run_extract

__all__ = ["ExtractResult", "ExtractStats", "Publishers", "RuleSet", "SiteRules", "extract_page",
           "load_rules", "run_extract"]
