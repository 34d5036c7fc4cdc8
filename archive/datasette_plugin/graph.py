"""The who-copies-whom graph of the front page, drawn here as SVG.

Every pair has a copying site (an aggregator, or a publisher that republished) and an original
publisher, so the graph is bipartite: copiers in the left column, publishers in the right, one
edge per (copier, publisher) with width by copies and the median lag as its label. A two-column
layout needs no layout engine, and it reads the same on every render (a force layout moves nodes
between renders). Graphviz would draw it too but adds a system binary and a process per page;
Vega (Vega-Lite has no network marks) would add ≈ 800 KB of script and draw in the browser.

Nodes link to the feeds' canned queries (a publisher's new copies, an aggregator's).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from ..watch.deliver import lag_text as lag_label

MAX_NODES = 14  # per column; the rest is folded into "other …" (figures kept)
MAX_EDGES = 60  # drawn; the smaller ones are counted in a note
MAX_LABELS = 10  # the biggest edges carry their label, each at its own point along its curve
COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac")


def _fold(edges: Sequence[dict[str, Any]], key: str, other: str) -> tuple[list[str], dict[str, str]]:
    """The column's nodes, biggest first, and each name's node (small ones folded into ``other``)."""
    totals: dict[str, int] = {}
    for e in edges:
        totals[e[key]] = totals.get(e[key], 0) + int(e["copies"])
    names = sorted(totals, key=lambda n: (-totals[n], n))
    keep = names if len(names) <= MAX_NODES else names[: MAX_NODES - 1]
    node = {n: (n if n in keep else other) for n in names}
    return keep + ([other] if len(keep) < len(names) else []), node


def merged_edges(edges: Sequence[dict[str, Any]]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(copiers, publishers, edges) with small nodes folded; a folded edge's median is the
    copies-weighted median of its parts' medians (the exact one is in ``copy_edges``)."""
    left, lnode = _fold(edges, "aggregator", "other sites")
    right, rnode = _fold(edges, "publisher", "other publishers")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in edges:
        groups.setdefault((lnode[e["aggregator"]], rnode[e["publisher"]]), []).append(e)
    out: list[dict[str, Any]] = []
    for (a, p), parts in groups.items():
        known = sorted(((e["lag_median"], int(e["lag_known"])) for e in parts if e["lag_median"] is not None))
        half, acc, median = sum(n for _, n in known) / 2, 0, None
        for value, n in known:
            acc += n
            if acc >= half:
                median = value
                break
        out.append({"aggregator": a, "publisher": p, "copies": sum(int(e["copies"]) for e in parts),
                    "lag_median": median})
    out.sort(key=lambda e: (-e["copies"], e["aggregator"], e["publisher"]))
    return left, right, out


def graph_svg(edges: Sequence[dict[str, Any]], *, href: Callable[[str, str], str | None] = lambda k, n: None,
              width: int = 1000) -> str:
    """SVG of ``copy_edges`` rows (aggregator, publisher, copies, lag_known, lag_median)."""
    left, right, merged = merged_edges(edges)
    rows = max(len(left), len(right), 1)
    row_h, top, node_w, node_h = 44, 40, 230, 30
    height = top + rows * row_h + 24
    lx, rx = 10, width - node_w - 10
    ly = {n: top + i * row_h * rows / max(len(left), 1) for i, n in enumerate(left)}
    ry = {n: top + i * row_h * rows / max(len(right), 1) for i, n in enumerate(right)}
    biggest = max((e["copies"] for e in merged), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="archive-graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
             "<title>Who copies whom: copying sites (left) and the publishers they copy (right)</title>",
             f'<text x="{lx}" y="22" font-size="13" font-weight="bold">copying site</text>',
             f'<text x="{rx + node_w}" y="22" font-size="13" font-weight="bold" text-anchor="end">original publisher</text>']
    if not merged:
        parts.append(f'<text x="{width / 2:.0f}" y="{top + 20}" text-anchor="middle" font-size="14">'
                     "no copies found yet</text>")
    colour = {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(right)}
    drawn = merged[:MAX_EDGES]
    if len(merged) > len(drawn):
        rest = merged[len(drawn):]
        parts.append(f'<text x="{width / 2:.0f}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#555">'
                     f'{len(rest)} smaller edges ({sum(e["copies"] for e in rest)} copies) not drawn</text>')
    for rank in reversed(range(len(drawn))):  # the biggest drawn last, on top
        parts.append(_edge(drawn[rank], rank, ly, ry, lx + node_w, rx, node_h, biggest, colour))
    for names, x, ys, kind in ((left, lx, ly, "aggregator"), (right, rx, ry, "publisher")):
        for n in names:
            parts.append(_node(n, x, ys[n], node_w, node_h, kind, href(kind, n)))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(e: dict[str, Any], rank: int, ly: dict[str, float], ry: dict[str, float], x1: float, x2: float,
          node_h: int, biggest: int, colour: dict[str, str]) -> str:
    y1, y2 = ly[e["aggregator"]] + node_h / 2, ry[e["publisher"]] + node_h / 2
    w = 1.5 + 14 * math.sqrt(e["copies"] / biggest)
    mid = (x1 + x2) / 2
    label = lag_label(e["lag_median"])
    text = ""
    if rank < MAX_LABELS:  # labels spread along the curves so that they do not pile up in the middle
        t = 0.12 + 0.76 * rank / (MAX_LABELS - 1)
        x = (1 - t) ** 3 * x1 + 3 * (1 - t) ** 2 * t * mid + 3 * (1 - t) * t ** 2 * mid + t ** 3 * x2
        y = (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t ** 2 * y2 + t ** 3 * y2
        text = (f'<text x="{x:.1f}" y="{y - w / 2 - 3:.1f}" text-anchor="middle" font-size="12" '
                f'paint-order="stroke" stroke="#fff" stroke-width="4">{escape(label)} · {e["copies"]}</text>')
    return (f'<g class="edge" data-aggregator={quoteattr(e["aggregator"])} data-publisher={quoteattr(e["publisher"])} '
            f'data-copies="{e["copies"]}" data-median-lag="{"" if e["lag_median"] is None else e["lag_median"]}">'
            f'<title>{escape(e["aggregator"])} copied {escape(e["publisher"])}: {e["copies"]} copies, '
            f'median lag {escape(label)}</title>'
            f'<path d="M{x1},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2},{y2:.1f}" fill="none" '
            f'stroke="{colour[e["publisher"]]}" stroke-opacity="0.55" stroke-width="{w:.1f}"/>{text}</g>')


def _node(name: str, x: float, y: float, w: int, h: int, kind: str, link: str | None) -> str:
    shown = name if len(name) <= 30 else name[:29] + "…"
    box = (f'<g class="node {kind}" data-name={quoteattr(name)}><rect x="{x}" y="{y:.1f}" width="{w}" height="{h}" '
           f'rx="6" fill="#f4f6f8" stroke="#567"/><text x="{x + w / 2}" y="{y + h / 2 + 4:.1f}" '
           f'text-anchor="middle" font-size="12">{escape(shown)}</text></g>')
    return f"<a href={quoteattr(link)}>{box}</a>" if link else box
