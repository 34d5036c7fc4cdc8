"""Where things are: the repository (``ROOT``) and the reference material beside the checkouts
(``SHARED``: interop WARCs, real pages)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
