"""WARC file names: the suffixes writers, recovery and the shared store agree on, and the closed
files of a directory.

A writer names a file ``PREFIX-TIMESTAMP-SERIAL-HOST.warc.gz`` and writes it as ``….open``
until it is closed; recovery renames a killed writer's ``.open`` file back; only closed files
are indexed, published or exported.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["OPEN_SUFFIX", "WARC_SUFFIX", "FINISHED_SUFFIXES", "closed_warc_files", "is_finished_name"]

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"  # what this archive's writer produces
FINISHED_SUFFIXES = (".warc.gz", ".warc")  # what it reads (other tools write uncompressed files too)


def closed_warc_files(warcs_dir: Path) -> list[Path]:
    """Closed WARC files in ``warcs_dir`` (``*.warc.gz`` and ``*.warc``), by name."""
    if not Path(warcs_dir).is_dir():
        return []
    out = [p for p in Path(warcs_dir).iterdir()
           if p.is_file() and p.name.endswith(FINISHED_SUFFIXES) and not p.name.endswith(OPEN_SUFFIX)]
    return sorted(out, key=lambda p: p.name)


def is_finished_name(name: str) -> bool:
    """A closed WARC's plain file name (no directory, no ``.open``/``.part``, not hidden)."""
    return (bool(name) and "/" not in name and not name.startswith(".")
            and name.endswith(FINISHED_SUFFIXES))
