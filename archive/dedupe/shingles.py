"""Stable 64-bit hashes of words and word shingles (numpy arrays), and the splitmix64 finaliser.

Hashes must be the same in every process and every run, so words are hashed with BLAKE2b here
(the spinner keys use :func:`word_hash`), never Python's salted ``hash()``; shingles are a
polynomial roll of their word hashes followed by the splitmix64 finaliser. The band keys and
anchors of the main sketch hash words with :mod:`.batchtok` and roll them with :func:`roll_flat`.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_MULT = 0x100000001B3  # FNV-64 prime: the roll's multiplier
_CACHE: dict[str, int] = {}
_CACHE_MAX = 2_000_000


def word_hash(word: str) -> int:
    h = _CACHE.get(word)
    if h is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        h = int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        _CACHE[word] = h
    return h


def word_hashes(toks: list[str]) -> "np.ndarray":
    import numpy as np

    get = _CACHE.get
    vals = [get(t) or word_hash(t) for t in toks]
    return np.array(vals, dtype=np.uint64)


def mix(x: "np.ndarray") -> "np.ndarray":
    """splitmix64 finaliser, element-wise on uint64 (wrap-around arithmetic)."""
    import numpy as np

    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return x


def roll(wh: "np.ndarray", k: int) -> "np.ndarray":
    """Hashes of every run of ``k`` consecutive word hashes (one hash of all when fewer)."""
    import numpy as np

    n = len(wh)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(k, n)
    m = n - k + 1
    with np.errstate(over="ignore"):
        h = wh[0:m].copy()
        mult = np.uint64(_MULT)
        for j in range(1, k):
            h = h * mult + wh[j:j + m]
    return mix(h ^ np.uint64(k))


def shingles(toks: list[str], k: int) -> "np.ndarray":
    """Sorted unique hashes of the word ``k``-shingles of a token list."""
    import numpy as np

    return np.unique(roll(word_hashes(toks), k))


def roll_flat(flat: "np.ndarray", k: int) -> "np.ndarray":
    """:func:`roll` over a whole batch's concatenated word hashes (windows may cross documents:
    the caller keeps only the windows inside one)."""
    import numpy as np

    if len(flat) < k:
        return np.empty(0, dtype=np.uint64)
    return roll(flat, k)
