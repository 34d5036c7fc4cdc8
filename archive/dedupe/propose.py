"""A round's candidate pairs besides the shared keys (:func:`.keystore.pairs`): the same
normalised text (exact), and an attribution — a page's ``original_url`` that is another
article's URL, in the round or stored. Each source returns encoded pairs
(:func:`.candidates.code`); :func:`flagged` turns the round's union into the (a, b, flags)
work the verification takes."""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..index.articles import article_sites
from .candidates import code, decode
from .meta import Meta
from .normalize import host_key
from .state import reps_at, reps_naming, reps_with_hash
from .verify import ATTRIBUTED, SAME_SITE

if TYPE_CHECKING:
    import sqlite3

    import numpy as np


def exact_pairs(conn: "sqlite3.Connection", reps: list[int], info: dict[int, tuple[str, int]],
                cap: int) -> set[int]:
    """Pairs of representatives (of the round, or one of the round and one stored) with the
    same non-empty normalised text; a text shared by more than ``cap`` is boilerplate."""
    exact: set[int] = set()
    groups: dict[str, list[int]] = defaultdict(list)
    for i in reps:
        h, n = info[i]
        if n > 0:
            groups[h].append(i)
    for a, h in reps_with_hash(conn, list(groups)):
        groups[h].append(a)
    for same in groups.values():
        if 1 < len(same) <= cap:
            for x in range(len(same)):
                for y in range(x + 1, len(same)):
                    exact.add(code(same[x], same[y]))
    return exact


def attributed_pairs(conn: "sqlite3.Connection", reps: list[int], metas: dict[int, Meta]) -> set[int]:
    """Pairs where one representative's attributed original URL is the other's URL: a round's
    page naming a page of the round or a stored one, and a stored page naming one of the round."""
    attr: set[int] = set()
    rep_key = {metas[i].key: i for i in reps}
    want_orig = {metas[i].original_key: i for i in reps if metas[i].original_key}
    target = dict(rep_key)
    for a, k in reps_at(conn, [k for k in want_orig if k and k not in rep_key]):
        target[k] = a
    for i in reps:
        ok = metas[i].original_key
        if ok and ok in target and target[ok] != i:
            attr.add(code(i, target[ok]))
    for a, k in reps_naming(conn, list(rep_key)):
        if rep_key[k] != a:
            attr.add(code(a, rep_key[k]))
    return attr


def flagged(conn: "sqlite3.Connection", codes: "np.ndarray", attr: "np.ndarray",
            metas: dict[int, Meta]) -> list[tuple[int, int, int]]:
    """(a, b, flags) of each encoded pair: ``ATTRIBUTED`` when an attribution proposed it,
    ``SAME_SITE`` when both are pages of one site (:func:`.verify.check_pairs` says why)."""
    import numpy as np

    is_attr = np.isin(codes, attr)
    lo, hi = decode(codes)
    site = _sites_of(conn, metas, np.union1d(lo, hi).tolist())
    return [(a, b, (ATTRIBUTED if t else 0) | (SAME_SITE if site.get(a) == site.get(b) else 0))
            for a, b, t in zip(lo.tolist(), hi.tolist(), is_attr.tolist())]


def _sites_of(conn: "sqlite3.Connection", metas: dict[int, Meta], ids: list[int]) -> dict[int, str]:
    """Site (host) of each of ``ids``: the round's from their metas, the others from the index."""
    out = {i: metas[i].host for i in ids if i in metas}
    rest = [i for i in ids if i not in out]
    out.update((int(i), host_key(site)) for i, site in article_sites(conn, rest))
    return out
