"""A crawl's scope: which URLs are the source's own pages (followed) and which lie outside.

A scope entry with a ``/`` is a prefix of ``host[:port]/path?query`` (lower-cased); one without
is a whole host. A source that names no scope is scoped to its seeds' hosts.
"""
from __future__ import annotations

from typing import Sequence
from urllib.parse import urlsplit

from ..config import Source
from ..urls import host_of

__all__ = ["scope_entries", "in_scope"]


def scope_entries(source: Source) -> list[str]:
    """The source's scope entries (scheme dropped, lower-cased), or its seeds' hosts."""
    entries = []
    for s in source.scope:
        s = s.strip().lower()
        if "://" in s:
            s = s.split("://", 1)[1]
        if s:
            entries.append(s)
    if not entries:
        entries = sorted({host_of(u) for u in source.seeds})
    return entries


def in_scope(url: str, entries: Sequence[str]) -> bool:
    parts = urlsplit(url)
    host = host_of(url)
    key = host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lkey = key.lower()
    for e in entries:
        if "/" in e:
            if lkey.startswith(e):
                return True
        elif host == e:
            return True
    return False
