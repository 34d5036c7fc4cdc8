"""Shared fixtures. Stage-specific fixtures live next to their tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

# (Telemetry is NOT switched off here: the library does it itself, and tests/test_telemetry.py
# checks that on a process environment that never asked for it.)
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


@pytest.fixture(scope="module")
def arc(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The hand-made archive of the query, replay and WACZ tests (``support.query_archive``),
    built once per module: a module may change it (tests/test_hardening_security.py tampers
    with its rows)."""
    from support.query_archive import build_archive

    return build_archive(tmp_path_factory.mktemp("arc") / "data")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (``support.browser.chromium``), one per module."""
    from support.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def small_web() -> Iterator[Any]:
    """A small sample web (12 stories, seed 1) on 127.0.0.1 / 127.0.0.2 for the session: the
    hardening tests that break a crawled archive crawl it (support/crawled.py)."""
    from archive.sampleweb import SampleWeb

    with SampleWeb(articles=12, seed=1) as sw:
        yield sw


@pytest.fixture(scope="session")
def small_crawl(small_web: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one finished crawl of ``small_web`` by the real program (not
    extracted yet). Tests copy it (``support.crawled.copy_data``) before changing anything."""
    from support.crawled import crawl_args
    from support.program import cli

    data = tmp_path_factory.mktemp("crawled") / "data"
    proc = cli(*crawl_args(small_web, data))
    assert proc.returncode == 0, proc.stderr
    return data


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
    from support.archive_build import run_sources
    from support.sources import sample_config

    root = tmp_path_factory.mktemp("pipeline-archive")
    with SampleWeb(articles=40, seed=1) as web:
        config = sample_config(root / "sources.toml", web)
        run_sources(config, root / "data")
        web.advance()
        run_sources(config, root / "data")
        yield {"data_dir": root / "data", "config": config, "web": web}


def pytest_configure(config):
    config.addinivalue_line("markers", "hardening(kind): a hardening case, kind 'e2e' or 'unit' "
                                       "(counted in the hardening summary: tests/support/hardening.py)")


def pytest_collection_finish(session):
    """Register every collected hardening case (after -k/-m deselection)."""
    from support.hardening import KINDS, LEDGER

    for item in session.items:
        mark = item.get_closest_marker("hardening")
        if mark is None:
            continue
        kind = mark.args[0] if mark.args else None
        if kind not in KINDS:
            raise pytest.UsageError(f"{item.nodeid}: hardening kind must be one of {sorted(KINDS)}, not {kind!r}")
        LEDGER.registered[item.nodeid] = kind


def pytest_runtest_logreport(report):
    from support.hardening import LEDGER

    LEDGER.record(report.nodeid, report.when, report.outcome)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """A registered hardening case that did not run fails the session (unless it already failed
    or was interrupted): the summary's counts would otherwise shrink without anyone noticing."""
    from support.hardening import LEDGER

    if LEDGER.registered and LEDGER.not_run() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the hardening ledger when any hardening case was collected, and say so when the
    browser tests ran on another Chromium major than the one they were written for."""
    from support.browser import used, version_note
    from support.hardening import LEDGER

    if LEDGER.registered:
        terminalreporter.write_line(LEDGER.line())
    if used and version_note():
        terminalreporter.write_line(f"note: {version_note()}", yellow=True)
