"""The site registry dedupe tells copies from originals by, read from the config once.

* hosts of publishers' own pages: ``role = "publisher"`` rules blocks and the rules file's
  ``[known_publishers]`` table;
* hosts of aggregators: ``role = "aggregator"`` rules blocks (``[settings]`` and ``[dedupe]``
  ``known_aggregators`` are added by :func:`archive.config.dedupe.parse_params`);
* the names each host answers to: ``[known_publishers]`` values, a publisher block's
  ``publisher``, and the aliases of ``[publishers."NAME"]`` blocks ("Source: AP" names apnews.com
  only through such a list).

How dedupe uses it is ``archive/dedupe/sites.py``'s business; this module only reads and checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..attribution import parse_host_pattern
from ..errors import ConfigError

PUBLISHER, AGGREGATOR = "publisher", "aggregator"


@dataclass(frozen=True)
class Registry:
    known_publishers: tuple[str, ...] = ()
    site_names: tuple[tuple[str, tuple[str, ...]], ...] = ()
    known_aggregators: tuple[str, ...] = ()


def registry(blocks: dict[str, Any], rules_data: dict[str, Any] | None, path: str) -> Registry:
    """The registry from the raw rules blocks (already validated) and the rules file's raw
    tables (``rules_data``; None without a rules file); ``path``: the file errors name."""
    pubs: list[str] = []
    aggs: list[str] = []
    names: list[tuple[str, tuple[str, ...]]] = []
    for block in blocks.values():
        hosts = [h for h in block.get("hosts", []) if isinstance(h, str)] if isinstance(block, dict) else []
        role = block.get("role") if isinstance(block, dict) else None
        if role == PUBLISHER:
            pubs.extend(hosts)
            if isinstance(block.get("publisher"), str):
                names.extend((h, (block["publisher"],)) for h in hosts)
        elif role == AGGREGATOR:
            aggs.extend(h.split("/")[0] for h in hosts)
    if rules_data is not None:
        _known_publishers(rules_data.get("known_publishers", {}), path, pubs, names)
        for pname, block in (rules_data.get("publishers") or {}).items():
            if isinstance(block, dict):
                spellings = (pname, *[a for a in block.get("aliases", []) if isinstance(a, str)])
                names.extend((h, spellings) for h in block.get("hosts", []) if isinstance(h, str))
    for host, _ in names:
        _check(host, path, "publishers")
    return Registry(known_publishers=tuple(dict.fromkeys(h.strip().lower() for h in pubs)),
                    site_names=tuple(names), known_aggregators=tuple(dict.fromkeys(a.lower() for a in aggs)))


def _known_publishers(known: Any, path: str, pubs: list[str], names: list[tuple[str, tuple[str, ...]]]) -> None:
    """``[known_publishers]``: ``"host" = "Publisher"`` (or a list of names)."""
    if not isinstance(known, dict):
        raise ConfigError('must be a table of "host" = "Publisher"', path=path, section="known_publishers")
    for host, value in known.items():
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            raise ConfigError(f"must be a publisher name or a list of names, not {value!r}",
                              path=path, section="known_publishers", field=host)
        _check(host, path, "known_publishers")
        pubs.append(host)
        names.append((host, tuple(listed)))


def _check(host: str, path: str, section: str) -> None:
    """A host pattern dedupe's host table can hold: the rules file's form, and not empty once
    ``www.`` and trailing dots are dropped (as ``archive/dedupe/sites.py`` drops them)."""
    try:
        pattern = parse_host_pattern(host)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path, section=section, field=host) from None
    if not pattern.host.rstrip("."):
        raise ConfigError(f"{host!r} is not host, host:port or host/path", path=path, section=section, field=host)
