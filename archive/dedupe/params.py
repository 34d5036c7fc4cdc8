"""The ``[dedupe]`` parameters as dedupe reads them.

The table is typed and checked once, when the config loads (``archive/config/dedupe.py``, with
the site registry of ``archive/config/registry.py`` merged in); this module hands the result to
the dedupe stage and keeps the names its callers import.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..config.dedupe import SECTION, DedupeParams, parse_params

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["SECTION", "DedupeParams", "params_from_config", "parse_params"]


def params_from_config(config: "Config") -> DedupeParams:
    """``[dedupe]`` of the sources file, with the site registry of the config."""
    return config.dedupe
