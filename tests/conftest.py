"""Shared fixtures. Stage-specific fixtures live next to their tests."""
from __future__ import annotations

import os

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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the hardening ledger (tests/hardening.py) when any hardening case ran."""
    from hardening import LEDGER

    if LEDGER.tried:
        terminalreporter.write_line(LEDGER.line())
