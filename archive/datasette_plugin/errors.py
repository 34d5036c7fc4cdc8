"""Client errors (404, 400, 403) answered without Datasette 0.65's default exception handler.

That handler calls ``rich``'s ``print_exception`` whenever rich is installed (it is, for the
CLI); called outside an ``except`` block — which Datasette does for every unmatched path, e.g.
``/-/x/../archive.db`` — rich raises, and the client gets ``500 Internal Server Error`` instead
of a 404 (with a traceback and its locals in the server log for every bad URL). The hook wrapper
in the plugin replaces the result for client errors with this response: the same error page or
JSON, no traceback. Server errors (5xx) still go through Datasette's own handler.
"""
from __future__ import annotations

from typing import Any


def client_error_status(exception: BaseException) -> int | None:
    """The HTTP status of a client error Datasette raised, else None."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    status: Any = None
    if isinstance(exception, Base400):
        status = exception.status
    elif isinstance(exception, DatasetteError):
        status = exception.status
    return int(status) if isinstance(status, int) and 400 <= status < 500 else None


def client_error_response(datasette: Any, request: Any, exception: BaseException, status: int) -> Any:
    """An async callable giving Datasette's own error page (HTML) or JSON for ``.json``."""
    from datasette.utils.asgi import Response
    from datasette.views.base import DatasetteError
    from markupsafe import Markup

    title = None
    message: Any = exception.args[0] if exception.args else str(status)
    if isinstance(exception, DatasetteError):
        message, title = exception.message, exception.title
        if exception.message_is_html:
            message = Markup(message)
    info = {"ok": False, "error": message, "status": status, "title": title}

    async def respond() -> Any:
        if request.path.split("?")[0].endswith(".json"):
            return Response.json({**info, "error": str(message)}, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        html = await template.render_async(dict(info, urls=datasette.urls,
                                                app_css_hash=datasette.app_css_hash(),
                                                menu_links=lambda: []))
        return Response.html(html, status=status)

    return respond
