"""Syndication dedupe: copy/original pairs among archived articles, and versions of one URL.

Public API::

    run_dedupe(data_dir, config, *, progress=None, rebuild=False) -> DedupeStats

Heavy imports (numpy, rensa) happen inside the functions that need them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .run import DedupeStats, run_dedupe

__all__ = ["run_dedupe", "DedupeStats"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import run

        return getattr(run, name)
    raise AttributeError(name)
