"""Shared fixtures. Stage-specific fixtures live next to their tests."""
from __future__ import annotations

import os

import pytest

# No test may phone home.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def data_dir(tmp_path):
    """An empty data directory (WARCs in data/warcs, index in data/archive.db)."""
    d = tmp_path / "data"
    d.mkdir()
    return d
