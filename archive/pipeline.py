"""Compose the stages: crawl → extract → dedupe → watch (``archive run``), the same after an
import (``archive import``: :func:`process_new`), and the bundled demo.

The watch stage (``archive.watch``) refreshes the summary tables the feeds, the front page and
``daily_counts`` read, then posts new pairs to the configured watches' webhooks.

Only composition lives here; every stage is its own module and runs without this one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import Config
from .watch import run_watch

Report = Callable[[str], None]


@dataclass
class PipelineStats:
    crawls: list[Any] = field(default_factory=list)
    extract: Any = None
    dedupe: Any = None
    watch: Any = None
    seconds: float = 0.0

    def summary(self) -> str:
        pages = sum(getattr(c, "pages", 0) for c in self.crawls)
        errors = sum(getattr(c, "errors", 0) for c in self.crawls)
        arts = getattr(self.extract, "articles", 0) if self.extract else 0
        pairs = getattr(self.dedupe, "pairs", 0) if self.dedupe else 0
        posted = self.watch.count("delivered") if self.watch else 0
        return (f"pipeline: {pages} pages ({errors} errors), {arts} new articles, "
                f"{pairs} new copy/original pairs, {posted} watch alerts in {self.seconds:.1f} s")


def run_pipeline(config: Config, data_dir: Path, *, source: str | None = None,
                 seeds: Sequence[str] = (), options: Any = None, workers: int = 2,
                 report: Report = lambda s: None, crawl_progress: Callable[..., Any] | None = None) -> PipelineStats:
    """Crawl one source (or seeds), then extract and dedupe what is new; then the watch stage."""
    from .fetch import crawl
    from .index.watches import now_iso
    from .fetch import crawl_or_render

    started, t0 = now_iso(), time.monotonic()
    stats = PipelineStats()
    if source:  # a source with render = true goes through Chromium + warcprox
        crawl_stats = crawl_or_render(config, data_dir, source, options=options, progress=crawl_progress)
    else:
        crawl_stats = crawl(config, data_dir, seeds=seeds, options=options, progress=crawl_progress)
    stats.crawls.append(crawl_stats)
    report(f"crawl {crawl_stats.source}: {crawl_stats.pages} pages, {crawl_stats.bytes} bytes, "
           f"{crawl_stats.errors} errors in {time.monotonic() - t0:.1f} s")
    process_new(config, data_dir, workers=workers, report=report, run_started=started, stats=stats)
    stats.seconds = time.monotonic() - t0
    return stats


def process_new(config: Config, data_dir: Path, *, workers: int = 2, report: Report = lambda s: None,
                run_started: str | None = None, stats: PipelineStats | None = None) -> PipelineStats:
    """Extract and dedupe what the archive holds and has not processed yet (a crawl's captures,
    imported WARCs), then the watch stage: the summary tables the feeds and the front page read,
    and the watches' alerts."""
    from .dedupe import run_dedupe
    from .extract import run_extract

    stats = stats or PipelineStats()
    t1 = time.monotonic()
    stats.extract = run_extract(data_dir, config, workers=workers)
    report(f"extract: {stats.extract.summary()} in {time.monotonic() - t1:.1f} s")
    stats.dedupe = run_dedupe(data_dir, config)
    report(stats.dedupe.summary())
    stats.watch = run_watch(data_dir, config, run_started=run_started, report=report)
    stats.seconds = stats.seconds or time.monotonic() - t1
    return stats


DEMO_SOURCES = ("sample-aggregator", "sample-digest", "sample-publisher")


def run_demo(config: Config, data_dir: Path, *, report: Report = print, articles: int = 40,
             aggregator_port: int = 8601, publisher_port: int = 8602) -> PipelineStats:
    """Serve the sample web on the ports the shipped config names, crawl its sources twice
    (the second time after the web changed: every page fetched in full again, and each one
    that did not change stored as an identical-payload-digest revisit, as the report line
    counts), extract, dedupe."""
    from .fetch import CrawlOptions
    from .fetch import crawl_or_render
    from .index.watches import now_iso
    from .sampleweb import SampleWeb

    started, t0 = now_iso(), time.monotonic()
    stats = PipelineStats()
    web = SampleWeb(articles=articles, seed=1, aggregator_host="127.0.0.1", publisher_host="127.0.0.2",
                    aggregator_port=aggregator_port, publisher_port=publisher_port)
    web.start()
    try:
        report(f"sample web: aggregator {web.aggregator_url}, publisher {web.publisher_url}")
        for round_ in (1, 2):
            for name in DEMO_SOURCES:
                if name not in config.sources:
                    continue
                cs = crawl_or_render(config, data_dir, name, options=CrawlOptions())
                stats.crawls.append(cs)
                report(f"crawl {round_} {name}: {cs.pages} pages ({_unchanged(data_dir, cs.id)} unchanged since "
                       f"their last capture: revisits), {cs.bytes} bytes, {cs.errors} errors")
            if round_ == 1:
                web.advance()
                report("sample web advanced to its next generation (some pages changed)")
    finally:
        web.stop()
    process_new(config, data_dir, report=report, run_started=started, stats=stats)
    stats.seconds = time.monotonic() - t0
    return stats


def _unchanged(data_dir: Path, crawl_id: str) -> int:
    from .index import open_db
    from .index.captures import unchanged_count

    db = open_db(data_dir, readonly=True)
    try:
        return unchanged_count(db, crawl_id)
    finally:
        db.conn.close()
