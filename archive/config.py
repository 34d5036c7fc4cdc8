"""Sources, schedules, politeness and per-site rules from TOML, as typed objects.

Every problem raises :class:`~archive.errors.ConfigError` naming the file, the source (or rules
block) and the field, e.g. ``config/sources.toml: sources.am1-waexaminer: depth: must be an
integer >= 0, not 'two'``.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_USER_AGENT = "SyndicationArchive/0.1 (+https://example.invalid/syndication-archive)"
DEFAULT_CONFIG = Path("config/sources.toml")


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


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    sources: dict[str, Source]
    rules: dict[str, dict[str, Any]]          # raw [rules.NAME] blocks; validated by extract
    dedupe: dict[str, Any] = field(default_factory=dict)  # raw [dedupe] table (thresholds)
    rules_path: Path | None = None
    # the rules file's raw [publishers."NAME"] blocks (aliases, hosts): extract reads the names,
    # the crawl the hosts (archive/attribution.py), neither through the other
    publishers: dict[str, Any] = field(default_factory=dict)
    watches: dict[str, Watch] = field(default_factory=dict)

    def watch(self, name: str) -> Watch:
        try:
            return self.watches[name]
        except KeyError:
            known = ", ".join(sorted(self.watches)) or "none"
            raise ConfigError(f"no such watch (known: {known})", path=str(self.path),
                              section=f"watch.{name}") from None

    def source(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none"
            raise ConfigError(f"no such source (known: {known})", path=str(self.path),
                              section=f"sources.{name}") from None


def _type_name(tp: Any) -> str:
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(tp, str(tp))


def _coerce(value: Any, annotation: str, path: str, section: str, name: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"must be {expected}, not {value!r}", path=path, section=section, field=name)

    optional = annotation.endswith("| None")
    base = annotation.replace(" | None", "").strip()
    if value is None and optional:
        return None
    if base.startswith("tuple[str"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if base == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if base == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    return value


def _check_url(url: str, path: str, section: str, name: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url!r} is not an http(s) URL", path=path, section=section, field=name)


def _check_cron(expr: str, path: str, section: str) -> None:
    from cronsim import CronSim, CronSimError  # small; only when a schedule is configured
    import datetime as dt

    try:
        CronSim(expr, dt.datetime(2025, 1, 1))
    except (CronSimError, ValueError) as exc:
        raise ConfigError(f"{expr!r} is not a valid cron expression ({exc})", path=path,
                          section=section, field="schedule") from None


def parse_source(name: str, table: Any, path: str) -> Source:
    section = f"sources.{name}"
    if not isinstance(table, dict):
        raise ConfigError("must be a table", path=path, section=section)
    known = {f.name: f for f in fields(Source)}
    values: dict[str, Any] = {"name": name}
    for key, value in table.items():
        if key not in known or key == "name":
            raise ConfigError(f"unknown field (known: {', '.join(sorted(k for k in known if k != 'name'))})",
                              path=path, section=section, field=key)
        values[key] = _coerce(value, str(known[key].type), path, section, key)
    src = Source(**values)
    if not src.seeds:
        raise ConfigError("needs at least one of start, feeds, sitemaps", path=path, section=section, field="start")
    for fname in ("start", "feeds", "sitemaps"):
        for url in getattr(src, fname):
            _check_url(url, path, section, fname)
    for fname, low in (("depth", 0), ("per_host", 1), ("concurrency", 1), ("retries", 0),
                       ("max_body", 1), ("requisite_max_size", 1)):
        if getattr(src, fname) < low:
            raise ConfigError(f"must be >= {low}, not {getattr(src, fname)!r}", path=path, section=section, field=fname)
    if src.max_pages is not None and src.max_pages < 1:
        raise ConfigError(f"must be >= 1, not {src.max_pages!r}", path=path, section=section, field="max_pages")
    for fname in ("delay", "max_retry_after"):
        if getattr(src, fname) < 0:
            raise ConfigError(f"must be >= 0, not {getattr(src, fname)!r}", path=path, section=section, field=fname)
    for fname in ("timeout", "deadline"):
        if getattr(src, fname) <= 0:
            raise ConfigError(f"must be > 0, not {getattr(src, fname)!r}", path=path, section=section, field=fname)
    if src.schedule is not None and src.every is not None:
        raise ConfigError("give schedule (cron) or every (seconds), not both", path=path, section=section, field="every")
    if src.schedule is not None:
        _check_cron(src.schedule, path, section)
    if src.every is not None and src.every < 1:
        raise ConfigError(f"must be >= 1 second, not {src.every!r}", path=path, section=section, field="every")
    if not src.user_agent.strip():
        raise ConfigError("must not be empty", path=path, section=section, field="user_agent")
    if src.ca_bundle is not None:
        src = replace(src, ca_bundle=check_ca_bundle(src.ca_bundle, path, section))
    return src


def check_ca_bundle(value: str, path: str, section: str) -> str:
    """The absolute path of a ``ca_bundle`` (relative to the config file's directory), checked
    to hold PEM CA certificates Python's ssl module can load: a wrong file is named here, at
    load time, not as a certificate error on every https page of a crawl."""
    import ssl

    bundle = Path(value).expanduser()
    if not bundle.is_absolute():
        bundle = Path(path).parent / bundle
    bundle = bundle.resolve()
    if not bundle.is_file():
        raise ConfigError(f"{value!r}: no such file ({bundle})", path=path, section=section, field="ca_bundle")
    try:
        ssl.create_default_context(cafile=str(bundle))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(f"{value!r}: not a PEM file of CA certificates ({exc})", path=path, section=section,
                          field="ca_bundle") from None
    return str(bundle)


def _parse_settings(table: Any, path: str) -> Settings:
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise ConfigError("must be a table", path=path, section="settings")
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError("unknown field", path=path, section="settings", field=key)
        values[key] = _coerce(value, str(known[key].type), path, "settings", key)
    settings = Settings(**values)
    if settings.warc_max_size < 1024:
        raise ConfigError("must be >= 1024 bytes", path=path, section="settings", field="warc_max_size")
    if not 0 <= settings.warc_gzip_level <= 9:
        raise ConfigError("must be 0..9", path=path, section="settings", field="warc_gzip_level")
    if settings.webhook_url:
        _check_url(settings.webhook_url, path, "settings", "webhook_url")
    _check_warc_store(settings, path)
    if settings.ca_bundle is not None:
        settings = replace(settings, ca_bundle=check_ca_bundle(settings.ca_bundle, path, "settings"))
    return settings


def _check_warc_store(settings: Settings, path: str) -> None:
    """``warc_store`` is ``PROTOCOL://…`` or an absolute path; its options a table
    (whether the protocol is installed is checked when the store is opened)."""
    url = settings.warc_store
    if url is not None:
        scheme, sep, rest = url.partition("://")
        if not (sep and scheme and rest and scheme.replace("+", "").replace("-", "").isalnum()
                or url.startswith("/")):
            raise ConfigError(f"{url!r} is not an fsspec URL (e.g. 's3://bucket/warcs') or an absolute path",
                              path=path, section="settings", field="warc_store")
    opts = settings.warc_store_options
    if not isinstance(opts, dict) or not all(isinstance(k, str) for k in opts):
        raise ConfigError(f"must be a table of storage options, not {opts!r}", path=path, section="settings",
                          field="warc_store_options")


def parse_watch(name: str, table: Any, path: str) -> Watch:
    section = f"watch.{name}"
    if not isinstance(table, dict):
        raise ConfigError("must be a table", path=path, section=section)
    known = {f.name: f for f in fields(Watch) if f.name != "name"}
    values: dict[str, Any] = {"name": name}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"unknown field (known: {', '.join(sorted(known))})", path=path,
                              section=section, field=key)
        values[key] = _coerce(value, str(known[key].type), path, section, key)
    for key in ("publisher", "aggregator", "phrase"):
        if isinstance(values.get(key), str) and not values[key].strip():
            raise ConfigError("must not be empty (leave it out instead)", path=path, section=section, field=key)
    watch = Watch(**values)
    if not (watch.publisher or watch.aggregator or watch.phrase):
        raise ConfigError("needs at least one of publisher, aggregator, phrase", path=path, section=section)
    if not watch.webhook:
        raise ConfigError("needs a webhook URL", path=path, section=section, field="webhook")
    _check_url(watch.webhook, path, section, "webhook")
    return watch


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", path=str(path)) from None


def _rules_blocks(data: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    blocks = data.get("rules", {})
    if not isinstance(blocks, dict) or not all(isinstance(v, dict) for v in blocks.values()):
        raise ConfigError("must be tables [rules.NAME]", path=path, section="rules")
    return dict(blocks)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Load and validate a sources file (and the rules file it names)."""
    path = Path(path)
    data = _read_toml(path)
    spath = str(path)
    unknown = set(data) - {"settings", "sources", "rules", "dedupe", "watch"}
    if unknown:
        raise ConfigError(f"unknown top-level table(s): {', '.join(sorted(unknown))}", path=spath)
    settings = _parse_settings(data.get("settings"), spath)
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise ConfigError("must be tables [sources.NAME]", path=spath, section="sources")
    sources = {name: parse_source(name, table, spath) for name, table in raw_sources.items()}
    rules = _rules_blocks(data, spath)
    rules_path: Path | None = None
    publishers: dict[str, Any] = {}
    if settings.rules_file:
        rules_path = (path.parent / settings.rules_file)
        if rules_path.exists():
            rdata = _read_toml(rules_path)
            publishers = rdata.get("publishers") or {}
            if not isinstance(publishers, dict):
                raise ConfigError("must be tables [publishers.\"NAME\"]", path=str(rules_path), section="publishers")
            for name, block in _rules_blocks(rdata, str(rules_path)).items():
                if name in rules:
                    raise ConfigError("defined twice (also in the sources file)", path=str(rules_path),
                                      section=f"rules.{name}")
                rules[name] = block
        elif isinstance(data.get("settings"), dict) and "rules_file" in data["settings"]:
            # named on purpose: a missing file is an error (the default's absence is not)
            raise ConfigError(f"no such file: {rules_path}", path=spath, section="settings", field="rules_file")
        else:
            rules_path = None
    for src in sources.values():
        if src.rules is not None and src.rules not in rules:
            raise ConfigError(f"no rules block named {src.rules!r} (known: {', '.join(sorted(rules)) or 'none'})",
                              path=spath, section=f"sources.{src.name}", field="rules")
    dedupe = data.get("dedupe", {})
    if not isinstance(dedupe, dict):
        raise ConfigError("must be a table", path=spath, section="dedupe")
    raw_watches = data.get("watch", {})
    if not isinstance(raw_watches, dict):
        raise ConfigError("must be tables [watch.NAME]", path=spath, section="watch")
    watches = {name: parse_watch(name, table, spath) for name, table in raw_watches.items()}
    return Config(path=path, settings=settings, sources=sources, rules=rules, dedupe=dedupe,
                  rules_path=rules_path, publishers=publishers, watches=watches)
