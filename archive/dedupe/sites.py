"""What dedupe knows about sites, for telling a copy from its original.

Three sources, in the order the direction rules trust them (``direction.py``):

* the **registry** (configuration, read and checked once when the config loads, by
  ``archive/config/registry.py``): hosts of publishers' own pages (``[known_publishers]`` in the
  rules file, ``role = "publisher"`` rules blocks, ``[dedupe] known_publishers``), hosts of
  aggregators (``[settings]``/``[dedupe] known_aggregators``, ``role = "aggregator"`` rules
  blocks), and the names each host answers to (``[known_publishers]`` values, the aliases of
  ``[publishers."NAME"]`` blocks): "Source: AP" names apnews.com only through such a list;
* **learned roles**: a host that was the copy side of at least ``learn_min_pairs`` pairs decided
  by attribution (the copy named its original), and the original side of at most a fifth as
  many, copies for a living — an aggregator, until the registry says otherwise;
* nothing else: a host neither lists nor the archive taught stays unknown.

Host patterns are ``host``, ``host:port`` or ``host[:port]/path/`` (a host covers its
subdomains; a pattern without a port covers every port), as in the rules file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import urlsplit

from .normalize import host_key, name_key, name_variants

if TYPE_CHECKING:
    import sqlite3

    from .meta import Meta
    from .params import DedupeParams

PUBLISHER, AGGREGATOR = "publisher", "aggregator"


@dataclass(frozen=True)
class Pattern:
    host: str
    port: int | None
    path: str

    @staticmethod
    def parse(text: str) -> "Pattern":
        raw = text.strip().lower()
        if "://" in raw:
            raw = raw.split("://", 1)[1]
        hostport, _, path = raw.partition("/")
        host, _, port = hostport.partition(":")
        host = host.removeprefix("www.").rstrip(".")
        if not host or (port and not port.isdigit()):
            raise ValueError(f"{text!r} is not host, host:port or host/path")
        return Pattern(host, int(port) if port else None, "/" + path if path else "")

    def matches(self, host: str, port: int | None, path: str) -> bool:
        if self.port is not None and port != self.port:
            return False
        return not self.path or path.startswith(self.path)


def _where(url: str) -> tuple[str, int | None, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return host_key(url), None, "/"
    return (parts.hostname or "").lower().removeprefix("www.").rstrip("."), port, parts.path or "/"


class _Table:
    """Host patterns → values, looked up by the host and each parent domain of a URL."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        self.by_host: dict[str, list[tuple[Pattern, Any]]] = {}
        for text, value in items:
            pat = Pattern.parse(text)
            self.by_host.setdefault(pat.host, []).append((pat, value))
        for pats in self.by_host.values():  # a longer path, then a port, is more specific
            pats.sort(key=lambda pv: (len(pv[0].path), pv[0].port is not None), reverse=True)

    def find(self, url: str) -> list[Any]:
        if not self.by_host:
            return []
        host, port, path = _where(url)
        labels = host.split(".")
        out = []
        for k in range(len(labels)):
            for pat, value in self.by_host.get(".".join(labels[k:]), ()):
                if pat.matches(host, port, path):
                    out.append(value)
        return out


def _url_of(m: "Meta") -> str:
    return m.url if "://" in (m.url or "") else f"http://{m.site or m.url}/"


@dataclass
class Sites:
    """The registry and the learned roles, with lookups by article (cached per article)."""
    publishers: _Table
    aggregators: tuple[str, ...]
    names_table: _Table
    learned: dict[str, int] = field(default_factory=dict)  # host -> attributed pairs as the copy
    stored: dict[str, tuple[int, int]] = field(default_factory=dict)  # host -> (as copy, as original)
    min_pairs: int = 3
    _roles: dict[int, str | None] = field(default_factory=dict)
    _names: dict[int, set[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, p: "DedupeParams") -> "Sites":
        return cls(_Table((h, PUBLISHER) for h in p.known_publishers), p.known_aggregators,
                   _Table((h, names) for h, names in p.site_names), min_pairs=p.learn_min_pairs)

    def role(self, m: "Meta") -> str | None:
        """``publisher`` or ``aggregator`` by the registry; None when unlisted (or listed as both)."""
        if m.id in self._roles:
            return self._roles[m.id]
        agg = _on_aggregator(m.host, self.aggregators)
        pub = bool(self.publishers.find(_url_of(m)))
        role = None if agg == pub else (AGGREGATOR if agg else PUBLISHER)
        self._roles[m.id] = role
        return role

    def names(self, m: "Meta") -> set[str]:
        """Every name the article's site answers to: its own (host labels, site name) and the
        registry's for its host, each with its plain variants."""
        got = self._names.get(m.id)
        if got is None:
            got = set(m.names)
            for names in self.names_table.find(_url_of(m)):
                for n in names:
                    got |= name_variants(name_key(n))
            self._names[m.id] = got
        return got

    def learned_aggregator(self, m: "Meta") -> int:
        """Attributed pairs the article's host was the copy in, when that makes it an aggregator
        (see module doc); else 0."""
        n = self.learned.get(m.host, 0)
        return n if n >= self.min_pairs else 0

    def learn(self, extra: Iterable[tuple[str, str]] = ()) -> None:
        """Set the learned roles from the stored counts (:func:`learn_from_db`) plus ``extra``
        (copy site, original site) pairs decided by attribution and not stored yet."""
        counts = {h: list(c) for h, c in self.stored.items()}
        for copy_site, orig_site in extra:
            counts.setdefault(host_key(copy_site), [0, 0])[0] += 1
            counts.setdefault(host_key(orig_site), [0, 0])[1] += 1
        self.learned = {h: c for h, (c, o) in counts.items() if c >= self.min_pairs and 5 * o <= c}


def _on_aggregator(host: str, aggregators: tuple[str, ...]) -> bool:
    for agg in aggregators:
        agg = agg.lower().removeprefix("www.")
        if host == agg or host.endswith("." + agg):
            return True
    return False


def learn_from_db(conn: "sqlite3.Connection", sites: Sites) -> None:
    """Load the counts of the stored attributed pairs by host, and learn from them alone."""
    from ..index.syndication import attributed_sites

    sites.stored = {h: (c, o) for h, c, o in attributed_sites(conn)}
    sites.learn()
