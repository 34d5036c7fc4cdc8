"""Table searches (``?_search=``) over a bounded set: the newest 1,000 matches.

Datasette 0.65 turns ``?_search=`` into ``id in (select rowid from articles_fts where … match …)``:
SQLite then builds the list of every match before it reads a row, 225–260 ms for a word in most
of a million articles (and its count of the matches ≈ 1 s more; no setting turns that off).
The same rows read newest first straight from the FTS index take 0.2 ms. So on the tables named
in ``plugins: archive: bounded_search`` an ASGI wrapper renames ``_search`` to
``_archive_search`` and :func:`bounded_search_filter` (a ``filters_from_request`` hook) selects
``… in (select rowid … match … order by rowid desc limit 1000)``: the newest 1,000 matches,
counted, sorted and paginated as usual; the page says so. User text goes through ``fts_query``
(any text searches, never an FTS5 syntax error). Relevance order is the front page's search
(``search_articles``).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from .settings import ARCHIVE_DB

Asgi = Callable[..., Awaitable[None]]
PARAM = "_archive_search"
BOUND = 1000


def bounded_tables(datasette: Any) -> set[str]:
    config = datasette.plugin_config("archive") or {}
    return {str(t) for t in config.get("bounded_search") or []}


def _table_of(path: str) -> str | None:
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] != ARCHIVE_DB:
        return None
    return parts[1].rsplit(".", 1)[0] if "." in parts[1] else parts[1]


def renamed_query(path: str, query_string: str, tables: set[str]) -> str | None:
    """The query string with ``_search`` renamed, for a search of a bounded table; else None."""
    if _table_of(path) not in tables:
        return None
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not any(k == "_search" for k, _ in pairs):
        return None
    return urlencode([(PARAM if k == "_search" else k, v) for k, v in pairs])


def bounded_search_wrapper(datasette: Any) -> Callable[[Asgi], Asgi]:
    def wrap(app: Asgi) -> Asgi:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                qs = scope.get("query_string", b"").decode("latin-1")
                new = renamed_query(scope.get("path", ""), qs, bounded_tables(datasette))
                if new is not None:
                    scope = dict(scope, query_string=new.encode("latin-1"))
            await app(scope, receive, send)
        return wrapped
    return wrap


def bounded_search_filter(request: Any, database: str, table: str, datasette: Any) -> Any:
    from datasette.filters import FilterArguments
    from datasette.utils import escape_sqlite

    text = request.args.get(PARAM)
    if database != ARCHIVE_DB or table not in bounded_tables(datasette) or text is None:
        return None
    meta = datasette.table_metadata(database, table)
    fts_table, fts_pk = meta.get("fts_table"), meta.get("fts_pk", "rowid")
    if not fts_table:
        return None
    clause = (f"{escape_sqlite(fts_pk)} in (select rowid from {escape_sqlite(fts_table)} "
              f"where {escape_sqlite(fts_table)} match fts_query(:archive_search) "
              f"order by rowid desc limit {BOUND})")
    if not text.strip():
        return FilterArguments([], {}, [], {"search": text, "supports_search": True})
    return FilterArguments([f"fts_query(:archive_search) <> '' and {clause}"], {"archive_search": text},
                           [f'search matches "{text}" (the newest {BOUND:,} matches)'],
                           {"search": text, "supports_search": True})
