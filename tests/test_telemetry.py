"""Telemetry is off because the library turns it off, not because the test session did: the
suite's own environment no longer sets ``DO_NOT_TRACK`` (tests/conftest.py), and these checks
scrub it (and every CI marker, which Prefect also reads) from the processes they start."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CI_MARKERS = {"CI", "GITHUB_ACTIONS", "GITLAB_CI", "TRAVIS", "CIRCLECI", "JENKINS_URL", "BUILDKITE",
              "TEAMCITY_VERSION", "TF_BUILD", "BITBUCKET_BUILD_NUMBER", "CODEBUILD_BUILD_ID", "CI_NAME"}
PROBE = ("from prefect._internal.analytics import is_telemetry_enabled; "
         "from prefect.settings import get_current_settings; "
         "print(json.dumps([is_telemetry_enabled(), get_current_settings().server.analytics_enabled]))")


def _scrubbed(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in CI_MARKERS and k != "DO_NOT_TRACK" and not k.startswith("PREFECT_")}
    env["HOME"] = str(tmp_path)  # no profile of the machine's user
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    return env


def _probe(first_import: str, env: dict[str, str]) -> list[bool]:
    code = f"import json; {first_import}; {PROBE}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_flows_turns_prefect_telemetry_off(tmp_path: Path) -> None:
    env = _scrubbed(tmp_path)
    # the control: Prefect alone, in this scrubbed environment, would report
    assert _probe("import prefect", env) == [True, True]
    # a flow module, as a worker or a user's `python -m flows.crawl` imports it
    assert _probe("import flows.pipeline", env) == [False, False]


@pytest.mark.prefect
def test_the_library_s_prefect_server_reports_analytics_off(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A server started by archive.schedule.processes from an environment that never turned
    telemetry off: the server's own settings say analytics are off."""
    from archive.schedule.processes import start_server

    for key in ("DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED", *CI_MARKERS):
        monkeypatch.delenv(key, raising=False)
    server, api_url = start_server(tmp_path / "data", 0)
    try:
        settings = httpx.get(api_url.rstrip("/") + "/admin/settings", timeout=30).json()
    finally:
        server.stop()
    assert settings["server"]["analytics_enabled"] is False
