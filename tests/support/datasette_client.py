"""Datasette's own test client on the archive's app (no socket): the shipped metadata (``META``),
the app over a data directory, and a GET from a synchronous test."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from support.paths import ROOT

META = ROOT / "config" / "datasette.yml"


def archive_datasette(data_dir: Path) -> Any:
    """The archive's Datasette over ``data_dir`` with the shipped metadata (the plugin's app
    builder, as ``archive serve`` builds it)."""
    from archive.datasette_plugin.app import load_metadata, make_datasette

    return make_datasette(data_dir, load_metadata(META, data_dir))


def get(ds: Any, path: str, **kw: Any) -> Any:
    """``ds.client.get(path, **kw)``, run to its answer."""
    return asyncio.run(ds.client.get(path, **kw))
