"""Where the interop programs live (pywb, cdxj-indexer, wacz, warcio: the second venv)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from support.paths import ROOT


def tool(name: str) -> str:
    """Absolute path of an interop command from ``.venv-tools`` (or $ARCHIVE_TOOLS_BIN)."""
    for base in (os.environ.get("ARCHIVE_TOOLS_BIN"), str(ROOT / ".venv-tools" / "bin")):
        if base and (Path(base) / name).exists():
            return str(Path(base) / name)
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"interop tool {name!r} not found: run 'make tools'")
