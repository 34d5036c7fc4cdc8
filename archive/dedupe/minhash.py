"""MinHash digests (rensa) and the LSH band keys computed from them.

rensa's own LSH keeps its bands in memory and cannot export them, so the bands are computed
here from ``digest()`` rows: one 64-bit key per (sketch, band) = splitmix64 chain over the band's
rows, salted with the sketch and band number. :mod:`.keystore` persists them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .shingles import mix

if TYPE_CHECKING:
    import numpy as np

# v2: the same keys, persisted as sorted runs (keystore.LAYOUT) instead of dedupe_keys rows
KEY_VERSION = "band-splitmix64-v2"
SKETCH_MAIN = 1
SKETCH_OPENING = 2
SKETCH_ANCHOR = 3


def algorithm_version() -> str:
    import importlib.metadata

    from rensa import RMinHash

    try:
        ver = importlib.metadata.version("rensa")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        ver = "?"
    return f"rensa {ver} RMinHash ALGORITHM_VERSION={RMinHash.ALGORITHM_VERSION}"


def digests(shingle_sets: list["np.ndarray"], num_perm: int, seed: int) -> "np.ndarray":
    """(n, num_perm) uint32 MinHash digests of shingle-hash sets (all non-empty)."""
    import numpy as np
    from rensa import RMinHash

    if not shingle_sets:
        return np.empty((0, num_perm), dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.uint64, count=len(shingle_sets))
    offsets = np.zeros(len(shingle_sets) + 1, dtype=np.uint64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate(shingle_sets).astype(np.uint64, copy=False)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, seed)
    return np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(shingle_sets), num_perm)


def salt(sketch: int, band: int) -> int:
    import numpy as np

    return int(mix(np.array([(sketch << 32) | band], dtype=np.uint64))[0])


def band_keys(dig: "np.ndarray", bands: int, sketch: int) -> "np.ndarray":
    """(n, bands) int64 band keys of a digest matrix."""
    import numpy as np

    n, perm = dig.shape
    rows = perm // bands
    cube = dig.reshape(n, bands, rows).astype(np.uint64)
    h = np.broadcast_to(np.array([salt(sketch, b) for b in range(bands)], dtype=np.uint64),
                        (n, bands)).copy()
    for r in range(rows):
        h = mix(h ^ cube[:, :, r])
    return h.view(np.int64)
