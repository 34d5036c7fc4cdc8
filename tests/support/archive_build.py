"""An archive made by the real pipeline (crawl → extract → dedupe → watch) over the sample web."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "rules.toml"


def sample_config(path: Path, web: Any, watches: dict[str, dict[str, str]] | None = None) -> Path:
    """Two sources over ``web`` (the aggregator's waexaminer topic, following to the originals;
    the publisher's feed), the project's rules, and ``[watch.NAME]`` tables."""
    from tools import write_sources

    agg, pub = web.aggregator_url, web.publisher_url
    agg_host, pub_host = agg.split("//")[1], pub.split("//")[1]
    polite = {"delay": 0, "per_host": 4, "ssrf_guard": False}
    sources = {
        "agg": {"start": [f"{agg}/usconservative/topic/waexaminer"], "scope": [f"{agg_host}/usconservative/topic/"],
                "depth": 2, "follow_original": True, "rules": "am1", **polite},
        "pub": {"feeds": [f"{pub}/feed.xml"], "scope": [pub_host], "depth": 1, "follow_original": False, **polite},
    }
    write_sources(path, sources, rules_file=str(RULES), known_aggregators=[agg_host])
    if watches:
        with path.open("a") as fh:
            for name, fields in watches.items():
                fh.write(f"\n[watch.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items()))
    return path


def run_sources(config_path: Path, data_dir: Path, names: tuple[str, ...] = ("agg", "pub")) -> list[Any]:
    """``archive run --source NAME`` for each name, in this process (the library call it makes)."""
    from archive.config import load_config
    from archive.pipeline import run_pipeline

    config = load_config(config_path)
    return [run_pipeline(config, data_dir, source=name, workers=1) for name in names]
