"""Whom a page credits, below every stage: the crawl reads it to decide which off-host links it
follows as originals, extraction to decide whom a copy credits, the config layer to type the
rules file's ``[publishers]`` table; none of them imports another for it.

- :data:`DEFAULT_LINK_TEXT`: anchor text that names the original ("Read the original at …",
  "Source: …", "Continue reading", "via …"); a rules block's ``link_text`` replaces it.
- :class:`HostPattern` / :func:`parse_host_pattern` / :func:`split_url`: one ``hosts`` entry
  (``host``, ``host:port`` or ``host[:port]/path/``; a host also covers its subdomains, no port
  any port) and the parts of a URL it is compared with.
- :class:`Publishers`: the ``[publishers."NAME"]`` table, validated once: canonical names for
  every spelling ("THE WASHINGTON EXAMINER", "washingtonexaminer.com" and the feed slug
  ``waexaminer`` are one publisher) and, in :class:`PublisherHosts`, which publisher a URL is on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_LINK_TEXT = (r"(?i)\b(?:source|original(?:ly)?|read (?:the )?(?:more|full|original|rest)|"
                     r"full (?:story|article)|continue reading|via)\b")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DOMAINISH = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:/.*)?$", re.I)


@dataclass(frozen=True)
class HostPattern:
    host: str
    port: int | None
    path: str  # "" or a path prefix beginning with "/"

    def matches(self, host: str, port: int | None, path: str) -> bool:
        if not (host == self.host or host.endswith("." + self.host)):
            return False
        if self.port is not None and port != self.port:
            return False
        return path.startswith(self.path) if self.path else True


def parse_host_pattern(text: str) -> HostPattern:
    raw = text.strip()
    if "://" in raw:
        raw = raw.split("://", 1)[1]
    hostport, _, path = raw.partition("/")
    host, _, port = hostport.partition(":")
    host = host.lower().removeprefix("www.")
    if not host or (port and not port.isdigit()):
        raise ValueError(f"{text!r} is not host, host:port or host/path")
    return HostPattern(host, int(port) if port else None, "/" + path if path else "")


def split_url(url: str) -> tuple[str, int | None, str]:
    """(host without ``www.``, port or None, path) of a URL, as host patterns compare them."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower().removeprefix("www."), port, parts.path or "/"


def name_key(name: str) -> str:
    """Comparison key of a publisher name: case-folded, leading "the" and punctuation dropped."""
    k = name.casefold().strip()
    if k.startswith("the "):
        k = k[4:]
    return _NON_ALNUM.sub("", k)


@dataclass(frozen=True)
class PublisherHosts:
    """The ``hosts`` of every ``[publishers."NAME"]`` block: which publisher a URL belongs to."""

    entries: tuple[tuple[HostPattern, str], ...] = ()

    @classmethod
    def from_table(cls, table: Any, path: str = "rules") -> "PublisherHosts":
        """Read a raw ``[publishers]`` table (see :meth:`Publishers.from_dict`)."""
        return Publishers.from_dict(table or None, path).hosts

    @classmethod
    def from_config(cls, config: "_HasPublishers") -> "PublisherHosts":
        """The hosts of a loaded :class:`~archive.config.Config`'s publishers."""
        return config.publishers.hosts

    def publisher_of(self, url: str) -> str | None:
        """The publisher whose host (and path prefix) ``url`` is on, or None."""
        host, port, path = split_url(url)
        for pattern, name in self.entries:
            if pattern.matches(host, port, path):
                return name
        return None


@dataclass(frozen=True)
class Publishers:
    """Canonical publisher names, looked up by spelling or by URL."""

    names: dict[str, str] = field(default_factory=dict)  # name_key -> canonical name
    hosts: PublisherHosts = field(default_factory=PublisherHosts)

    @classmethod
    def from_dict(cls, table: Any, path: str = "rules") -> "Publishers":
        """Validate the raw ``[publishers]`` table of a rules file; a malformed one raises
        ConfigError naming the file, the block and the field."""
        if table is None:
            return cls()
        if not isinstance(table, dict):
            raise ConfigError("must be tables [publishers.\"NAME\"]", path=path, section="publishers")
        names: dict[str, str] = {}
        hosts: list[tuple[HostPattern, str]] = []
        for name, block in table.items():
            section = f"publishers.{name}"
            if not isinstance(block, dict):
                raise ConfigError("must be a table with aliases and hosts", path=path, section=section)
            for key in block:
                if key not in ("aliases", "hosts"):
                    raise ConfigError("unknown field (known: aliases, hosts)", path=path, section=section, field=key)
            names[name_key(name)] = name
            for fname in ("aliases", "hosts"):
                value = block.get(fname, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"must be a list of strings, not {value!r}", path=path, section=section,
                                      field=fname)
            for alias in block.get("aliases", []):
                names[name_key(alias)] = name
            for h in block.get("hosts", []):
                try:
                    hosts.append((parse_host_pattern(h), name))
                except ValueError as exc:
                    raise ConfigError(str(exc), path=path, section=section, field="hosts") from None
        # longest path prefixes first, so host/path entries win over bare hosts
        hosts.sort(key=lambda hp: (len(hp[0].path), hp[0].port is not None), reverse=True)
        return cls(names, PublisherHosts(tuple(hosts)))

    def by_url(self, url: str) -> str | None:
        return self.hosts.publisher_of(url)

    def known(self, name: str) -> bool:
        return name_key(name) in self.names

    def canonical(self, name: str | None) -> str | None:
        """The canonical name for a spelling; a domain maps through ``hosts``; else cleaned up."""
        if name is None:
            return None
        clean = " ".join(name.split()).strip(" .:|-")
        if not clean:
            return None
        hit = self.names.get(name_key(clean))
        if hit:
            return hit
        m = _DOMAINISH.match(clean)
        if m:
            by_host = self.by_url("http://" + m.group(1).lower() + "/")
            if by_host:
                return by_host
            return m.group(1).lower()
        if clean.isupper() and len(clean) > 3:  # "THE DAILY WIRE" -> "The Daily Wire"
            clean = " ".join(w.capitalize() for w in clean.split())
        return clean


class _HasPublishers(Protocol):
    """A loaded config, as far as this module reads it (the config layer imports this one)."""

    @property
    def publishers(self) -> Publishers: ...
