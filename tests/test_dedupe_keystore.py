"""The sorted-run key store gives the same candidate pairs and oversized buckets as a plain
dictionary join, round after round, while its runs merge by size class."""
from __future__ import annotations

import sqlite3
from collections import defaultdict

import numpy as np

from archive.dedupe import keystore
from archive.dedupe.candidates import buckets, decode, group_pairs


def _reference(stored: dict[int, set[int]], keys: np.ndarray, ids: np.ndarray, cap: int,
               min_keys: int) -> tuple[set[tuple[int, int]], set[int]]:
    new: dict[int, set[int]] = defaultdict(set)
    for k, i in zip(keys.tolist(), ids.tolist()):
        new[k].add(i)
    big = {k for k, m in new.items() if len(m) > cap
           or (stored.get(k) and len(stored[k]) + len(m) > cap)}
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for k, m in new.items():
        if k in big:
            continue
        for a in m:
            for b in stored.get(k, ()):
                if a != b:
                    shared[(min(a, b), max(a, b))] += 1
    return {pair for pair, n in shared.items() if n >= min_keys}, big


def _round_keys(rng: np.random.Generator, pool: np.ndarray, first_id: int,
                n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of n_docs articles: most random (no match), some from a small shared pool (matches,
    some buckets over the cap), keys unique per article, both signs of int64."""
    keys, ids = [], []
    for doc in range(first_id, first_id + n_docs):
        own = rng.integers(-2**63, 2**63 - 1, size=6, dtype=np.int64)
        picked = rng.choice(pool, size=int(rng.integers(0, 5)), replace=False)
        k = np.unique(np.concatenate((own, picked)))
        keys.append(k)
        ids.append(np.full(len(k), doc, dtype=np.int64))
    return np.concatenate(keys), np.concatenate(ids)


def test_join_matches_a_dictionary_join_round_after_round(tmp_path):
    conn = sqlite3.connect(tmp_path / "k.db")
    rng = np.random.default_rng(5)
    stored: dict[int, set[int]] = defaultdict(set)
    cap, min_keys = 6, 1
    next_id = 1
    total = 0
    pool = rng.integers(-2**63, 2**63 - 1, size=40, dtype=np.int64)
    pool[:3] = [-1, 0, 2**62]  # range edges
    seen_pairs = seen_big = 0
    for rnd, n_docs in enumerate((30, 30, 5, 60, 1, 1, 40)):
        keys, ids = _round_keys(rng, pool, next_id, n_docs)
        next_id += n_docs
        codes, big = keystore.join(conn, keys, ids, cap, min_keys)
        lo, hi = decode(codes)
        want_pairs, want_big = _reference(stored, keys, ids, cap, min_keys)
        assert set(zip(lo.tolist(), hi.tolist())) == want_pairs, rnd
        assert set(big.tolist()) == want_big, rnd
        seen_pairs += len(want_pairs)
        seen_big += len(want_big)
        with conn:
            total += keystore.add(conn, keys, ids)
        for k, i in zip(keys.tolist(), ids.tolist()):
            stored[k].add(i)
        assert keystore.count(conn) == total == sum(len(m) for m in stored.values())
    assert seen_pairs > 100 and seen_big > 3  # the shared pool made matches and big buckets
    # size-tiered merges: after every add, fewer than FANOUT newest runs of the newest's class
    runs: dict[int, list[int]] = defaultdict(list)
    for part, n in conn.execute(f"SELECT part, n FROM {keystore.TABLE} ORDER BY part, run"):
        runs[part].append(keystore._tier(n))
    for tiers in runs.values():
        trailing = 0
        while trailing < len(tiers) and tiers[-trailing - 1] <= tiers[-1]:
            trailing += 1
        assert trailing < keystore.FANOUT and len(tiers) <= 2 * keystore.FANOUT
    assert conn.execute(f"SELECT MAX(run) FROM {keystore.TABLE}").fetchone()[0] >= keystore.FANOUT
    # every stored run is sorted and holds only its own key range
    for part, kb, ib in conn.execute(f"SELECT part, keys, ids FROM {keystore.TABLE}"):
        k = np.frombuffer(kb, dtype="<u8")
        assert np.all(k[1:] >= k[:-1]) and np.all((k >> np.uint64(56)) == part)
        assert len(np.frombuffer(ib, dtype="<i4")) == len(k)


def test_min_shared_keys_counts_keys_across_runs(tmp_path):
    conn = sqlite3.connect(tmp_path / "k.db")
    a = np.array([5, -7, 2**40], dtype=np.int64)
    with conn:
        keystore.add(conn, a[:1], np.array([1]))
    with conn:
        keystore.add(conn, a[1:], np.array([1, 1]))
    codes, big = keystore.join(conn, np.array([5, -7, 9], dtype=np.int64), np.array([2, 2, 2]), 10, 2)
    assert decode(codes)[0].tolist() == [1] and decode(codes)[1].tolist() == [2] and len(big) == 0
    codes, _ = keystore.join(conn, np.array([5, 9], dtype=np.int64), np.array([2, 2]), 10, 2)
    assert len(codes) == 0
    with conn:
        keystore.clear(conn)
    assert keystore.count(conn) == 0


def test_within_round_pairs_unchanged():
    """group_pairs (pairs inside one round) still agrees with the reference on the new side."""
    keys = np.array([1, 1, 1, 2, 2, 3], dtype=np.int64)
    ids = np.array([10, 11, 12, 10, 11, 13], dtype=np.int64)
    codes, big = group_pairs(keys, ids, cap=2, min_keys=1)
    lo, hi = decode(codes)
    assert set(zip(lo.tolist(), hi.tolist())) == {(10, 11)} and big == 1


def test_sort_runs_merges_sketch_chunks_into_the_store_order() -> None:
    """Chunks each in store order over ascending id ranges (as the sketch workers return them)
    come out exactly as a full sort puts them; the bucket join and its sizes use that order."""
    rng = np.random.default_rng(11)
    keys_parts, id_parts = [], []
    for c in range(7):
        n = int(rng.integers(0, 3000))
        ids = rng.integers(c * 100, (c + 1) * 100, n).astype(np.int64)
        keys = rng.integers(-40, 40, n, dtype=np.int64) if c % 2 else rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64)
        pairs = sorted(set(zip(keys.tolist(), ids.tolist())))   # one key per article at most once
        k = np.array([a for a, _ in pairs], dtype=np.int64)
        i = np.array([b for _, b in pairs], dtype=np.int64)
        k, i = keystore.sort(k, i)
        keys_parts.append(k)
        id_parts.append(i)
    keys, ids = np.concatenate(keys_parts), np.concatenate(id_parts)
    merged = keystore.sort_runs(keys, ids)
    full = keystore.sort(keys, ids)
    assert np.array_equal(merged[0], full[0]) and np.array_equal(merged[1], full[1])
    u = merged[0].view(np.uint64)
    assert np.all(u[1:] >= u[:-1])
    first, counts = buckets(u)
    want = np.unique(u, return_index=True, return_counts=True)
    assert all(np.array_equal(a, b) for a, b in zip((u[first], first, counts), want))
