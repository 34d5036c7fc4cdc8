"""Which of two matching articles is the original.

In order: explicit attribution (one names the other's URL, or the other's publisher); then the
configured known aggregators (the one on an aggregator is the copy); then the earlier publication
date (compared at day precision when either is date-only); only then containment — the text more
contained in the other is taken as the copy, stored with ``confidence = 'low'`` (on planted copies
that guess is often wrong: copies add captions and promos).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .meta import Meta


@dataclass
class Direction:
    copy: Meta
    original: Meta
    how: str          # attribution, known-aggregator, date, containment
    confidence: str   # high / low


def points_at(x: Meta, y: Meta) -> bool:
    """Does ``x`` name ``y`` as its original (by URL, or by a publisher that is y's and not x's)?"""
    ok = x.original_key
    if ok and ok == y.key and x.key != y.key:
        return True
    pub = x.publisher_key
    if pub and pub in y.names and pub not in x.names:
        return True
    return False


def on_aggregator(m: Meta, aggregators: tuple[str, ...]) -> bool:
    host = m.host
    for agg in aggregators:
        agg = agg.lower().removeprefix("www.")
        if host == agg or host.endswith("." + agg):
            return True
    return False


def parse_when(value: str | None) -> tuple[dt.datetime, bool] | None:
    """(naive UTC datetime, has_time) of an ISO date or date-time; None when absent or unreadable."""
    if not value:
        return None
    v = value.strip()
    try:
        if len(v) <= 10:
            d = dt.date.fromisoformat(v)
            return dt.datetime(d.year, d.month, d.day), False
        if v.endswith("Z"):
            v = v[:-1] + "+00:00"
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return t, True


def earlier(a: Meta, b: Meta) -> Meta | None:
    """The article published first, or None when the dates are missing or equal."""
    pa, pb = parse_when(a.published), parse_when(b.published)
    if pa is None or pb is None:
        return None
    if pa[1] and pb[1]:
        if pa[0] == pb[0]:
            return None
        return a if pa[0] < pb[0] else b
    da, db_ = pa[0].date(), pb[0].date()
    if da == db_:
        return None
    return a if da < db_ else b


def choose(a: Meta, b: Meta, cont_a: float, cont_b: float,
           aggregators: tuple[str, ...]) -> Direction:
    """Decide the direction of a verified pair. ``cont_a``: share of a's shingles found in b."""
    pa, pb = points_at(a, b), points_at(b, a)
    if pa != pb:
        return Direction(a, b, "attribution", "high") if pa else Direction(b, a, "attribution", "high")
    ga, gb = on_aggregator(a, aggregators), on_aggregator(b, aggregators)
    if ga != gb:
        return Direction(a, b, "known-aggregator", "high") if ga else Direction(b, a, "known-aggregator", "high")
    first = earlier(a, b)
    if first is not None:
        return Direction(b, a, "date", "high") if first is a else Direction(a, b, "date", "high")
    # containment: the text more contained in the other is the copy; ties: later capture, then id
    if cont_a != cont_b:
        copy_is_a = cont_a > cont_b
    elif (a.first_captured or "") != (b.first_captured or ""):
        copy_is_a = (a.first_captured or "") > (b.first_captured or "")
    else:
        copy_is_a = a.id > b.id
    return Direction(a, b, "containment", "low") if copy_is_a else Direction(b, a, "containment", "low")
