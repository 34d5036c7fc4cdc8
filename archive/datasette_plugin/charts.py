"""``/-/archive-charts``: copies per day per publisher (stacked bars) and a lag histogram,
drawn as inline SVG generated here (no JavaScript, no charting plugin), inside Datasette's own
page frame (``archive_charts.html`` extends its ``base.html``: header, menu, footer).

A copy's day is the date the aggregator shows on it (``aggregator_date``), else the day it was
captured; its publisher is the one it names, else the original's site name or host. Both charts
read the summary tables (``copy_days``, ``copy_edges``: see :mod:`archive.index.copies`), not
the pairs: a few hundred rows at any archive size."""
from __future__ import annotations

from typing import Any, Sequence
from xml.sax.saxutils import escape

from ..index.copies import LAG_BINS as COPY_LAG_BINS
from .settings import ARCHIVE_DB

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
# Lag bins: (label, lower bound in seconds inclusive, upper bound exclusive), as the summary counts them
LAG_BINS: tuple[tuple[str, float, float], ...] = tuple((label, lo, hi) for _, lo, hi, label in COPY_LAG_BINS)

COPIES_SQL = "select day, publisher, copies from copy_days order by day, publisher"
BINS_SQL = ("select " + ", ".join(f"coalesce(sum({c}), 0)" for c, _, _, _ in COPY_LAG_BINS)
            + ", coalesce(sum(lag_known), 0) from copy_edges")


def _nice_max(value: int) -> int:
    """An axis top that is a round number divisible by 4 (so the ticks are whole numbers)."""
    if value <= 4:
        return 4
    if value <= 8:
        return 8
    step = 1
    while step * 10 < value:
        step *= 10
    for mult in (1, 2, 4, 8, 10):
        if step * mult >= value and (step * mult) % 4 == 0:
            return step * mult
    return -(-value // 4) * 4


def _axis(x0: int, y0: int, width: int, height: int, top: int) -> list[str]:
    parts = [f'<line x1="{x0}" y1="{y0}" x2="{x0 + width}" y2="{y0}" stroke="#333"/>',
             f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 - height}" stroke="#333"/>']
    for i in range(5):
        value = top * i / 4
        y = y0 - height * i / 4
        label = f"{value:g}"
        parts.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{label}</text>')
        if i:
            parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" stroke="#ddd"/>')
    return parts


def histogram_svg(bins: Sequence[tuple[str, int]], *, title: str, width: int = 640,
                  height: int = 300) -> str:
    """A bar chart of ``(label, count)`` bins."""
    left, bottom, top_pad = 50, 50, 30
    plot_w, plot_h = width - left - 20, height - bottom - top_pad
    top = _nice_max(max((n for _, n in bins), default=0))
    y0 = height - bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="archive-chart lag-histogram">',
             f'<title>{escape(title)}</title>',
             f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>']
    parts += _axis(left, y0, plot_w, plot_h, top)
    slot = plot_w / max(len(bins), 1)
    for i, (label, n) in enumerate(bins):
        h = plot_h * n / top if top else 0
        x = left + i * slot + slot * 0.1
        parts.append(f'<rect x="{x:.1f}" y="{y0 - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                     f'fill="{PALETTE[0]}" data-label="{escape(label)}" data-count="{n}">'
                     f'<title>{escape(label)}: {n}</title></rect>')
        parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{y0 + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(label)}</text>')
        if n:
            parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{y0 - h - 4:.1f}" text-anchor="middle" '
                         f'font-size="10">{n}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" '
                 f'font-size="12">lag (copy time − original publication)</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def stacked_bars_svg(rows: Sequence[tuple[str, str, int]], *, title: str, width: int = 760,
                     height: int = 340) -> str:
    """Stacked bars of ``(day, series, count)`` rows: one bar per day, one colour per series."""
    days = sorted({d for d, _, _ in rows})
    series = sorted({s for _, s, _ in rows})
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    counts: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for d, s, n in rows:
        counts[(d, s)] = counts.get((d, s), 0) + n
        totals[d] = totals.get(d, 0) + n
    legend_h = 18 * ((len(series) + 2) // 3)
    left, bottom, top_pad = 50, 60 + legend_h, 30
    plot_w, plot_h = width - left - 20, height - bottom - top_pad
    top = _nice_max(max(totals.values(), default=0))
    y0 = height - bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="archive-chart copies-per-day">',
             f'<title>{escape(title)}</title>',
             f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>']
    parts += _axis(left, y0, plot_w, plot_h, top)
    slot = min(plot_w / max(len(days), 1), 60.0)
    label_every = max(1, len(days) // 12)
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.1
        y = float(y0)
        for s in series:
            n = counts.get((day, s), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                         f'fill="{colour[s]}" data-day="{escape(day)}" data-series="{escape(s)}" '
                         f'data-count="{n}"><title>{escape(day)} {escape(s)}: {n}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{y0 + 16}" text-anchor="middle" '
                         f'font-size="10">{escape(day[5:] if len(day) == 10 else day)}</text>')
    for i, s in enumerate(series):
        lx = left + (i % 3) * (plot_w / 3)
        ly = y0 + 36 + 18 * (i // 3)
        parts.append(f'<rect x="{lx:.0f}" y="{ly - 10}" width="12" height="12" fill="{colour[s]}"/>')
        parts.append(f'<text x="{lx + 16:.0f}" y="{ly}" font-size="12">{escape(s)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


async def charts_view(datasette: Any, request: Any) -> Any:
    from datasette.utils.asgi import Response

    try:
        db = datasette.get_database(ARCHIVE_DB)
    except KeyError:
        return Response.text("no archive database is served", status=500)
    tables = set(await db.table_names())
    rows: list[tuple[str, str, int]] = []
    bins = [(label, 0) for label, _, _ in LAG_BINS]
    known = 0
    if {"copy_days", "copy_edges"} <= tables:
        rows = [(r["day"], r["publisher"], r["copies"]) for r in (await db.execute(COPIES_SQL)).rows]
        counts = list((await db.execute(BINS_SQL)).rows[0])
        bins = [(label, int(n)) for (label, _, _), n in zip(LAG_BINS, counts)]
        known = int(counts[-1])
    context = {
        "copies": sum(n for _, _, n in rows), "known": known,
        "bars": stacked_bars_svg(rows, title="Syndicated copies per day, by original publisher"),
        "hist": histogram_svg(bins, title="Lag of copies behind their originals"),
    }
    html = await datasette.render_template("archive_charts.html", context, request=request, view_name="archive-charts")
    return Response.html(html)
