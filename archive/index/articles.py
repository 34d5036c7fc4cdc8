"""Placeholder: schema filled in by its stage."""
from __future__ import annotations

from typing import Any


def ensure_schema(db: Any) -> None:
    """Create this stage's tables (none yet)."""
