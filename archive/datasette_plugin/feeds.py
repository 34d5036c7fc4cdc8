"""Atom feeds through datasette-atom 0.9, with two gaps of it closed.

datasette-atom renders any query that returns ``atom_id``, ``atom_title`` and ``atom_updated``
(the canned queries ``new_copies``, ``new_copies_on_aggregator`` and ``new_versions`` do) as
``.atom``. Its renderer is wrapped at start-up (:func:`wrap_atom_renderer`) so that:

- links are absolute: ``atom_link`` and the ``href``\\ s in ``atom_content_html`` are archive
  paths (``/-/replay/…``) in SQL, which cannot know the host a reader used; a feed reader needs
  whole URLs (made from the request's own URL, as Datasette's ``absolute_url`` does);
- a feed with no entry is a valid empty feed: datasette-atom takes ``max(atom_updated)`` of the
  rows and answers 500 when there are none (a publisher nobody copied yet);
- the feed's title names what it follows (``New copies of a publisher: Washington Examiner``):
  datasette-atom gives every feed of one canned query its title, so a reader subscribed to two
  publishers would show two feeds of one name.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

_HREF = re.compile(r'(href|src)="(/[^"]*)"')


def _absolute(datasette: Any, request: Any, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("/"):
        return datasette.absolute_url(request, value)
    return value


def _absolute_html(datasette: Any, request: Any, html: Any) -> Any:
    if not isinstance(html, str):
        return html
    return _HREF.sub(lambda m: f'{m.group(1)}="{datasette.absolute_url(request, m.group(2))}"', html)


def feed_title(datasette: Any, request: Any, database: str, query_name: str | None) -> str:
    """The canned query's title, then the parameters it was given (``: Washington Examiner``)."""
    title = query_name or "feed"
    if query_name:
        queries = (datasette.metadata(database=database) or {}).get("queries") or {}
        title = (queries.get(query_name) or {}).get("title") or query_name
    values = [v.strip() for k in request.args.keys() if not k.startswith("_")
              for v in request.args.getlist(k) if v and v.strip()]
    return f"{title}: {', '.join(values)}" if values else title


def _retitle(response: Any, title: str) -> Any:
    from lxml import etree

    root = etree.fromstring(response.body)
    node = root.find("{http://www.w3.org/2005/Atom}title")
    if node is not None:
        node.text = title
        response.body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return response


def empty_feed(datasette: Any, request: Any, database: str, query_name: str | None) -> Any:
    from datasette.utils.asgi import Response
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(request.url)
    fg.link(href=request.url, rel="self")
    fg.title(feed_title(datasette, request, database, query_name))
    fg.updated(dt.datetime.now(dt.timezone.utc))
    return Response(fg.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200)


def wrap_atom_renderer(datasette: Any) -> None:
    """Replace the ``.atom`` renderer datasette-atom registered by :func:`_wrapped` (once)."""
    entry = datasette.renderers.get("atom")
    if entry is None or getattr(entry[0], "_archive_wrapped", False):
        return
    render, can_render = entry
    datasette.renderers["atom"] = (_wrapped(render), can_render)


def _wrapped(render: Callable[..., Any]) -> Callable[..., Any]:
    # the parameter names are the contract: Datasette passes only the arguments a renderer names
    def render_atom(datasette: Any, request: Any, sql: Any, columns: Any, rows: Any, database: Any,
                    table: Any, query_name: Any, view_name: Any, data: Any) -> Any:
        if not rows and {"atom_id", "atom_title", "atom_updated"} <= set(columns):
            return empty_feed(datasette, request, database, query_name)
        fixed = []
        for row in rows:
            d = {c: row[c] for c in columns}
            if "atom_link" in d:
                d["atom_link"] = _absolute(datasette, request, d["atom_link"])
            if "atom_content_html" in d:
                d["atom_content_html"] = _absolute_html(datasette, request, d["atom_content_html"])
            fixed.append(d)
        response = render(datasette=datasette, request=request, sql=sql, columns=columns, rows=fixed,
                          database=database, table=table, query_name=query_name, view_name=view_name, data=data)
        if query_name and getattr(response, "status", None) == 200:
            response = _retitle(response, feed_title(datasette, request, database, query_name))
        return response

    render_atom._archive_wrapped = True  # type: ignore[attr-defined]
    return render_atom
