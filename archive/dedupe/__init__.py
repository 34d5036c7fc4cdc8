"""Syndication dedupe: which archived articles are copies of which, and how one URL's captures
changed.

What it owns: the dedupe stage. It reads ``articles`` and writes ``syndication`` and
``versions`` through their owners in :mod:`archive.index` (``articles``, ``syndication``,
``versions``); its private state — ``dedupe_state`` and ``dedupe_params`` (:mod:`.state`), the
key runs (:mod:`.keystore`), ``dedupe_failures`` and ``dedupe_sites`` — no other stage reads.
It never imports extract, fetch or warc. Its modules, from the bottom layer up:

* texts and keys: ``normalize``, ``shingles``, ``batchtok``, ``minhash``, ``candidates`` (pair
  codes, buckets), ``keystore`` (the persisted keys), ``sketch`` (a batch's features);
* reworded copies: ``skeleton`` (the reference), ``skelbatch`` (vectorised), ``spincheck``;
* judging a pair: ``verify`` (containment), ``meta``, ``sites``, ``direction``, ``lag``,
  ``diff``, ``decide`` (rows), ``versions``;
* a run: ``params``, ``stats``, ``state``, ``plan``, ``pool``, ``work``, ``propose``, ``spin``,
  ``round``, ``run``.

Public API::

    run_dedupe(data_dir, config, *, progress=None, rebuild=False) -> DedupeStats

Heavy imports (numpy, rensa) happen inside the functions that need them; this package imports
its modules only when a name is asked for.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .run import run_dedupe
    from .stats import DedupeStats

__all__ = ["run_dedupe", "DedupeStats"]
_HOME = {"run_dedupe": "run", "DedupeStats": "stats"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(name)
