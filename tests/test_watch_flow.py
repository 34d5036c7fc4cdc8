"""The Prefect pipeline flow runs the watch stage too: two runs (``python -m flows.pipeline``
against the session's real Prefect server) post each new watched pair once, and each run's
markdown artifact lists the pairs it posted."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.sources import sample_config
from support.webhook import Receiver
from support.db import query

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(600)]


def run_flow(api: str, config: Path, data: Path) -> None:
    env = dict(os.environ, PREFECT_API_URL=api, ARCHIVE_WORKER_NAME="watch-flow")
    done = subprocess.run([sys.executable, "-m", "flows.pipeline", "--source", "agg", "--data", str(data),
                           "--config", str(config)], capture_output=True, text=True, env=env, cwd=str(ROOT),
                          timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]


def artifacts(api: str, data: Path) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from archive.schedule.env import use_server

    with use_server(api, data), get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["pipeline-agg"])))
        return [a.data for a in sorted(arts, key=lambda a: a.created)]


def test_flow_runs_post_watched_pairs_once_and_list_them_in_the_artifact(
        prefect_api: str, tmp_path: Path, sample_web: Any) -> None:
    hook = Receiver()
    try:
        config = sample_config(tmp_path / "sources.toml", sample_web, watches={
            "examiner": {"publisher": "Washington Examiner", "webhook": hook.url}})
        data = tmp_path / "data"
        run_flow(prefect_api, config, data)
        first = list(hook.tags())
        sample_web.advance()
        run_flow(prefect_api, config, data)
        pairs = query(data, "SELECT tag FROM copy_index WHERE publisher = 'Washington Examiner'")
        assert first and sorted(hook.tags()) == sorted(t for (t,) in pairs)  # each once, over two runs
        assert len(hook.tags()) > len(first)
        reports = artifacts(prefect_api, data)
        assert len(reports) >= 2
        one, two = reports[-2], reports[-1]
        by_tag = {b["tag"]: b["copy_url"] for b in hook.bodies}
        for report, tags in ((one, first), (two, hook.tags()[len(first):])):
            assert "## Watched copies" in report
            assert report.count("| examiner | delivered |") == len(tags)
            assert all(by_tag[t] in report for t in tags)
    finally:
        hook.close()
