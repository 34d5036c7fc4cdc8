"""Which rules block applies to a page: the config's typed ``[rules.NAME]`` blocks
(:class:`~archive.config.SiteRules`, checked when the config loads) and its publisher names,
looked up by name or by the page's host.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..attribution import Publishers, split_url
from ..config.rules import SiteRules

if TYPE_CHECKING:
    from ..config import Config


@dataclass
class RuleSet:
    """Every rules block of a config plus the publishers table."""

    rules: dict[str, SiteRules] = field(default_factory=dict)
    publishers: Publishers = field(default_factory=Publishers)

    def by_host(self, url: str) -> SiteRules | None:
        """The block whose ``hosts`` cover ``url`` most specifically (a path prefix over a
        host, a longer host over a shorter, a port over none), or None."""
        best: tuple[int, SiteRules] | None = None
        host, port, path = split_url(url)
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
    """The config's rules blocks and ``[publishers]`` table (both typed by the config layer)."""
    return RuleSet(rules=dict(config.rules), publishers=config.publishers)
