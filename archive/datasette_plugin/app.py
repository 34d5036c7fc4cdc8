"""The Datasette app the archive serves (``archive serve``, ``archive demo``, tests, bench).

Settings are set here, in code: ``archive serve`` takes no ``--setting`` of Datasette's.
Measured on a million-article archive (5.4 GB, 2 cores, warm cache): suggested facets cost 2–3 s
per table page and stay off; facet time limit and page size as below. The summary tables the
feeds, the front page and ``daily_counts`` read are brought up to date before serving (the
pipeline keeps them current afterwards; ``archive watch run`` does it by hand).
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_METADATA = "datasette.yml"

SETTINGS: dict[str, Any] = {
    "allow_download": False,
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,
    "truncate_cells_html": 300,
    "suggest_facets": False,     # 2–3 s per request on a 1M-row table
    "facet_time_limit_ms": 200,
}


def load_metadata(path: Path, data_dir: Path) -> dict[str, Any]:
    """The Datasette metadata from YAML, with the archive plugin told where the data lies."""
    import yaml

    from ..errors import ConfigError

    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot be read as YAML ({exc})", path=str(path)) from None
    if not isinstance(meta, dict):
        raise ConfigError("must be a mapping", path=str(path))
    plugins = meta.setdefault("plugins", {})
    plugins.setdefault("archive", {})["data_dir"] = str(Path(data_dir).resolve())
    return meta


def refresh_summaries(data_dir: Path) -> None:
    """The summary tables up to date (:mod:`archive.index.summaries`); a database this process cannot write
    (a read-only copy) is served as it is, with a warning."""
    from ..errors import IndexError_
    from ..index import open_db
    from ..index.summaries import refresh_all

    try:
        db = open_db(Path(data_dir))
    except IndexError_ as exc:
        log.warning("summary tables not refreshed: %s", exc)
        return
    try:
        refresh_all(db)
    except sqlite3.OperationalError as exc:
        log.warning("summary tables not refreshed: %s", exc)
    finally:
        db.conn.close()


def make_datasette(data_dir: Path, metadata: dict[str, Any], *, refresh: bool = True) -> Any:
    """A Datasette instance on ``DATA/archive.db`` (mutable file, never ``-i`` immutable: flows
    keep writing it; the plugin makes its connections ``query_only``)."""
    from datasette.app import Datasette

    from ..index import db_path

    if refresh:
        refresh_summaries(data_dir)
    return Datasette(files=[str(db_path(data_dir))], metadata=metadata, settings=dict(SETTINGS))


def metadata_path(config_path: Path, metadata: Path | None) -> Path:
    """The metadata given, else ``datasette.yml`` beside the sources file, else the repository's."""
    from ..errors import ConfigError

    if metadata is not None:
        if not metadata.is_file():
            raise ConfigError("file not found", path=str(metadata))
        return metadata
    for candidate in (Path(config_path).parent / DEFAULT_METADATA,
                      Path(__file__).resolve().parents[2] / "config" / DEFAULT_METADATA):
        if candidate.is_file():
            return candidate
    raise ConfigError("Datasette metadata not found (give --metadata FILE)",
                      path=str(Path(config_path).parent / DEFAULT_METADATA))


def archive_app(data_dir: Path, *, config_path: Path, metadata: Path | None = None) -> Any:
    """The Datasette ``archive serve`` runs: every stage's tables made (an empty archive serves
    too), the metadata found as :func:`metadata_path` says, the summaries refreshed."""
    from ..index import open_db

    open_db(data_dir).conn.close()
    return make_datasette(data_dir, load_metadata(metadata_path(config_path, metadata), data_dir))
