"""Screenshots compared pixel by pixel: a live page and its archived snapshot, in one viewport."""
from __future__ import annotations

import os
from pathlib import Path

VIEWPORT = {"width": 1100, "height": 800}
SIMILARITY = 0.98  # the lowest similarity of a snapshot to its live page that counts as alike


def similarity(a: bytes, b: bytes) -> float:
    """1 - mean absolute per-channel difference (0..1) of two same-size screenshots."""
    import io

    import numpy as np
    from PIL import Image

    ia = np.asarray(Image.open(io.BytesIO(a)).convert("RGB"), dtype=np.int16)
    ib = np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), dtype=np.int16)
    assert ia.shape == ib.shape, (ia.shape, ib.shape)
    return 1.0 - float(np.abs(ia - ib).mean()) / 255.0


def shots_dir(tmp_path: Path) -> Path:
    """Screenshots go to $ARCHIVE_SCREENSHOTS when set (e.g. for the README), else tmp."""
    target = Path(os.environ.get("ARCHIVE_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
