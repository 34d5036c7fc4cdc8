"""Candidate pairs from shared keys (band keys, anchors, text hashes) and from attribution.

Pairs are encoded as one int64, ``low << 32 | high`` (article ids < 2**31), so millions of them
deduplicate with ``numpy.unique``. Buckets larger than ``max_bucket`` are shared boilerplate or
common phrasing, not copies: they are skipped and counted.
"""
from __future__ import annotations

import sqlite3
from itertools import combinations
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

ID_LIMIT = 1 << 31


def encode(a: "np.ndarray", b: "np.ndarray") -> "np.ndarray":
    import numpy as np

    lo = np.minimum(a, b).astype(np.int64)
    hi = np.maximum(a, b).astype(np.int64)
    return (lo << np.int64(32)) | hi


def decode(codes: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    import numpy as np

    return (codes >> np.int64(32)).astype(np.int64), (codes & np.int64(0xFFFFFFFF)).astype(np.int64)


def group_pairs(keys: "np.ndarray", ids: "np.ndarray", cap: int,
                min_keys: int = 1) -> tuple["np.ndarray", int]:
    """Encoded pairs of ids sharing at least ``min_keys`` keys (within the given arrays); and the
    number of buckets skipped for being larger than ``cap``."""
    import numpy as np

    if len(keys) < 2:
        return np.empty(0, dtype=np.int64), 0
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    i = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(k)])))
    out: list[np.ndarray] = []
    oversized = int(np.count_nonzero(sizes > cap))
    for size in np.unique(sizes):
        size = int(size)
        if size < 2 or size > cap:
            continue
        s = starts[sizes == size]
        block = i[s[:, None] + np.arange(size)[None, :]]
        for x, y in combinations(range(size), 2):
            out.append(encode(block[:, x], block[:, y]))
    if not out:
        return np.empty(0, dtype=np.int64), oversized
    codes = np.concatenate(out)
    lo, hi = decode(codes)
    codes, counts = np.unique(codes[lo != hi], return_counts=True)
    return codes[counts >= min_keys], oversized


def stored_pairs(conn: sqlite3.Connection, keys: "np.ndarray", ids: "np.ndarray",
                 cap: int, min_keys: int = 1) -> tuple["np.ndarray", "np.ndarray"]:
    """Encoded pairs of (new id, stored id) sharing keys with the persisted ``dedupe_keys``.

    The new keys go to a temporary table, sorted. Keys whose bucket is already over ``cap`` —
    stored members alone, or new members alone — are set aside in SQL first (a boilerplate
    paragraph shared by thousands of articles must not be joined row by row); then one join
    finds the stored members, and a bucket counts stored and new members together. Returns the
    encoded pairs and the keys found oversized (the caller skips them within the batch too)."""
    import numpy as np

    empty = np.empty(0, dtype=np.int64)
    if len(keys) == 0:
        return empty, empty
    (stored_rows,) = conn.execute("SELECT EXISTS (SELECT 1 FROM dedupe_keys)").fetchone()
    if not stored_rows:
        return empty, empty
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dedupe_new_keys (key INTEGER NOT NULL, "
                 "article_id INTEGER NOT NULL)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dedupe_big_keys (key INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM dedupe_new_keys")
    conn.execute("DELETE FROM dedupe_big_keys")
    order = np.argsort(keys, kind="stable")
    for s in range(0, len(order), 200_000):
        part = order[s:s + 200_000]
        conn.executemany("INSERT INTO dedupe_new_keys VALUES (?, ?)",
                         zip(keys[part].tolist(), ids[part].tolist()))
    del order
    conn.execute("INSERT OR IGNORE INTO dedupe_big_keys SELECT key FROM dedupe_new_keys "
                 "GROUP BY key HAVING COUNT(*) > ?", (cap,))
    conn.execute("INSERT OR IGNORE INTO dedupe_big_keys SELECT k.key FROM dedupe_keys k "
                 "WHERE k.key IN (SELECT key FROM dedupe_new_keys) GROUP BY k.key HAVING COUNT(*) > ?",
                 (cap,))
    skipped = np.array([k for (k,) in conn.execute("SELECT key FROM dedupe_big_keys")], dtype=np.int64)
    rows = conn.execute(
        "SELECT n.key, n.article_id, k.article_id FROM dedupe_new_keys n "
        "JOIN dedupe_keys k ON k.key = n.key "
        "WHERE n.key NOT IN (SELECT key FROM dedupe_big_keys)").fetchall()
    conn.execute("DELETE FROM dedupe_new_keys")
    conn.execute("DELETE FROM dedupe_big_keys")
    if not rows:
        return empty, skipped
    arr = np.array(rows, dtype=np.int64)
    del rows
    # bucket size = distinct stored members + distinct new members of each key
    new_keys, new_counts = np.unique(keys, return_counts=True)
    stored_keys, stored_counts = np.unique(np.unique(arr[:, [0, 2]], axis=0)[:, 0], return_counts=True)
    together = stored_counts + new_counts[np.searchsorted(new_keys, stored_keys)]
    big = stored_keys[together > cap]
    if len(big):
        arr = arr[~np.isin(arr[:, 0], big)]
    codes = encode(arr[:, 1], arr[:, 2])
    lo, hi = decode(codes)
    codes, counts = np.unique(codes[lo != hi], return_counts=True)
    return codes[counts >= min_keys], np.union1d(skipped, big)


def chunked(values: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
