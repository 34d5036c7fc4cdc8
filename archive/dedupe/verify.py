"""Verification of candidate pairs by shingle containment, and the copy kind.

``containment`` is the share of the shorter text's shingles found in the longer one; a pair is
kept when it reaches the threshold and the texts share enough shingles. Same-story articles of
different outlets share names and quotes but little else, so their containment stays low.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .diff import Keyed, keyed, paragraph_diff
from .batchtok import shingle_sets
from .params import DedupeParams

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Check:
    a: int
    b: int
    shared: int
    na: int               # distinct shingles of a
    nb: int
    diff_ab: str          # paragraph diff from a to b

    @property
    def containment(self) -> float:
        return self.shared / max(1, min(self.na, self.nb))

    @property
    def similarity(self) -> float:
        return self.shared / max(1, self.na + self.nb - self.shared)


def kind_of(shared: int, n_original: int, p: DedupeParams) -> str:
    """full / truncated / excerpt, by the share of the original's shingles the copy holds."""
    coverage = shared / max(1, n_original)
    if coverage >= p.full_coverage:
        return "full"
    if coverage >= p.truncated_coverage:
        return "truncated"
    return "excerpt"


def check_pairs(pairs: Sequence[tuple[int, int, float]], texts: dict[int, str],
                p: DedupeParams) -> tuple[list[Check], int]:
    """Check (a, b, threshold) pairs; returns the accepted checks and the number rejected."""
    import numpy as np

    ids = sorted({i for a, b, _ in pairs for i in (a, b)})
    sets = dict(zip(ids, shingle_sets([texts.get(i, "") for i in ids], p.shingle_size)))

    kcache: dict[int, Keyed] = {}

    def kp(i: int) -> Keyed:
        k = kcache.get(i)
        if k is None:
            k = kcache[i] = keyed(texts.get(i, ""))
        return k

    ok: list[Check] = []
    rejected = 0
    for a, b, threshold in pairs:
        sa, sb = sets[a], sets[b]
        if len(sa) == 0 or len(sb) == 0:
            rejected += 1
            continue
        small_set, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
        at = np.searchsorted(large, small_set)  # both sorted and unique: a merge, no copy
        at[at == len(large)] = 0
        shared = int(np.count_nonzero(large[at] == small_set))
        c = Check(a, b, shared, int(len(sa)), int(len(sb)), "")
        small = min(c.na, c.nb)
        if c.containment >= threshold and shared >= min(p.min_shared, small):
            c.diff_ab = paragraph_diff(kp(a), kp(b))
            ok.append(c)
        else:
            rejected += 1
    return ok, rejected


def check_from_db(db_path: Path, pairs: Sequence[tuple[int, int, float]],
                  p: DedupeParams) -> tuple[list[Check], int]:
    """Worker-process entry point: reads the texts itself."""
    from .sketch import read_texts

    ids = sorted({i for a, b, _ in pairs for i in (a, b)})
    return check_pairs(pairs, read_texts(db_path, ids), p)
