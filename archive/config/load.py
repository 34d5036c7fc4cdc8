"""Loading: the sources file and the rules file it names, read once into a typed :class:`Config`.

Everything is checked here, before any stage runs: sources, ``[settings]``, ``[watch.NAME]``,
every ``[rules.NAME]`` block (:mod:`.rules`), the rules file's ``[publishers]`` and
``[known_publishers]`` tables and the ``[dedupe]`` table (:mod:`.dedupe`, with the registry of
:mod:`.registry` merged in). The stages read typed values only: the crawl a source, its rules
block's ``link_text`` and the publishers' hosts; extraction the rules and publisher names;
dedupe its parameters.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ..attribution import Publishers
from ..errors import ConfigError
from .dedupe import DedupeParams, parse_params
from .registry import registry
from .rules import SiteRules, parse_rules
from .sources import Settings, Source, Watch, parse_settings, parse_source, parse_watch

DEFAULT_CONFIG = Path("config/sources.toml")
TOP_LEVEL = ("settings", "sources", "rules", "dedupe", "watch")
T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    sources: dict[str, Source]
    rules: dict[str, SiteRules]               # every [rules.NAME] block, of either file
    dedupe: DedupeParams = field(default_factory=DedupeParams)  # [dedupe] plus the site registry
    rules_path: Path | None = None
    # the rules file's [publishers."NAME"] blocks: extract reads the names, the crawl the hosts
    publishers: Publishers = field(default_factory=Publishers)
    watches: dict[str, Watch] = field(default_factory=dict)

    def watch(self, name: str) -> Watch:
        return _named(self.watches, name, "watch", f"watch.{name}", self.path)

    def source(self, name: str) -> Source:
        return _named(self.sources, name, "source", f"sources.{name}", self.path)

    def link_text(self, rules: str | None) -> str | None:
        """The ``link_text`` pattern of the rules block ``rules`` names, or None (no block, or
        one that keeps the shared default): what the crawl calls a link to an original."""
        block = self.rules.get(rules or "")
        return block.own_link_text if block is not None else None


def _named(table: dict[str, T], name: str, kind: str, section: str, path: Path) -> T:
    """``table[name]``, or ConfigError naming the known ones."""
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise ConfigError(f"no such {kind} (known: {known})", path=str(path), section=section) from None


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


@dataclass
class _RulesFile:
    """The raw rules blocks of both files (name -> (block, the file it is in)) and the rules
    file's own tables."""

    blocks: dict[str, tuple[dict[str, Any], str]]
    path: Path | None = None
    data: dict[str, Any] | None = None


def _read_rules(path: Path, data: dict[str, Any], settings: Settings) -> _RulesFile:
    spath = str(path)
    found = _RulesFile({name: (block, spath) for name, block in _rules_blocks(data, spath).items()})
    if not settings.rules_file:
        return found
    rules_path = path.parent / settings.rules_file
    if not rules_path.exists():
        if isinstance(data.get("settings"), dict) and "rules_file" in data["settings"]:
            # named on purpose: a missing file is an error (the default's absence is not)
            raise ConfigError(f"no such file: {rules_path}", path=spath, section="settings", field="rules_file")
        return found
    rdata = _read_toml(rules_path)
    rpath = str(rules_path)
    if not isinstance(rdata.get("publishers") or {}, dict):
        raise ConfigError("must be tables [publishers.\"NAME\"]", path=rpath, section="publishers")
    for name, block in _rules_blocks(rdata, rpath).items():
        if name in found.blocks:
            raise ConfigError("defined twice (also in the sources file)", path=rpath, section=f"rules.{name}")
        found.blocks[name] = (block, rpath)
    return replace(found, path=rules_path, data=rdata)


def _dedupe(raw: dict[str, Any], path: str, settings: Settings, found: _RulesFile) -> DedupeParams:
    """``[dedupe]`` with the registry of the rules blocks and the rules file merged in."""
    reg = registry({name: block for name, (block, _) in found.blocks.items()}, found.data,
                   str(found.path or path))
    p = parse_params(raw, path, extra_aggregators=settings.known_aggregators + reg.known_aggregators)
    return replace(p, known_publishers=tuple(dict.fromkeys(p.known_publishers + reg.known_publishers)),
                   site_names=reg.site_names)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Load and validate a sources file and the rules file it names: every table typed.

    The file's own tables first (as they read), then the rules blocks, the publishers and the
    ``[dedupe]`` table: the first problem found is the one reported."""
    path = Path(path)
    data = _read_toml(path)
    spath = str(path)
    unknown = set(data) - set(TOP_LEVEL)
    if unknown:
        raise ConfigError(f"unknown top-level table(s): {', '.join(sorted(unknown))}", path=spath)
    settings = parse_settings(data.get("settings"), spath)
    raw_sources = data.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise ConfigError("must be tables [sources.NAME]", path=spath, section="sources")
    sources = {name: parse_source(name, table, spath) for name, table in raw_sources.items()}
    found = _read_rules(path, data, settings)
    for src in sources.values():
        if src.rules is not None and src.rules not in found.blocks:
            known = ", ".join(sorted(found.blocks)) or "none"
            raise ConfigError(f"no rules block named {src.rules!r} (known: {known})",
                              path=spath, section=f"sources.{src.name}", field="rules")
    raw_dedupe = data.get("dedupe", {})
    if not isinstance(raw_dedupe, dict):
        raise ConfigError("must be a table", path=spath, section="dedupe")
    raw_watches = data.get("watch", {})
    if not isinstance(raw_watches, dict):
        raise ConfigError("must be tables [watch.NAME]", path=spath, section="watch")
    watches = {name: parse_watch(name, table, spath) for name, table in raw_watches.items()}
    rules = {name: parse_rules(name, block, where) for name, (block, where) in found.blocks.items()}
    publishers = Publishers.from_dict((found.data or {}).get("publishers"), str(found.path or path))
    return Config(path=path, settings=settings, sources=sources, rules=rules,
                  dedupe=_dedupe(raw_dedupe, spath, settings, found), rules_path=found.path,
                  publishers=publishers, watches=watches)
