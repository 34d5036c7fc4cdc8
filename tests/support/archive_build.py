"""An archive made by the real pipeline (crawl → extract → dedupe → watch) over the sample web
(its sources file: ``support.sources.sample_config``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def run_sources(config_path: Path, data_dir: Path, names: tuple[str, ...] = ("agg", "pub")) -> list[Any]:
    """``archive run --source NAME`` for each name, in this process (the library call it makes)."""
    from archive.config import load_config
    from archive.pipeline import run_pipeline

    config = load_config(config_path)
    return [run_pipeline(config, data_dir, source=name, workers=1) for name in names]
