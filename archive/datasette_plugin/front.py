"""The archive's front page (``/``, in Datasette's own page frame): the who-copies-whom graph,
the 20 newest copies with replay and snapshot links to both sides, a search box over articles,
and links to the feeds, the charts and the tables people read (never the machinery tables).

Everything it shows comes from the summary tables (``copy_edges``, ``copy_index``): two index
reads, however large the archive. Datasette's own instance index stays at ``/.json``.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .settings import ARCHIVE_DB

NEWEST = 20
# the tables offered on the front page, in this order (title from the metadata)
BROWSE = ("articles", "syndication", "versions", "digest_items")


def _row_links(datasette: Any, row: dict[str, Any]) -> dict[str, Any]:
    from ..replay import to_timestamp14
    from .links import replay_path, snapshot_path

    out = dict(row)
    for side, when in (("copy", row.get("copied")), ("original", row.get("original_captured"))):
        ts = to_timestamp14(when)
        url = row[f"{side}_url"]
        out[f"{side}_replay"] = datasette.urls.path(replay_path(ts, url)) if ts else None
        out[f"{side}_snapshot"] = datasette.urls.path(snapshot_path(ts, url)) if ts else None
    return out


def feed_href(datasette: Any, kind: str, name: str, fmt: str = "") -> str:
    query = "new_copies" if kind == "publisher" else "new_copies_on_aggregator"
    return datasette.urls.path(f"/{ARCHIVE_DB}/{query}{fmt}?" + urlencode({kind: name}))


async def front_data(datasette: Any) -> dict[str, Any]:
    from ..index import copies

    db = datasette.get_database(ARCHIVE_DB)
    tables = set(await db.table_names())
    if not {"copy_index", "copy_edges"} <= tables:
        return {"edges": [], "newest": [], "pairs": 0}

    def read(conn: Any) -> dict[str, Any]:
        edges = copies.edges(conn)
        return {"edges": edges, "newest": copies.newest(conn, NEWEST), "pairs": sum(e["copies"] for e in edges)}

    data: dict[str, Any] = await db.execute_fn(read)
    data["newest"] = [_row_links(datasette, r) for r in data["newest"]]
    return data


async def front_view(datasette: Any, request: Any) -> Any:
    from datasette.utils.asgi import Response

    from .graph import graph_svg, lag_label

    try:
        data = await front_data(datasette)
    except KeyError:
        return Response.text("no archive database is served", status=500)
    meta = datasette.metadata(database=ARCHIVE_DB) or {}
    titles = {t: (c or {}).get("title") or t for t, c in (meta.get("tables") or {}).items()}
    svg = graph_svg(data["edges"], href=lambda kind, name: None if name.startswith("other ")
                    else feed_href(datasette, kind, name))
    context = {
        "title": datasette.metadata("title") or "Syndication Archive",
        "description_html": datasette.metadata("description_html") or "",
        "graph_svg": svg, "pairs": data["pairs"], "newest": data["newest"], "lag_label": lag_label,
        "feed_href": lambda kind, name: feed_href(datasette, kind, name, ".atom"),
        "search_action": datasette.urls.path(f"/{ARCHIVE_DB}/search_articles"),
        "browse": [(titles.get(t, t), datasette.urls.table(ARCHIVE_DB, t)) for t in BROWSE],
        "database_href": datasette.urls.database(ARCHIVE_DB),
        "charts_href": datasette.urls.path("/-/archive-charts"),
        "all_feed": datasette.urls.path(f"/{ARCHIVE_DB}/new_copies.atom"),
    }
    html = await datasette.render_template("archive_front.html", context, request=request, view_name="index")
    return Response.html(html)
