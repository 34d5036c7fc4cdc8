"""Watch lists: new copy/original pairs that match a ``[watch.NAME]`` table are POSTed as JSON to
its webhook, at most once per pair and watch.

- :mod:`.match`   which pairs a watch wants (publisher, aggregator, FTS phrase);
- :mod:`.deliver` the JSON body and the POST;
- :mod:`.stage`   the stage the pipeline runs after dedupe: refresh the summary tables
                  (``archive.index.copies``, ``archive.index.daily``), then deliver.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .stage import WatchStats


def run_watch(*args: Any, **kwargs: Any) -> "WatchStats":
    from .stage import run_watch as run

    return run(*args, **kwargs)


__all__ = ["run_watch"]
