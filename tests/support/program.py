"""The real ``archive`` program in its own process, and the one clear error line a failing
command must print (``error: …``, nothing else, never a traceback)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.paths import ROOT

PY = sys.executable


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real program in its own process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([PY, "-m", "archive.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=str(cwd or ROOT))


def assert_one_line_error(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for n in needles:
        assert n in line, (n, line)
    return line
