"""The crawl's tables: ``[sources.NAME]``, ``[settings]`` and ``[watch.NAME]``, typed and checked.

Each parser reads its table's keys through :func:`~archive.config.fields.read_table` and then
checks what a type cannot say (bounds, URLs, cron expressions, a CA file that loads), so a bad
value is named at load time rather than as a failure half-way through a crawl.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .fields import Where, at_least, read_table

DEFAULT_USER_AGENT = "SyndicationArchive/0.1 (+https://example.invalid/syndication-archive)"


@dataclass(frozen=True)
class Source:
    """One crawl source: what to start from, how far to go, how politely, and when."""

    name: str
    start: tuple[str, ...] = ()        # listing / topic / digest pages
    feeds: tuple[str, ...] = ()        # RSS / Atom feeds
    sitemaps: tuple[str, ...] = ()     # sitemap.xml (or sitemap index) URLs
    scope: tuple[str, ...] = ()        # URL prefixes without scheme ("host/path/"), or hosts
    depth: int = 2
    max_pages: int | None = None
    follow_original: bool = True
    schedule: str | None = None        # cron, UTC
    every: int | None = None           # seconds (alternative to schedule)
    per_host: int = 2                  # connections per host
    delay: float = 1.0                 # seconds between requests to one host
    concurrency: int = 16              # connections in all
    user_agent: str = DEFAULT_USER_AGENT
    rules: str | None = None           # name of a [rules.NAME] block
    timeout: float = 10.0              # httpx per-operation timeout
    deadline: float = 60.0             # overall seconds for one exchange
    max_body: int = 10 * 1024 * 1024   # bytes kept of one body; beyond: WARC-Truncated: length
    retries: int = 3                   # for 429/503 (Retry-After) and connection errors
    max_retry_after: float = 120.0     # longest Retry-After honoured; beyond it the URL errors
    respect_robots: bool = True
    ssrf_guard: bool = True            # refuse private/loopback addresses found on public pages
    requisites: bool = True            # fetch page requisites (stylesheets, images, fonts…)
    requisite_hosts: tuple[str, ...] = ()
    requisite_max_size: int = 5 * 1024 * 1024
    render: bool = False               # fetch through headless Chromium + warcprox
    conditional_get: bool = False      # re-crawls send the last capture's validators (304 → revisit)
    ca_bundle: str | None = None       # PEM file of extra CAs trusted for https (else settings')
    enabled: bool = True
    description: str = ""

    @property
    def seeds(self) -> tuple[str, ...]:
        return self.start + self.feeds + self.sitemaps


@dataclass(frozen=True)
class Settings:
    """The ``[settings]`` table: archive-wide defaults."""

    warc_max_size: int = 1_000_000_000
    warc_gzip_level: int = 6
    warc_prefix: str = "archive"
    webhook_url: str | None = None
    known_aggregators: tuple[str, ...] = ()
    rules_file: str | None = "rules.toml"
    # the shared WARC store (archive/warc/store.py): an fsspec URL such as "s3://bucket/warcs"
    # (env ARCHIVE_WARC_STORE overrides it) and its storage options ("env:NAME" reads $NAME)
    warc_store: str | None = None
    warc_store_options: dict[str, Any] = field(default_factory=dict, hash=False)
    # a PEM file of CA certificates trusted for https besides the default ones (certifi, or the
    # file SSL_CERT_FILE names); a relative path is read from the config file's directory
    ca_bundle: str | None = None


@dataclass(frozen=True)
class Watch:
    """A ``[watch.NAME]`` table: new copy/original pairs that match it are POSTed to ``webhook``.

    At least one of ``publisher`` (the original's publisher, case-insensitive), ``aggregator``
    (the copy's site) and ``phrase`` (an FTS phrase in the copy or the original); all given must
    match."""

    name: str
    webhook: str = ""
    publisher: str | None = None
    aggregator: str | None = None
    phrase: str | None = None
    enabled: bool = True



def check_url(url: str, where: Where, name: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise where.error(name, f"{url!r} is not an http(s) URL")


def _check_cron(expr: str, where: Where) -> None:
    from cronsim import CronSim, CronSimError  # small; only when a schedule is configured
    import datetime as dt

    try:
        CronSim(expr, dt.datetime(2025, 1, 1))
    except (CronSimError, ValueError) as exc:
        raise where.error("schedule", f"{expr!r} is not a valid cron expression ({exc})") from None


def parse_source(name: str, table: Any, path: str) -> Source:
    where = Where(path, f"sources.{name}")
    if not isinstance(table, dict):
        raise where.error(None, "must be a table")
    src = Source(name=name, **read_table(Source, table, where, skip={"name"}))
    if not src.seeds:
        raise where.error("start", "needs at least one of start, feeds, sitemaps")
    for fname in ("start", "feeds", "sitemaps"):
        for url in getattr(src, fname):
            check_url(url, where, fname)
    at_least(src, ("depth",), 0, where)
    at_least(src, ("per_host", "concurrency"), 1, where)
    at_least(src, ("retries",), 0, where)
    at_least(src, ("max_body", "requisite_max_size"), 1, where)
    if src.max_pages is not None:
        at_least(src, ("max_pages",), 1, where)
    at_least(src, ("delay", "max_retry_after"), 0, where)
    at_least(src, ("timeout", "deadline"), 0, where, strict=True)
    if src.schedule is not None and src.every is not None:
        raise where.error("every", "give schedule (cron) or every (seconds), not both")
    if src.schedule is not None:
        _check_cron(src.schedule, where)
    if src.every is not None and src.every < 1:
        raise where.error("every", f"must be >= 1 second, not {src.every!r}")
    if not src.user_agent.strip():
        raise where.error("user_agent", "must not be empty")
    if src.ca_bundle is not None:
        src = replace(src, ca_bundle=check_ca_bundle(src.ca_bundle, path, where.section or ""))
    return src


def check_ca_bundle(value: str, path: str, section: str) -> str:
    """The absolute path of a ``ca_bundle`` (relative to the config file's directory), checked
    to hold PEM CA certificates Python's ssl module can load: a wrong file is named here, at
    load time, not as a certificate error on every https page of a crawl."""
    import ssl

    where = Where(path, section)
    bundle = Path(value).expanduser()
    if not bundle.is_absolute():
        bundle = Path(path).parent / bundle
    bundle = bundle.resolve()
    if not bundle.is_file():
        raise where.error("ca_bundle", f"{value!r}: no such file ({bundle})")
    try:
        ssl.create_default_context(cafile=str(bundle))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise where.error("ca_bundle", f"{value!r}: not a PEM file of CA certificates ({exc})") from None
    return str(bundle)


def parse_settings(table: Any, path: str) -> Settings:
    where = Where(path, "settings")
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise where.error(None, "must be a table")
    settings = Settings(**read_table(Settings, table, where, listed=False))
    if settings.warc_max_size < 1024:
        raise where.error("warc_max_size", "must be >= 1024 bytes")
    if not 0 <= settings.warc_gzip_level <= 9:
        raise where.error("warc_gzip_level", "must be 0..9")
    if settings.webhook_url:
        check_url(settings.webhook_url, where, "webhook_url")
    _check_warc_store(settings, where)
    if settings.ca_bundle is not None:
        settings = replace(settings, ca_bundle=check_ca_bundle(settings.ca_bundle, path, "settings"))
    return settings


def _check_warc_store(settings: Settings, where: Where) -> None:
    """``warc_store`` is ``PROTOCOL://…`` or an absolute path; its options a table
    (whether the protocol is installed is checked when the store is opened)."""
    url = settings.warc_store
    if url is not None:
        scheme, sep, rest = url.partition("://")
        if not (sep and scheme and rest and scheme.replace("+", "").replace("-", "").isalnum()
                or url.startswith("/")):
            raise where.error("warc_store",
                              f"{url!r} is not an fsspec URL (e.g. 's3://bucket/warcs') or an absolute path")
    opts = settings.warc_store_options
    if not isinstance(opts, dict) or not all(isinstance(k, str) for k in opts):
        raise where.error("warc_store_options", f"must be a table of storage options, not {opts!r}")


def parse_watch(name: str, table: Any, path: str) -> Watch:
    where = Where(path, f"watch.{name}")
    if not isinstance(table, dict):
        raise where.error(None, "must be a table")
    values = read_table(Watch, table, where, skip={"name"})
    for key in ("publisher", "aggregator", "phrase"):
        if isinstance(values.get(key), str) and not values[key].strip():
            raise where.error(key, "must not be empty (leave it out instead)")
    watch = Watch(name=name, **values)
    if not (watch.publisher or watch.aggregator or watch.phrase):
        raise where.error(None, "needs at least one of publisher, aggregator, phrase")
    if not watch.webhook:
        raise where.error("webhook", "needs a webhook URL")
    check_url(watch.webhook, where, "webhook")
    return watch
