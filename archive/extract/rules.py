"""Per-site rules: data (one ``[rules.NAME]`` TOML block per site), one generic engine.

A block names the hosts it covers and how its pages differ from a plain article: which lines are
the site's own chrome, where the headline, byline and dates are, and how a copy names its
original. Every field is optional; every error names the file, the block and the field::

    [rules.am1]
    role = "aggregator"                      # copies others' stories: never the original itself
    hosts = ["am1.news"]
    header_end = '^topic$'                   # lines up to this one (within header_max_lines) are chrome
    drop_lines = ['^THE AMERICA ONE NEWS$', '^Sponsor:', '^back$']
    headline = { xpath = '//img[starts-with(@alt, "NextImg:")]/@alt', strip_prefix = "NextImg:" }
    byline = '^(?:By )?(?P<author>[A-Z][a-z]+(?: [A-Z][a-z]+)+)(?:, .+)?$'
    aggregator_date = '^(?P<date>[A-Z][a-z]{2} \\d{1,2}, \\d{4}) \\|$'   # never the publication date
    source_lines = '^(?P<date>\\d{1,2} [A-Z][a-z]{2} \\d{4})$'           # outlet line(s) + story date
    original_from = ["canonical", "og:url", "link", "source-line", "promo", "slug"]
    promo = ['READ MORE FROM (?P<publisher>.+)$']
    slugs = { waexaminer = "Washington Examiner" }
    digest_urls = '/topic/fq/\\d+-slug-the-digest'

Whitespace is normalised (NBSP and runs of spaces → one space, stripped) before any pattern runs.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import ConfigError
from .publishers import HostPattern, Publishers, parse_host_pattern

if TYPE_CHECKING:
    from ..config import Config

CLUES = ("canonical", "og:url", "link", "source-line", "promo", "slug")
DEFAULT_LINK_TEXT = r"(?i)\b(?:source|original(?:ly)?|read (?:the )?(?:more|full|original|rest)|full (?:story|article)|continue reading|via)\b"
DEFAULT_DIGEST_ITEM = r"^(?P<publisher>[^:]{2,60}?): (?P<headline>\S.{6,})$"


@dataclass(frozen=True)
class HtmlPick:
    """A value read from the HTML by XPath (``.../@attr`` or an element's text)."""

    xpath: str
    strip_prefix: str = ""


@dataclass(frozen=True)
class SiteRules:
    name: str
    path: str = "rules"
    role: str = "publisher"                   # "aggregator" or "publisher"
    hosts: tuple[HostPattern, ...] = ()
    publisher: str | None = None              # the site's own publisher name (publisher role)
    header_end: re.Pattern[str] | None = None
    header_max_lines: int = 20
    drop_lines: tuple[re.Pattern[str], ...] = ()
    headline: HtmlPick | None = None
    title_strip: re.Pattern[str] | None = None
    byline: re.Pattern[str] | None = None
    byline_within: int = 3
    aggregator_date: re.Pattern[str] | None = None
    source_lines: re.Pattern[str] | None = None
    source_max_outlets: int = 2
    page_dates: bool = True                   # trust the page's own date metadata as `published`
    original_from: tuple[str, ...] = ("canonical", "og:url", "link", "source-line", "promo", "slug")
    promo: tuple[re.Pattern[str], ...] = ()
    link_text: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_LINK_TEXT))
    slugs: Mapping[str, str] = field(default_factory=dict)
    publisher_from_slug: bool = False         # publisher role: the first path segment is a slug
    digest_urls: re.Pattern[str] | None = None
    digest_item: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_DIGEST_ITEM))
    skip_urls: tuple[re.Pattern[str], ...] = ()
    min_words: int = 0
    prune_xpath: tuple[str, ...] = ()         # elements removed before trafilatura sees the page

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, name: str, block: Any, path: str = "rules") -> "SiteRules":
        """Validate one raw ``[rules.NAME]`` block; raise ConfigError naming file, block, field."""
        section = f"rules.{name}"
        if not isinstance(block, dict):
            raise ConfigError("must be a table", path=path, section=section)
        known = {f.name for f in fields(cls)} - {"name", "path"}

        def err(fname: str, msg: str) -> ConfigError:
            return ConfigError(msg, path=path, section=section, field=fname)

        def rx(fname: str, value: Any) -> re.Pattern[str]:
            if not isinstance(value, str):
                raise err(fname, f"must be a regular expression string, not {value!r}")
            try:
                return re.compile(value)
            except re.error as exc:
                raise err(fname, f"{value!r} is not a valid regular expression ({exc})") from None

        def rx_list(fname: str, value: Any) -> tuple[re.Pattern[str], ...]:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise err(fname, f"must be a list of regular expressions, not {value!r}")
            return tuple(rx(fname, v) for v in value)

        def need_group(fname: str, pat: re.Pattern[str], group: str) -> re.Pattern[str]:
            if group not in pat.groupindex:
                raise err(fname, f"{pat.pattern!r} needs a named group (?P<{group}>...)")
            return pat

        def integer(fname: str, value: Any, low: int) -> int:
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise err(fname, f"must be an integer >= {low}, not {value!r}")
            return value

        def boolean(fname: str, value: Any) -> bool:
            if not isinstance(value, bool):
                raise err(fname, f"must be true or false, not {value!r}")
            return value

        values: dict[str, Any] = {"name": name, "path": path}
        promos: list[re.Pattern[str]] = []
        for key, value in block.items():
            if key not in known:
                raise err(key, f"unknown field (known: {', '.join(sorted(known))})")
            if key == "role":
                if value not in ("aggregator", "publisher"):
                    raise err(key, f"must be \"aggregator\" or \"publisher\", not {value!r}")
                values[key] = value
            elif key == "hosts":
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise err(key, f"must be a list of host names, not {value!r}")
                try:
                    values[key] = tuple(parse_host_pattern(v) for v in value)
                except ValueError as exc:
                    raise err(key, str(exc)) from None
            elif key == "publisher":
                if not isinstance(value, str) or not value.strip():
                    raise err(key, f"must be a publisher name, not {value!r}")
                values[key] = value.strip()
            elif key in ("header_end", "title_strip", "digest_urls"):
                values[key] = rx(key, value)
            elif key == "link_text":
                values[key] = rx(key, value)
            elif key == "digest_item":
                pat = need_group(key, rx(key, value), "publisher")
                values[key] = need_group(key, pat, "headline")
            elif key in ("drop_lines", "skip_urls"):
                values[key] = rx_list(key, value)
            elif key == "promo":
                promos.extend(need_group(key, p, "publisher") for p in rx_list(key, value))
            elif key == "byline":
                values[key] = need_group(key, rx(key, value), "author")
            elif key in ("aggregator_date", "source_lines"):
                values[key] = need_group(key, rx(key, value), "date")
            elif key in ("header_max_lines", "byline_within", "source_max_outlets", "min_words"):
                values[key] = integer(key, value, 0)
            elif key in ("page_dates", "publisher_from_slug"):
                values[key] = boolean(key, value)
            elif key == "headline":
                values[key] = _html_pick(value, err)
            elif key == "prune_xpath":
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise err(key, f"must be a list of XPath expressions, not {value!r}")
                for xp in value:
                    _check_xpath(xp, key, err)
                values[key] = tuple(value)
            elif key == "slugs":
                if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                          for k, v in value.items()):
                    raise err(key, f"must be a table of slug = \"Publisher\", not {value!r}")
                values[key] = dict(value)
            elif key == "original_from":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise err(key, f"must be a list of clue names, not {value!r}")
                order: list[str] = []
                for clue in value:
                    if clue.startswith("promo:"):  # DESIGN.md's inline form: "promo:REGEX"
                        promos.append(need_group(key, rx(key, clue[len("promo:"):]), "publisher"))
                        clue = "promo"
                    if clue not in CLUES:
                        raise err(key, f"unknown clue {clue!r} (known: {', '.join(CLUES)})")
                    if clue not in order:
                        order.append(clue)
                values[key] = tuple(order)
            elif key == "normalize_space":
                if value is not True:
                    raise err(key, "whitespace is always normalised before rules match; only true is accepted")
        if promos:
            values["promo"] = tuple(promos)
        return cls(**values)

    # ------------------------------------------------------------------ queries
    def covers(self, url: str) -> bool:
        from .publishers import _split_url
        host, port, path = _split_url(url)
        return any(p.matches(host, port, path) for p in self.hosts)

    def is_dropped(self, line: str) -> bool:
        return any(p.search(line) for p in self.drop_lines)

    def is_digest(self, url: str) -> bool:
        return self.digest_urls is not None and self.digest_urls.search(url) is not None

    def is_skipped(self, url: str) -> bool:
        return any(p.search(url) for p in self.skip_urls)

    @property
    def is_aggregator(self) -> bool:
        return self.role == "aggregator"


