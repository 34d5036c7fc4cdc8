"""Publisher names: one canonical name for every spelling a page uses.

"THE WASHINGTON EXAMINER", "Washington Examiner", "washingtonexaminer.com" and the feed slug
``waexaminer`` are one publisher. The table is data: ``[publishers."NAME"]`` blocks in the rules
file, each with ``aliases`` (other spellings) and ``hosts`` (``host``, ``host:port`` or
``host[:port]/path/`` prefixes; a host entry also covers its subdomains, one without a port any
port).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DOMAINISH = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:/.*)?$", re.I)


def name_key(name: str) -> str:
    """Comparison key of a publisher name: case-folded, leading "the" and punctuation dropped."""
    k = name.casefold().strip()
    if k.startswith("the "):
        k = k[4:]
    return _NON_ALNUM.sub("", k)


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


def _split_url(url: str) -> tuple[str, int | None, str]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or "").lower().removeprefix("www."), port, parts.path or "/"


@dataclass
class Publishers:
    """Canonical publisher names, looked up by spelling or by URL."""

    names: dict[str, str] = field(default_factory=dict)  # name_key -> canonical name
    hosts: list[tuple[HostPattern, str]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, table: Any, path: str = "rules") -> "Publishers":
        pubs = cls()
        if table is None:
            return pubs
        if not isinstance(table, dict):
            raise ConfigError("must be tables [publishers.\"NAME\"]", path=path, section="publishers")
        for name, block in table.items():
            section = f"publishers.{name}"
            if not isinstance(block, dict):
                raise ConfigError("must be a table with aliases and hosts", path=path, section=section)
            for key in block:
                if key not in ("aliases", "hosts"):
                    raise ConfigError("unknown field (known: aliases, hosts)", path=path, section=section, field=key)
            pubs.names[name_key(name)] = name
            for fname in ("aliases", "hosts"):
                value = block.get(fname, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"must be a list of strings, not {value!r}", path=path, section=section,
                                      field=fname)
            for alias in block.get("aliases", []):
                pubs.names[name_key(alias)] = name
            for h in block.get("hosts", []):
                try:
                    pubs.hosts.append((parse_host_pattern(h), name))
                except ValueError as exc:
                    raise ConfigError(str(exc), path=path, section=section, field="hosts") from None
        # longest path prefixes first, so host/path entries win over bare hosts
        pubs.hosts.sort(key=lambda hp: (len(hp[0].path), hp[0].port is not None), reverse=True)
        return pubs

    def by_url(self, url: str) -> str | None:
        host, port, path = _split_url(url)
        for pattern, name in self.hosts:
            if pattern.matches(host, port, path):
                return name
        return None

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
