"""The delay between an original's publication and its copy's appearance.

The copy appeared at its aggregator date (the date the aggregator shows on its page) or at its
first capture, whichever is known and earlier: when the aggregator date is a bare date and the
first capture fell on that same day, the capture time is used (it is that day, to the second).
The lag is that moment minus the original's publication time, in seconds. Its resolution is
``second`` when both moments carry a time and ``day`` when either is only a date (then the lag is
a whole number of days, in seconds). No original publication date: no lag.
"""
from __future__ import annotations

import datetime as dt

from .direction import parse_when
from .meta import Meta


def copy_moment(copy: Meta) -> tuple[dt.datetime, bool] | None:
    cap = parse_when(copy.first_captured or copy.captured)
    agg = parse_when(copy.aggregator_date)
    if agg is None:
        return cap
    if agg[1]:
        return agg if cap is None or agg[0] <= cap[0] else cap
    if cap is not None and cap[0].date() <= agg[0].date():
        return cap
    return agg


def lag(copy: Meta, original: Meta) -> tuple[int | None, str | None]:
    """(lag_seconds, resolution) — (None, None) when a moment is unknown."""
    c = copy_moment(copy)
    o = parse_when(original.published)
    if c is None or o is None:
        return None, None
    if c[1] and o[1]:
        return int(round((c[0] - o[0]).total_seconds())), "second"
    return (c[0].date() - o[0].date()).days * 86400, "day"
