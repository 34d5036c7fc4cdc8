"""Which pairs a watch wants.

A pair is ``copy_index``'s row (see :mod:`archive.index.copies`). ``publisher`` compares with the
pair's publisher and ``aggregator`` with the copy's site, both case-insensitively and with
surrounding space ignored (``www.`` dropped from sites, as everywhere hosts are compared);
``phrase`` is an FTS5 phrase found in the copy's or the original's title or text. Every field the
watch gives must match.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    import sqlite3

    from ..config import Watch


def spec(watch: "Watch") -> str:
    """What the watch asks for, as stored in ``watch_state`` (a change restarts the watch)."""
    return json.dumps({"publisher": watch.publisher, "aggregator": watch.aggregator, "phrase": watch.phrase,
                       "webhook": watch.webhook}, sort_keys=True)


def _fold(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _site(value: str | None) -> str:
    v = _fold(value)
    return v[4:] if v.startswith("www.") else v


def matches(watch: "Watch", pairs: Sequence[dict[str, Any]], conn: "sqlite3.Connection") -> list[dict[str, Any]]:
    """The pairs of ``pairs`` the watch wants, in the order given."""
    from ..index.articles import ids_matching
    from ..index.fts import fts_phrase

    keep = list(pairs)
    if watch.publisher:
        want = _fold(watch.publisher)
        keep = [p for p in keep if _fold(p["publisher"]) == want]
    if watch.aggregator:
        site = _site(watch.aggregator)
        keep = [p for p in keep if _site(p["aggregator"]) == site]
    if watch.phrase and keep:
        ids = [int(p[k]) for p in keep for k in ("copy_article_id", "original_article_id")]
        hits = ids_matching(conn, fts_phrase(watch.phrase), ids)
        keep = [p for p in keep if p["copy_article_id"] in hits or p["original_article_id"] in hits]
    return keep
