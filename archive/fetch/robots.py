"""robots.txt: parse (groups, Allow/Disallow with ``*`` and ``$``, Crawl-delay) and decide.

The rule that matches the longest path pattern wins; on a tie Allow wins (RFC 9309). How a
missing or failing robots.txt is treated is decided by :func:`policy_for_status`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB


@dataclass
class Rule:
    allow: bool
    pattern: str
    regex: "_Glob"


@dataclass
class Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


class _Glob:
    """A robots.txt path pattern (``*`` wildcards, ``$`` end anchor) matched without
    backtracking: each literal piece is found leftmost after the previous one. (The regex
    ``/.*a.*a.*a…`` it replaces backtracked polynomially: ``Disallow: /*a*a*a*a*a*a*b`` against
    a 200-character path did not finish in a minute, and it runs for every URL of the host.)"""

    __slots__ = ("parts", "anchored")

    def __init__(self, pattern: str) -> None:
        self.anchored = pattern.endswith("$")
        body = pattern[:-1] if self.anchored else pattern
        self.parts = body.split("*")  # parts[0] is a prefix; the rest follow wildcards

    def match(self, path: str) -> bool:
        parts = self.parts
        first = parts[0]
        if not path.startswith(first):
            return False
        if len(parts) == 1:
            return not self.anchored or path == first
        pos = len(first)
        middle, last = parts[1:-1], parts[-1]
        for piece in middle:
            if piece:
                found = path.find(piece, pos)
                if found < 0:
                    return False
                pos = found + len(piece)
        if self.anchored:
            return len(path) - len(last) >= pos and path.endswith(last)
        return path.find(last, pos) >= 0


def _compile(pattern: str) -> _Glob:
    return _Glob(pattern)


def _norm_path(path: str) -> str:
    # compare percent-decoded paths (RFC 9309 §2.2.2), keeping reserved escapes as they are
    try:
        return unquote(path)
    except Exception:  # pragma: no cover - unquote does not raise on str
        return path


@dataclass
class Robots:
    """A parsed robots.txt; ``allow_all``/``disallow_all`` build the two fixed policies."""

    groups: list[Group] = field(default_factory=list)
    default: bool = True  # the answer when no rule matches (False for "disallow all")
    reason: tuple[str, str] | None = None  # (error kind, detail) when robots.txt itself failed

    @classmethod
    def allow_all(cls) -> "Robots":
        return cls([], True)

    @classmethod
    def disallow_all(cls) -> "Robots":
        return cls([], False)

    @classmethod
    def parse(cls, text: str) -> "Robots":
        groups: list[Group] = []
        current: Group | None = None
        last_was_agent = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or ":" not in line:
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            value = value.strip()
            if key == "user-agent":
                if current is None or not last_was_agent:
                    current = Group()
                    groups.append(current)
                current.agents.append(value.lower())
                last_was_agent = True
                continue
            last_was_agent = False
            if current is None:
                continue
            if key in ("allow", "disallow"):
                if not value:
                    continue  # "Disallow:" (empty) allows everything
                pattern = _norm_path(value)
                if not pattern.startswith("/") and not pattern.startswith("*"):
                    pattern = "/" + pattern
                current.rules.append(Rule(key == "allow", pattern, _compile(pattern)))
            elif key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    current.crawl_delay = delay
        return cls(groups, True)

    def _group(self, user_agent: str) -> Group | None:
        token = user_agent.split("/", 1)[0].strip().lower()
        best: Group | None = None
        best_len = -1
        star: Group | None = None
        for g in self.groups:
            for agent in g.agents:
                if agent == "*":
                    star = star or g
                elif agent and agent in token and len(agent) > best_len:
                    best, best_len = g, len(agent)
        return best or star

    def allowed(self, url: str, user_agent: str) -> bool:
        parts = urlsplit(url)
        path = _norm_path(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return True
        group = self._group(user_agent)
        if group is None:
            return self.default
        best: Rule | None = None
        for rule in group.rules:
            if rule.regex.match(path):
                if best is None or len(rule.pattern) > len(best.pattern) or (
                        len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow):
                    best = rule
        return self.default if best is None else best.allow

    def crawl_delay(self, user_agent: str) -> float | None:
        group = self._group(user_agent)
        return group.crawl_delay if group else None


def policy_for_status(status: int | None, body: bytes) -> Robots:
    """robots.txt from an HTTP outcome: 2xx → parsed; 4xx (missing) → allow all;
    5xx or no answer → disallow all (the host is unreachable or broken: do not guess)."""
    if status is None or status >= 500:
        return Robots.disallow_all()
    if 400 <= status < 500:
        return Robots.allow_all()
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return Robots.parse(text)
    return Robots.allow_all()


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"
