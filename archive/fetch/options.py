"""What one crawl fetches: the source (or seed URLs) and the per-crawl overrides of its settings.

:func:`check_crawl_target` is the one check that a crawl names a source or seed URLs (not both,
not neither); :func:`resolve_source` turns either into a :class:`~archive.config.Source` and its
seed list. Messages name the inputs (a source, seed URLs) and config fields, never command-line
flags: the CLI words its own.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from ..config import Config, Source
from ..errors import ConfigError, InputError
from ..urls import canonicalize, check_http_url, host_of

__all__ = ["CrawlOptions", "check_crawl_target", "resolve_source", "link_text"]


@dataclass
class CrawlOptions:
    """Overrides of a source's settings for one crawl (``None``: the source's own value)."""

    depth: int | None = None
    max_pages: int | None = None
    follow_original: bool | None = None
    concurrency: int | None = None
    per_host: int | None = None
    delay: float | None = None
    rules: str | None = None
    override_politeness: bool | None = None  # None: True when per_host or delay is given
    fetchers: int | None = None  # None: one, plus a process when CPU-bound and overridden to no delay
    respect_robots: bool | None = None
    gzip_level: int | None = None
    max_body: int | None = None
    timeout: float | None = None
    deadline: float | None = None
    conditional_get: bool | None = None
    recover: bool = True  # recover .open WARC files of killed crawls first
    resume: bool = True  # continue this source's unfinished crawl instead of starting anew


_OVERRIDES = ("depth", "max_pages", "follow_original", "concurrency", "per_host", "delay", "respect_robots",
              "max_body", "timeout", "deadline", "conditional_get")


def check_crawl_target(source: str | None, seeds: Sequence[str]) -> None:
    """A crawl names a configured source or gives seed URLs: one of the two."""
    if source and seeds:
        raise InputError("a crawl takes a source name or seed URLs, not both")
    if not source and not seeds:
        raise InputError("nothing to crawl: name a source or give seed URLs")


def _check_rules(config: Config, rules: str) -> None:
    if rules not in config.rules:
        raise ConfigError(f"no rules block named {rules!r} (known: {', '.join(sorted(config.rules)) or 'none'})",
                          path=str(config.path), field="rules")


def _seed_source(seeds: Sequence[str]) -> Source:
    """A source for seed URLs: scoped to their hosts, ``ssrf_guard`` off."""
    urls = [check_http_url(s) for s in seeds]
    for u in urls:
        canonicalize(u)
    return Source(name="seed", start=tuple(urls), scope=tuple(sorted({host_of(u) for u in urls})), ssrf_guard=False)


def resolve_source(config: Config, source: str | None, seeds: Sequence[str],
                   options: CrawlOptions) -> tuple[Source, list[tuple[str, str]]]:
    """The source to crawl (a synthetic one, named ``seed``, for seed URLs) and its seed
    (url, kind) list, with ``options`` applied."""
    check_crawl_target(source, seeds)
    src = config.source(source) if source else _seed_source(seeds)
    if options.rules is not None:
        _check_rules(config, options.rules)
        src = replace(src, rules=options.rules)
    changes: dict[str, Any] = {n: getattr(options, n) for n in _OVERRIDES if getattr(options, n) is not None}
    if changes.get("depth", 0) < 0 or changes.get("concurrency", 1) < 1 or changes.get("per_host", 1) < 1 \
            or changes.get("delay", 0) < 0 or (changes.get("max_pages") or 1) < 1:
        raise InputError(f"bad crawl option in {changes}")
    if not source and options.concurrency is None and options.per_host is not None:
        # a seed crawl has no configured total: let every seed host have its per_host connections
        changes["concurrency"] = max(src.concurrency, options.per_host * len(src.scope))
    src = replace(src, **changes)
    seed_list = [(canonicalize(u), "seed") for u in src.start] + [(canonicalize(u), "feed") for u in src.feeds] + \
        [(canonicalize(u), "sitemap") for u in src.sitemaps]
    return src, seed_list


def link_text(config: Config, src: Source) -> str | None:
    """The source's rules block's own ``link_text`` (None: the shared default); the config
    loader has checked it compiles."""
    return config.link_text(src.rules)
