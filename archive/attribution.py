"""What marks a link as naming a page's original, below every stage: the crawl reads it to decide
which off-host links it follows as originals, extraction to decide whom a copy credits, and
neither may import the other.

- :data:`DEFAULT_LINK_TEXT`: anchor text that names the original ("Read the original at …",
  "Source: …", "Continue reading", "via …"); a rules block's ``link_text`` replaces it in
  extraction.
- :class:`HostPattern`: one ``hosts`` entry of the ``[publishers."NAME"]`` table (``host``,
  ``host:port`` or ``host[:port]/path/``; a host also covers its subdomains, no port any port).
- :class:`PublisherHosts`: every such entry of a config, looked up by URL.

The same definitions live in ``archive/extract/rules.py`` and ``archive/extract/publishers.py``
(which predate this module); ``tests/test_crawl_originals.py`` checks that the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Config

DEFAULT_LINK_TEXT = (r"(?i)\b(?:source|original(?:ly)?|read (?:the )?(?:more|full|original|rest)|"
                     r"full (?:story|article)|continue reading|via)\b")


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


@dataclass(frozen=True)
class PublisherHosts:
    """The ``hosts`` of every ``[publishers."NAME"]`` block: which publisher a URL belongs to."""

    entries: tuple[tuple[HostPattern, str], ...] = ()

    @classmethod
    def from_table(cls, table: Any, path: str = "rules") -> "PublisherHosts":
        """Read the raw ``[publishers]`` table; a malformed one raises ConfigError naming the
        file, the block and the field."""
        if not table:
            return cls()
        if not isinstance(table, dict):
            raise ConfigError("must be tables [publishers.\"NAME\"]", path=path, section="publishers")
        entries: list[tuple[HostPattern, str]] = []
        for name, block in table.items():
            section = f"publishers.{name}"
            if not isinstance(block, dict):
                raise ConfigError("must be a table with aliases and hosts", path=path, section=section)
            hosts = block.get("hosts", [])
            if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
                raise ConfigError(f"must be a list of strings, not {hosts!r}", path=path, section=section,
                                  field="hosts")
            for h in hosts:
                try:
                    entries.append((parse_host_pattern(h), name))
                except ValueError as exc:
                    raise ConfigError(str(exc), path=path, section=section, field="hosts") from None
        # longest path prefixes first, so host/path entries win over bare hosts
        entries.sort(key=lambda e: (len(e[0].path), e[0].port is not None), reverse=True)
        return cls(tuple(entries))

    @classmethod
    def from_config(cls, config: "Config") -> "PublisherHosts":
        return cls.from_table(config.publishers, str(config.rules_path or config.path))

    def publisher_of(self, url: str) -> str | None:
        """The publisher whose host (and path prefix) ``url`` is on, or None."""
        host, port, path = split_url(url)
        for pattern, name in self.entries:
            if pattern.matches(host, port, path):
                return name
        return None
