"""The CLI: fast start-up (nothing heavy imported for --help), clean user errors."""
from __future__ import annotations

import subprocess
import sys

HEAVY = {"prefect", "datasette", "trafilatura", "httpx", "warcio", "sqlite_utils", "lxml", "rensa"}


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from archive.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "crawl" in out and "export-wacz" in out
    assert out.strip().splitlines()[-1] == "[]"


def test_every_contract_command_is_listed():
    out = subprocess.run([sys.executable, "-m", "archive.cli", "--help"], capture_output=True, text=True)
    for name in ("crawl", "run", "demo", "sample-web", "reindex", "extract", "dedupe", "serve",
                 "replay", "captures", "import", "export-wacz", "schedule"):
        assert f"  {name} " in out.stdout, name


def test_user_error_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[sources.x]\ndepth = 'deep'\nstart=['http://127.0.0.1:9/']\n")
    proc = subprocess.run([sys.executable, "-m", "archive.cli", "crawl", "--config", str(bad),
                           "--data", str(tmp_path / "d"), "--source", "x"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "sources.x" in proc.stderr and "depth" in proc.stderr
