"""Candidate pairs from shared keys (band keys, anchors, text hashes) and from attribution.

Pairs are encoded as one int64, ``low << 32 | high`` (article ids < 2**31), so millions of them
deduplicate with ``numpy.unique``. Buckets larger than ``max_bucket`` are shared boilerplate or
common phrasing, not copies: they are skipped and counted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

ID_LIMIT = 1 << 31


def encode(a: "np.ndarray", b: "np.ndarray") -> "np.ndarray":
    import numpy as np

    lo = np.minimum(a, b).astype(np.int64)
    hi = np.maximum(a, b).astype(np.int64)
    return (lo << np.int64(32)) | hi


def code(a: int, b: int) -> int:
    """:func:`encode` of one pair, in plain ints."""
    return (min(a, b) << 32) | max(a, b)


def decode(codes: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    import numpy as np

    return (codes >> np.int64(32)).astype(np.int64), (codes & np.int64(0xFFFFFFFF)).astype(np.int64)


def buckets(k: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Start and length of each run of equal values in ``k`` (equal keys adjacent, e.g. sorted):
    ``numpy.unique(k, return_index=True, return_counts=True)`` without sorting again."""
    import numpy as np

    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    return starts, np.diff(np.concatenate((starts, [len(k)])))


def group_pairs(keys: "np.ndarray", ids: "np.ndarray", cap: int,
                min_keys: int = 1) -> tuple["np.ndarray", int]:
    """Encoded pairs of ids sharing at least ``min_keys`` keys (within the given arrays); and the
    number of buckets skipped for being larger than ``cap``."""
    import numpy as np

    if len(keys) < 2:
        return np.empty(0, dtype=np.int64), 0
    ku = np.ascontiguousarray(keys).view(np.uint64)
    if np.all(ku[1:] >= ku[:-1]):  # already in the key store's order: equal keys are adjacent
        k, i = ku, ids
    else:
        order = np.argsort(keys, kind="stable")
        k = keys[order]
        i = ids[order]
    starts, sizes = buckets(k)
    out: list[np.ndarray] = []
    oversized = int(np.count_nonzero(sizes > cap))
    for size in np.unique(sizes):
        size = int(size)
        if size < 2 or size > cap:
            continue
        s = starts[sizes == size]
        block = i[s[:, None] + np.arange(size)[None, :]]
        x, y = np.triu_indices(size, 1)  # every pair of members, one array op per bucket size
        out.append(encode(block[:, x], block[:, y]).ravel())
    if not out:
        return np.empty(0, dtype=np.int64), oversized
    codes = np.concatenate(out)
    lo, hi = decode(codes)
    codes, counts = np.unique(codes[lo != hi], return_counts=True)
    return codes[counts >= min_keys], oversized


def chunked(values: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
