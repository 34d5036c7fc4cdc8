"""Per-article features for a batch: normalised-text hash, token count and candidate keys
(whole-text MinHash bands, opening-words MinHash bands, paragraph anchors).

:func:`sketch_texts` is pure; :func:`sketch_from_db` is the worker-process entry point (it reads
the texts itself, so only ids cross the process boundary).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .minhash import SKETCH_ANCHOR, SKETCH_MAIN, SKETCH_OPENING, band_keys, digests, salt
from .normalize import norm_hash, tokens
from .params import DedupeParams
from .shingles import anchors, opening, shingles

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Sketches:
    ids: "np.ndarray"          # int64 article ids
    norm_hashes: list[str]
    n_tokens: "np.ndarray"     # int64
    key_ids: "np.ndarray"      # int64: article id of each key
    keys: "np.ndarray"         # int64 candidate keys (unique per article)
    sketched: int              # articles that got MinHash sketches

    @staticmethod
    def concat(parts: Sequence["Sketches"]) -> "Sketches":
        import numpy as np

        if not parts:
            e = np.empty(0, dtype=np.int64)
            return Sketches(e, [], e.copy(), e.copy(), e.copy(), 0)
        return Sketches(np.concatenate([p.ids for p in parts]),
                        [h for p in parts for h in p.norm_hashes],
                        np.concatenate([p.n_tokens for p in parts]),
                        np.concatenate([p.key_ids for p in parts]),
                        np.concatenate([p.keys for p in parts]),
                        sum(p.sketched for p in parts))


def sketch_texts(ids: Sequence[int], texts: Sequence[str], p: DedupeParams) -> Sketches:
    import numpy as np

    n = len(ids)
    hashes: list[str] = []
    ntok = np.zeros(n, dtype=np.int64)
    main_sets: list[np.ndarray] = []
    main_idx: list[int] = []
    open_sets: list[np.ndarray] = []
    open_idx: list[int] = []
    key_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    anchor_salt = salt(SKETCH_ANCHOR, 0)
    for i, text in enumerate(texts):
        toks = tokens(text)
        hashes.append(norm_hash(toks))
        ntok[i] = len(toks)
        if len(toks) < max(p.min_words, 1):
            continue
        main_sets.append(shingles(toks, p.shingle_size))
        main_idx.append(i)
        if p.opening_words:
            open_sets.append(opening(toks, p.opening_words, p.shingle_size))
            open_idx.append(i)
        if p.anchor_words and p.max_anchors:
            a = anchors(text, p.anchor_words, p.max_anchors, anchor_salt)
            if len(a):
                key_parts.append(a.view(np.int64))
                id_parts.append(np.full(len(a), ids[i], dtype=np.int64))
    id_arr = np.asarray(ids, dtype=np.int64)
    if main_sets:
        mk = band_keys(digests(main_sets, p.num_perm, p.seed), p.bands, SKETCH_MAIN)
        key_parts.append(mk.ravel())
        id_parts.append(np.repeat(id_arr[main_idx], p.bands))
    if open_sets:
        ok = band_keys(digests(open_sets, p.opening_perm, p.seed + 1), p.opening_bands, SKETCH_OPENING)
        key_parts.append(ok.ravel())
        id_parts.append(np.repeat(id_arr[open_idx], p.opening_bands))
    if key_parts:
        keys = np.concatenate(key_parts)
        kid = np.concatenate(id_parts)
        # unique (id, key): two bands of one text may collide on one key
        both = np.unique(np.stack([kid, keys], axis=1), axis=0)
        kid, keys = both[:, 0].copy(), both[:, 1].copy()
    else:
        keys = np.empty(0, dtype=np.int64)
        kid = np.empty(0, dtype=np.int64)
    return Sketches(id_arr, hashes, ntok, kid, keys, len(main_sets))


def read_texts(db_path: Path, ids: Sequence[int]) -> dict[int, str]:
    """Texts of some articles, read on a connection of this process's own."""
    from ..index import connect

    conn = connect(db_path, readonly=True)
    try:
        out: dict[int, str] = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for aid, text in conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", chunk):
                out[int(aid)] = text or ""
        return out
    finally:
        conn.close()


def sketch_from_db(db_path: Path, ids: Sequence[int], p: DedupeParams) -> Sketches:
    texts = read_texts(db_path, ids)
    return sketch_texts(list(ids), [texts.get(int(i), "") for i in ids], p)
