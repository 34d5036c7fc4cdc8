"""Shared fixtures. Stage-specific fixtures live next to their tests."""
from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

# No test may phone home.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Library code logging outside a flow run, after a Prefect test set up Prefect's log handlers in
# this process, is not a problem worth a warning in every later test's summary.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


@pytest.fixture
def data_dir(tmp_path):
    """An empty data directory (WARCs in data/warcs, index in data/archive.db)."""
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def sample_web():
    """The bundled sample web (40 stories, seed 1) on 127.0.0.1 / 127.0.0.2, free ports, real
    sockets; started before and stopped after each test. See archive.sampleweb.SampleWeb."""
    from archive.sampleweb import SampleWeb

    with SampleWeb(articles=40, seed=1) as sw:
        yield sw


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Prefect server for every Prefect test of the session (PREFECT_HOME in a temp
    data dir): it takes seconds to start."""
    from archive.schedule.processes import start_server

    home_data = tmp_path_factory.mktemp("prefect-server")
    server, api_url = start_server(home_data, 0, extra_env={"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"})
    try:
        yield api_url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pipeline_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An archive made by ``archive run`` over the sample web, as the demo makes it: the aggregator
    source, then the publisher source, then both again after the web moved on (new stories, and
    revised ones: versions). Read by the feed and front-page tests: ``data_dir``, ``config``, ``web``."""
    from archive.sampleweb import SampleWeb
    from support.archive_build import run_sources, sample_config

    root = tmp_path_factory.mktemp("pipeline-archive")
    with SampleWeb(articles=40, seed=1) as web:
        config = sample_config(root / "sources.toml", web)
        run_sources(config, root / "data")
        web.advance()
        run_sources(config, root / "data")
        yield {"data_dir": root / "data", "config": config, "web": web}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the hardening ledger (tests/hardening.py) when any hardening case ran."""
    from hardening import LEDGER

    if LEDGER.tried:
        terminalreporter.write_line(LEDGER.line())
