"""Sources files for tests (``sources.toml``): written from dicts (:func:`write_sources`), with
the project's rules (:func:`write_config`), and the usual sources over the bundled sample web
(:func:`sample_sources` for the scheduling tests, :func:`sample_config` for the pipeline's)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.paths import ROOT

RULES = ROOT / "config" / "rules.toml"


def write_sources(path: Path, sources: dict[str, dict[str, object]], **settings: object) -> Path:
    """Write a sources file: ``[settings]`` from ``settings``, one ``[sources.NAME]`` table per
    entry (values as JSON literals, which TOML reads the same for strings, numbers, booleans and
    lists)."""
    lines = ["[settings]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    for name, fields in sources.items():
        lines.append(f"\n[sources.{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_config(path: Path, sources: dict[str, dict[str, Any]], webhook: str | None = None) -> Path:
    """A sources file with the project's rules (and a webhook when given)."""
    settings: dict[str, Any] = {"rules_file": str(RULES)}
    if webhook:
        settings["webhook_url"] = webhook
    return write_sources(path, sources, **settings)


def sample_sources(web: Any, names: list[str], every: int = 10) -> dict[str, dict[str, Any]]:
    """Up to four small sources over the sample web (aggregator topic + digest, publisher feed + sitemap)."""
    agg, pub = web.aggregator_url, web.publisher_url
    agg_host, pub_host = agg.split("//")[1], pub.split("//")[1]
    polite = {"every": every, "delay": 0, "per_host": 4, "ssrf_guard": False}
    kinds = [
        {"start": [f"{agg}/usconservative/topic/waexaminer"], "scope": [f"{agg_host}/usconservative/topic/"],
         "depth": 1, "follow_original": True, "rules": "am1", "max_pages": 40},
        {"feeds": [f"{pub}/feed.xml"], "scope": [pub_host], "depth": 1, "follow_original": False,
         "max_pages": 40},
        {"start": [f"{agg}/usconservative/topic/fq"], "scope": [f"{agg_host}/usconservative/topic/fq/"],
         "depth": 1, "follow_original": False, "rules": "am1", "max_pages": 20},
        {"sitemaps": [f"{pub}/sitemap.xml"], "scope": [pub_host], "depth": 0, "follow_original": False,
         "max_pages": 30},
    ]
    return {name: {**kinds[i], **polite} for i, name in enumerate(names)}


def sample_config(path: Path, web: Any, watches: dict[str, dict[str, str]] | None = None) -> Path:
    """Two sources over ``web`` (the aggregator's waexaminer topic, following to the originals;
    the publisher's feed), the project's rules, and ``[watch.NAME]`` tables."""
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