def _check_xpath(xp: str, fname: str, err: Any) -> None:
    from lxml import etree  # lxml is light next to trafilatura; only needed to validate

    try:
        etree.XPath(xp)
    except etree.XPathSyntaxError as exc:
        raise err(fname, f"{xp!r} is not a valid XPath expression ({exc})") from None


_SIMPLE_SELECTOR = re.compile(r"""^(?P<tag>[a-zA-Z][\w-]*|\*)(?:\[(?P<attr>[\w:-]+)(?:(?P<op>[\^*$]?=)["'](?P<val>[^"']*)["'])?\])?"""
                              r"""(?:/@(?P<take>[\w:-]+))?$""")


def css_to_xpath(selector: str) -> str | None:
    """DESIGN.md's selector form ``img[alt^="NextImg:"]/@alt`` as XPath (tag, one attribute test
    with = ^= *= $=, an optional ``/@attr``); None for anything richer."""
    m = _SIMPLE_SELECTOR.match(selector.strip())
    if not m:
        return None
    test = ""
    if m["attr"]:
        a, v, op = m["attr"], m["val"], m["op"]
        if op is None:
            test = f"[@{a}]"
        elif op == "=":
            test = f'[@{a}="{v}"]'
        elif op == "^=":
            test = f'[starts-with(@{a}, "{v}")]'
        elif op == "*=":
            test = f'[contains(@{a}, "{v}")]'
        else:
            test = f'[substring(@{a}, string-length(@{a}) - {len(v) - 1}) = "{v}"]'
    return f"//{m['tag']}{test}" + (f"/@{m['take']}" if m["take"] else "")


