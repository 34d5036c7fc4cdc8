"""Extraction: captured pages → clean article text and metadata, with per-site rules.

- :func:`extract_page` — one page (bytes + headers) → :class:`ExtractResult` (pure, no DB);
- :func:`run_extract` — every capture not extracted yet → ``articles``, ``digest_items``,
  ``extract_errors`` (incremental, resumable, a process pool over batches);
- :class:`SiteRules` / :func:`load_rules` — the ``[rules.NAME]`` blocks as validated objects.

trafilatura is imported only when a page is extracted.
"""
from __future__ import annotations

from .article import ExtractResult, extract_page
from .publishers import Publishers
from .rules import RuleSet, SiteRules, load_rules
from .run import ExtractStats, run_extract

__all__ = ["ExtractResult", "ExtractStats", "Publishers", "RuleSet", "SiteRules", "extract_page",
           "load_rules", "run_extract"]
