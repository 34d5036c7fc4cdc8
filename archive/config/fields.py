"""The one field validator every config table goes through: a TOML value checked against the
field's declared type, and errors that name the file, the table and the field.

Sources, ``[settings]``, ``[watch.NAME]``, ``[dedupe]`` and ``[rules.NAME]`` blocks all read their
keys here (:func:`read_table` for the plain typed tables, the single-value checks for the
rules blocks' richer fields), so a wrong type reads the same wherever it is written:
``config/sources.toml: sources.am1: depth: must be an integer, not 'two'``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Iterable

from ..errors import ConfigError


@dataclass(frozen=True)
class Where:
    """A table of a config file (``path``: the file, ``section``: ``sources.NAME``, ``dedupe`` …)."""

    path: str
    section: str | None = None

    def error(self, field: str | None, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, section=self.section, field=field)


def known_field(where: Where, key: str, known: Iterable[str], *, listed: bool = True) -> None:
    """Refuse a key that is not one of ``known`` (naming the known ones when ``listed``)."""
    names = set(known)
    if key not in names:
        hint = f" (known: {', '.join(sorted(names))})" if listed else ""
        raise where.error(key, f"unknown field{hint}")


def typed(value: Any, annotation: str, where: Where, name: str) -> Any:
    """``value`` as the field's type (``int``, ``float``, ``bool``, ``str``, ``tuple[str, ...]``,
    each optionally ``| None``); an int is taken for a float, a lone string for a list of one.
    Other annotations pass through unchecked (their table checks them itself)."""
    def bad(expected: str) -> ConfigError:
        return where.error(name, f"must be {expected}, not {value!r}")

    optional = annotation.endswith("| None")
    base = annotation.replace(" | None", "").strip()
    if value is None and optional:
        return None
    if base.startswith("tuple[str"):
        return tuple(strings(value, where, name, "a list of strings"))
    if base == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if base == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    return value


def read_table(cls: type, table: dict[str, Any], where: Where, *, skip: Iterable[str] = (),
               listed: bool = True) -> dict[str, Any]:
    """The keys of a TOML table as ``cls``'s typed fields (none of ``skip``): unknown keys and
    wrong types raise ConfigError; the dataclass defaults fill the rest."""
    known = {f.name: str(f.type) for f in fields(cls) if f.name not in set(skip)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        known_field(where, key, known, listed=listed)
        values[key] = typed(value, known[key], where, key)
    return values


def at_least(obj: Any, names: Iterable[str], low: float, where: Where, *, strict: bool = False) -> None:
    """Each named attribute of ``obj`` is ``>= low`` (``> low`` when ``strict``)."""
    for name in names:
        value = getattr(obj, name)
        if value < low or (strict and value == low):
            raise where.error(name, f"must be {'>' if strict else '>='} {low}, not {value!r}")


def strings(value: Any, where: Where, name: str, expected: str) -> list[str]:
    """A list of strings (a lone string is a list of one); else ``must be <expected>``."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.error(name, f"must be {expected}, not {value!r}")
    return value


def integer(value: Any, where: Where, name: str, low: int) -> int:
    """An integer ``>= low``, type and bound in one message."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise where.error(name, f"must be an integer >= {low}, not {value!r}")
    return value


def regex(value: Any, where: Where, name: str, *groups: str) -> re.Pattern[str]:
    """A regular expression that compiles and has each named group of ``groups``."""
    if not isinstance(value, str):
        raise where.error(name, f"must be a regular expression string, not {value!r}")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise where.error(name, f"{value!r} is not a valid regular expression ({exc})") from None
    return _with_groups(pattern, where, name, groups)


def regexes(value: Any, where: Where, name: str, *groups: str) -> tuple[re.Pattern[str], ...]:
    """A list of regular expressions (a lone string is a list of one): all compiled first,
    then each checked for ``groups``."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise where.error(name, f"must be a list of regular expressions, not {value!r}")
    compiled = [regex(v, where, name) for v in value]
    return tuple(_with_groups(p, where, name, groups) for p in compiled)


def _with_groups(pattern: re.Pattern[str], where: Where, name: str, groups: Iterable[str]) -> re.Pattern[str]:
    for group in groups:
        if group not in pattern.groupindex:
            raise where.error(name, f"{pattern.pattern!r} needs a named group (?P<{group}>...)")
    return pattern


def xpath(value: str, where: Where, name: str) -> str:
    """An XPath expression lxml compiles (lxml is light next to trafilatura; imported only
    when a table has one)."""
    from lxml import etree

    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise where.error(name, f"{value!r} is not a valid XPath expression ({exc})") from None
    return value
