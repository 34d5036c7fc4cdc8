"""Per-site rules: one ``[rules.NAME]`` TOML block per site, typed and checked at load time.

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

Whitespace is normalised (NBSP and runs of spaces → one space, stripped) before any pattern runs
(extraction does that; this module only types the block). The crawl reads ``link_text`` and the
extraction stage everything, both from the typed :class:`SiteRules`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from ..attribution import DEFAULT_LINK_TEXT, HostPattern, parse_host_pattern, split_url
from .fields import Where, integer, regex, regexes, strings, typed, xpath

CLUES = ("canonical", "og:url", "link", "source-line", "promo", "slug")
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

    @classmethod
    def from_dict(cls, name: str, block: Any, path: str = "rules") -> "SiteRules":
        """Validate one raw ``[rules.NAME]`` block; raise ConfigError naming file, block, field."""
        return parse_rules(name, block, path)

    def covers(self, url: str) -> bool:
        host, port, path = split_url(url)
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

    @property
    def own_link_text(self) -> str | None:
        """The block's own ``link_text`` pattern, or None where it keeps the shared default."""
        pattern = self.link_text.pattern
        return None if pattern == DEFAULT_LINK_TEXT else pattern


# ---------------------------------------------------------------------- one parser per field kind
Parse = Callable[[Any, Where, str], Any]


def _role(value: Any, where: Where, name: str) -> str:
    if value not in ("aggregator", "publisher"):
        raise where.error(name, f"must be \"aggregator\" or \"publisher\", not {value!r}")
    return str(value)


def _hosts(value: Any, where: Where, name: str) -> tuple[HostPattern, ...]:
    listed = strings(value, where, name, "a list of host names")
    try:
        return tuple(parse_host_pattern(v) for v in listed)
    except ValueError as exc:
        raise where.error(name, str(exc)) from None


def _publisher(value: Any, where: Where, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(name, f"must be a publisher name, not {value!r}")
    return value.strip()


def _prune_xpath(value: Any, where: Where, name: str) -> tuple[str, ...]:
    listed = strings(value, where, name, "a list of XPath expressions")
    return tuple(xpath(xp, where, name) for xp in listed)


def _slugs(value: Any, where: Where, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise where.error(name, f"must be a table of slug = \"Publisher\", not {value!r}")
    return dict(value)


def _headline(value: Any, where: Where, name: str) -> HtmlPick:
    if isinstance(value, str):
        value = {"xpath": value}
    if isinstance(value, dict) and "html" in value and "xpath" not in value:
        xp = css_to_xpath(str(value["html"]))
        if xp is None:
            raise where.error(name, f"html selector {value['html']!r} is beyond the simple form "
                                    "tag[attr^=\"value\"]/@attr: give an xpath instead")
        value = {**{k: v for k, v in value.items() if k != "html"}, "xpath": xp}
    if not isinstance(value, dict) or not isinstance(value.get("xpath"), str):
        raise where.error(name, f"must be {{ xpath = \"...\", strip_prefix = \"...\" }}, not {value!r}")
    extra = set(value) - {"xpath", "strip_prefix"}
    if extra:
        raise where.error(name, f"unknown key(s) {', '.join(sorted(extra))} (known: xpath or html, strip_prefix)")
    prefix = value.get("strip_prefix", "")
    if not isinstance(prefix, str):
        raise where.error(name, f"strip_prefix must be a string, not {prefix!r}")
    return HtmlPick(xpath(value["xpath"], where, name), prefix)


def _original_from(value: Any, where: Where, name: str) -> tuple[tuple[str, ...], list[re.Pattern[str]]]:
    """The clue order, and the promo patterns given inline as ``"promo:REGEX"`` (DESIGN.md's form)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.error(name, f"must be a list of clue names, not {value!r}")
    order: list[str] = []
    promos: list[re.Pattern[str]] = []
    for clue in value:
        if clue.startswith("promo:"):
            promos.append(regex(clue[len("promo:"):], where, name, "publisher"))
            clue = "promo"
        if clue not in CLUES:
            raise where.error(name, f"unknown clue {clue!r} (known: {', '.join(CLUES)})")
        if clue not in order:
            order.append(clue)
    return tuple(order), promos


def _at_least_zero(value: Any, where: Where, name: str) -> int:
    return integer(value, where, name, 0)


def _groups(*names: str) -> Parse:
    return lambda value, where, name: regex(value, where, name, *names)


_FIELDS: dict[str, Parse] = {
    "role": _role, "hosts": _hosts, "publisher": _publisher, "headline": _headline,
    "prune_xpath": _prune_xpath, "slugs": _slugs,
    "header_end": regex, "title_strip": regex, "digest_urls": regex, "link_text": regex,
    "digest_item": _groups("publisher", "headline"), "byline": _groups("author"),
    "aggregator_date": _groups("date"), "source_lines": _groups("date"),
    "drop_lines": regexes, "skip_urls": regexes,
    "header_max_lines": _at_least_zero, "byline_within": _at_least_zero,
    "source_max_outlets": _at_least_zero, "min_words": _at_least_zero,
    "page_dates": lambda value, where, name: typed(value, "bool", where, name),
    "publisher_from_slug": lambda value, where, name: typed(value, "bool", where, name),
}


def parse_rules(name: str, block: Any, path: str = "rules") -> SiteRules:
    """One raw ``[rules.NAME]`` block as :class:`SiteRules` (``path``: the file it is in)."""
    where = Where(path, f"rules.{name}")
    if not isinstance(block, dict):
        raise where.error(None, "must be a table")
    known = sorted({f.name for f in fields(SiteRules)} - {"name", "path"})
    values: dict[str, Any] = {"name": name, "path": path}
    promos: list[re.Pattern[str]] = []  # from `promo` and from original_from's inline form
    for key, value in block.items():
        if key not in known:
            raise where.error(key, f"unknown field (known: {', '.join(known)})")
        if key == "promo":
            promos.extend(regexes(value, where, key, "publisher"))
        elif key == "original_from":
            values[key], inline = _original_from(value, where, key)
            promos.extend(inline)
        else:
            values[key] = _FIELDS[key](value, where, key)
    if promos:
        values["promo"] = tuple(promos)
    return SiteRules(**values)


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
