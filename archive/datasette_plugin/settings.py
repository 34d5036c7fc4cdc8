"""Where the plugin finds the archive: the data directory and the archive database."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ARCHIVE_DB = "archive"


def data_dir(datasette: Any) -> Path:
    """``plugins: archive: data_dir`` from the metadata, else $ARCHIVE_DATA, else the folder
    of the served ``archive.db``."""
    config = datasette.plugin_config("archive") or {}
    if config.get("data_dir"):
        return Path(config["data_dir"])
    db = datasette.databases.get(ARCHIVE_DB)
    if db is not None and getattr(db, "path", None):
        return Path(db.path).parent
    return Path(os.environ.get("ARCHIVE_DATA", "data"))