def _html_pick(value: Any, err: Any) -> HtmlPick:
    if isinstance(value, str):
        value = {"xpath": value}
    if isinstance(value, dict) and "html" in value and "xpath" not in value:
        xp = css_to_xpath(str(value["html"]))
        if xp is None:
            raise err("headline", f"html selector {value['html']!r} is beyond the simple form "
                                  "tag[attr^=\"value\"]/@attr: give an xpath instead")
        value = {**{k: v for k, v in value.items() if k != "html"}, "xpath": xp}
    if not isinstance(value, dict) or not isinstance(value.get("xpath"), str):
        raise err("headline", f"must be {{ xpath = \"...\", strip_prefix = \"...\" }}, not {value!r}")
    extra = set(value) - {"xpath", "strip_prefix"}
    if extra:
        raise err("headline", f"unknown key(s) {', '.join(sorted(extra))} (known: xpath or html, strip_prefix)")
    prefix = value.get("strip_prefix", "")
    if not isinstance(prefix, str):
        raise err("headline", f"strip_prefix must be a string, not {prefix!r}")
    _check_xpath(value["xpath"], "headline", err)
    return HtmlPick(value["xpath"], prefix)


@dataclass
class RuleSet:
    """Every rules block of a config plus the publishers table."""

    rules: dict[str, SiteRules] = field(default_factory=dict)
    publishers: Publishers = field(default_factory=Publishers)

    def by_host(self, url: str) -> SiteRules | None:
        best: tuple[int, SiteRules] | None = None
        from .publishers import _split_url
        host, port, path = _split_url(url)
        for r in self.rules.values():
            for p in r.hosts:
                if p.matches(host, port, path):
                    score = len(p.host) * 10 + len(p.path) * 100 + (1 if p.port is not None else 0)
                    if best is None or score > best[0]:
                        best = (score, r)
        return best[1] if best else None

    def get(self, name: str | None) -> SiteRules | None:
        return self.rules.get(name) if name else None


def load_rules(config: "Config") -> RuleSet:
    """Validate the config's raw rules blocks and read ``[publishers]`` from its rules file."""
    where = str(config.rules_path or config.path)
    rules = {name: SiteRules.from_dict(name, block, where) for name, block in config.rules.items()}
    table: Any = None
    if config.rules_path is not None and Path(config.rules_path).exists():
        try:
            with Path(config.rules_path).open("rb") as fh:
                table = tomllib.load(fh).get("publishers")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot be read ({exc})", path=str(config.rules_path)) from None
    return RuleSet(rules=rules, publishers=Publishers.from_dict(table, where))
