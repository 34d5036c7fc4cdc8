"""The archive's Datasette plugin (loaded through the ``datasette`` entry point in pyproject).

- ``/-/replay/<YYYYMMDDhhmmss>/<url>``: the archived payload of the nearest capture, streamed
  from the WARC with the recorded content type and sandboxing headers (see :mod:`.replay_view`);
- replay links in the ``captures`` and ``articles`` tables and in canned-query columns whose
  value is a ``/-/replay/`` path;
- ``/-/snapshot/<YYYYMMDDhhmmss>/<url>``: the page as it looked, in ReplayWeb.page over a WACZ
  of the nearest capture's crawl (see :mod:`.snapshot_view`); snapshot links beside the replay
  links in ``captures`` and ``articles``;
- ``/``: the archive's front page (who-copies-whom graph, newest copies, search box; see
  :mod:`.front`); ``/-/archive-charts``: copies per day per publisher and a lag histogram, as
  inline SVG; both inside Datasette's page frame (templates in ``templates/``);
- Atom feeds: datasette-atom's ``.atom`` renderer, wrapped for absolute links and empty feeds
  (see :mod:`.feeds`);
- ``?_search=`` on the tables named in ``plugins: archive: bounded_search`` covers the newest
  1,000 matches, read newest first from the FTS index (Datasette's own plan lists every match
  first: ≈ 250 ms and a 1 s count for a common word at a million articles; see :mod:`.search`);
- client errors (404, 400, 403) answered as such, without Datasette's rich traceback
  (see :mod:`.errors`);
- the archive database is made read-only (``PRAGMA query_only``) and gains the SQL functions
  the canned queries use: ``surt(url)``, ``replay_ts(iso)``, ``replay_path(iso, url)``,
  ``snapshot_path(iso, url)``, ``fts_query(text)`` (user text made safe for MATCH),
  ``html_escape(text)`` and ``lag_text(seconds)``.

The data directory (where ``warcs/`` lies) comes from the plugin config
(``plugins: archive: data_dir:`` in the metadata), else the ``ARCHIVE_DATA`` environment
variable, else the directory of the served ``archive.db``.
"""
from __future__ import annotations

from typing import Any

from datasette import hookimpl

ARCHIVE_DB = "archive"

# the hooks Datasette calls (the app builder is in .app)
__all__ = ["ARCHIVE_DB", "asgi_wrapper", "filters_from_request", "handle_exception", "menu_links",
           "prepare_connection", "register_routes", "render_cell", "startup"]


def _surt(url: Any) -> str | None:
    from ..urls import surt

    return surt(str(url)) if url else None


def _replay_ts(iso_ts: Any) -> str | None:
    from ..replay import to_timestamp14

    return to_timestamp14(str(iso_ts)) or None if iso_ts else None


def _path(kind: str) -> Any:
    def path(iso_ts: Any, url: Any) -> str | None:
        from ..replay import to_timestamp14
        from .links import replay_path, snapshot_path

        ts = to_timestamp14(str(iso_ts)) if iso_ts else ""
        if not ts or not url:
            return None
        return (replay_path if kind == "replay" else snapshot_path)(ts, str(url))
    return path


def _fts_query(text: Any) -> str:
    from ..index.fts import fts_query

    return fts_query(None if text is None else str(text))


def _html_escape(text: Any) -> str:
    from markupsafe import escape

    return "" if text is None else str(escape(str(text)))


def _lag_text(seconds: Any) -> str:
    from ..watch.deliver import lag_text

    return lag_text(None if seconds is None else float(seconds))


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    conn.create_function("surt", 1, _surt, deterministic=True)
    conn.create_function("replay_ts", 1, _replay_ts, deterministic=True)
    conn.create_function("replay_path", 2, _path("replay"), deterministic=True)
    conn.create_function("snapshot_path", 2, _path("snapshot"), deterministic=True)
    conn.create_function("fts_query", 1, _fts_query, deterministic=True)
    conn.create_function("html_escape", 1, _html_escape, deterministic=True)
    conn.create_function("lag_text", 1, _lag_text, deterministic=True)
    if database == ARCHIVE_DB:
        # Read-only: canned write queries and anything else fail. Not for _internal, which
        # Datasette itself writes.
        conn.execute("PRAGMA query_only = 1")


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    from .charts import charts_view
    from .front import front_view
    from .replay_view import replay_view
    from .snapshot_view import replay_index_view, rwp_asset_view, snapshot_view, wacz_view

    return [
        (r"^/$", front_view),  # plugin routes come before Datasette's own: this is the index page
        (r"^/-/replay/(?P<rest>.*)$", replay_view),
        (r"^/-/snapshot/(?P<rest>.*)$", snapshot_view),
        (r"^/-/snapshot-wacz/(?P<name>[^/]+)$", wacz_view),
        (r"^/-/snapshot-rwp/replay/$", replay_index_view),
        (r"^/-/snapshot-rwp/(?:replay/)?(?P<name>ui\.js|sw\.js)$", rwp_asset_view),
        (r"^/-/archive-charts$", charts_view),
    ]


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    from .links import replay_cell, snippet_cell

    if column == "snippet":
        return snippet_cell(value)
    return replay_cell(row, value, column, table, database, datasette)


@hookimpl
def startup(datasette: Any) -> None:
    from .feeds import wrap_atom_renderer

    wrap_atom_renderer(datasette)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    from .search import bounded_search_wrapper

    return bounded_search_wrapper(datasette)


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    from .search import bounded_search_filter

    return bounded_search_filter(request, database, table, datasette)


@hookimpl(hookwrapper=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """404/400/403 answered as such (Datasette's default handler turns them into a 500 when
    rich is installed, see :mod:`.errors`); anything else left to Datasette."""
    from .errors import client_error_response, client_error_status

    outcome = yield
    status = client_error_status(exception)
    if status is not None:
        outcome.force_result([client_error_response(datasette, request, exception, status)])


@hookimpl
def menu_links(datasette: Any, actor: Any, request: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.instance(), "label": "Archive front page"},
            {"href": datasette.urls.path("/-/archive-charts"), "label": "Archive charts"}]
