"""The summary tables, refreshed together: after each pipeline run (the watch stage), when
Datasette starts (``archive serve``), and by ``archive watch run``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


def refresh_all(db: "sqlite_utils.Database") -> dict[str, Any]:
    """``copy_index`` & co. (first: the daily copies come from it), ``daily_stats``,
    ``articles_recent_fts``."""
    from . import copies, daily, recent

    done = copies.refresh(db)
    return {"copies": done, "daily": daily.refresh(db, done.source_days), "recent": recent.refresh(db)}
