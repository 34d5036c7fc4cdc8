"""Configuration: the TOML files, read once and typed, below every stage.

The config layer owns what the files may say and what each value means as a type: sources,
schedules and politeness (:mod:`.sources`), the per-site rules blocks (:mod:`.rules`), the
``[dedupe]`` settings with the site registry (:mod:`.dedupe`, :mod:`.registry`), and the loader
that checks them all (:mod:`.load`), every check through one field validator (:mod:`.fields`).
It does not own what the stages do with them: extraction applies the rules, dedupe the
thresholds, the crawl the politeness.

Every problem raises :class:`~archive.errors.ConfigError` naming the file, the source (or rules
block) and the field, e.g. ``config/sources.toml: sources.am1-waexaminer: depth: must be an
integer, not 'two'``.
"""
from __future__ import annotations

from .dedupe import DedupeParams, parse_params
from .load import DEFAULT_CONFIG, Config, load_config
from .rules import CLUES, HtmlPick, SiteRules, css_to_xpath, parse_rules
from .sources import DEFAULT_USER_AGENT, Settings, Source, Watch, check_ca_bundle, parse_source, parse_watch

__all__ = ["CLUES", "DEFAULT_CONFIG", "DEFAULT_USER_AGENT", "Config", "DedupeParams", "HtmlPick", "Settings",
           "SiteRules", "Source", "Watch", "check_ca_bundle", "css_to_xpath", "load_config", "parse_params",
           "parse_rules", "parse_source", "parse_watch"]
