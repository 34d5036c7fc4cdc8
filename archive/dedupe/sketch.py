"""Per-article features for a batch: normalised-text hash, token count and candidate keys
(whole-text MinHash bands, opening-words MinHash bands, paragraph anchors), and the spinner's
entity-skeleton keys (:func:`.skelbatch.keys_batch`) from the same texts, so they are read once.

:func:`sketch_texts` is pure; :func:`sketch_from_db` is the worker-process entry point (it reads
the texts itself, so only ids cross the process boundary).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..index.articles import article_texts
from .batchtok import tokenize
from .minhash import SKETCH_ANCHOR, SKETCH_MAIN, SKETCH_OPENING, band_keys, salt
from .params import DedupeParams
from .shingles import mix, roll_flat

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Sketches:
    ids: "np.ndarray"          # int64 article ids
    norm_hashes: list[str]
    n_tokens: "np.ndarray"     # int64
    key_ids: "np.ndarray"      # int64: article id of each key
    keys: "np.ndarray"         # int64 candidate keys (unique per article), by (unsigned key, id)
    sketched: int              # articles that got MinHash sketches
    spin_keys: "np.ndarray"    # int64 spinner skeleton keys (unique per article)
    spin_ids: "np.ndarray"     # int64: article id of each spinner key

    @staticmethod
    def concat(parts: Sequence["Sketches"]) -> "Sketches":
        import numpy as np

        if not parts:
            e = np.empty(0, dtype=np.int64)
            return Sketches(e, [], e.copy(), e.copy(), e.copy(), 0, e.copy(), e.copy())
        return Sketches(np.concatenate([p.ids for p in parts]),
                        [h for p in parts for h in p.norm_hashes],
                        np.concatenate([p.n_tokens for p in parts]),
                        np.concatenate([p.key_ids for p in parts]),
                        np.concatenate([p.keys for p in parts]),
                        sum(p.sketched for p in parts),
                        np.concatenate([p.spin_keys for p in parts]),
                        np.concatenate([p.spin_ids for p in parts]))


def sketch_texts(ids: Sequence[int], texts: Sequence[str], p: DedupeParams) -> Sketches:
    """Features of a batch, vectorised over the batch's concatenated word hashes."""
    import numpy as np

    tk = tokenize(texts)
    hashes = tk.norm_hashes
    ntok = tk.counts
    w = tk.words
    min_words = max(p.min_words, p.shingle_size, 1)
    anchor_at = np.empty(0, dtype=np.int64)   # global word index of each anchor unit's start
    anchor_doc = np.empty(0, dtype=np.int64)
    if p.anchor_words and p.max_anchors and len(tk.unit_starts):
        us = tk.unit_starts
        ul = np.diff(np.concatenate((us, [len(w)])))
        doc = np.searchsorted(tk.offsets, us, "right") - 1
        q = np.flatnonzero((ul >= p.anchor_words) & (ntok[doc] >= min_words))
        dq = doc[q]
        first_of_doc = np.concatenate(([True], dq[1:] != dq[:-1]))
        group_start = np.maximum.accumulate(np.where(first_of_doc, np.arange(len(q)), 0))
        q = q[np.arange(len(q)) - group_start < p.max_anchors]
        anchor_at, anchor_doc = us[q], doc[q]
    id_arr = np.asarray(ids, dtype=np.int64)
    chosen = np.flatnonzero(ntok >= min_words)
    key_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    if len(chosen):
        lengths = ntok[chosen]
        s0 = tk.offsets[:-1][chosen]
        key_parts, id_parts = [], []

        rolled: dict[int, np.ndarray] = {}

        def windows(k: int, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Flat window hashes of each chosen doc's first ``limit`` tokens, and offsets."""
            r = rolled.get(k)
            if r is None:
                r = rolled[k] = roll_flat(w, k)
            counts = np.maximum(limit - k + 1, 0)
            offs = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=offs[1:])
            idx = np.repeat(s0 - offs[:-1], counts) + np.arange(offs[-1])
            return r[idx], offs

        sh, offs = windows(p.shingle_size, lengths)
        dig = _digests_flat(sh, offs, p.num_perm, p.seed)
        key_parts.append(band_keys(dig, p.bands, SKETCH_MAIN).ravel())
        id_parts.append(np.repeat(id_arr[chosen], p.bands))
        if p.opening_words:
            sh, offs = windows(p.shingle_size, np.minimum(lengths, p.opening_words))
            dig = _digests_flat(sh, offs, p.opening_perm, p.seed + 1)
            key_parts.append(band_keys(dig, p.opening_bands, SKETCH_OPENING).ravel())
            id_parts.append(np.repeat(id_arr[chosen], p.opening_bands))
        if len(anchor_at):
            ra = rolled.get(p.anchor_words)
            if ra is None:
                ra = roll_flat(w, p.anchor_words)
            ra = ra[anchor_at]
            ak = mix(ra ^ np.uint64(salt(SKETCH_ANCHOR, 0)))
            key_parts.append(ak.view(np.int64))
            id_parts.append(id_arr[anchor_doc])
    if key_parts:
        keys = np.concatenate(key_parts)
        kid = np.concatenate(id_parts)
        order = np.lexsort((kid, keys.view(np.uint64)))  # the key store's order (keystore.sort)
        keys, kid = keys[order], kid[order]
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (kid[1:] != kid[:-1])
        keys, kid = keys[keep], kid[keep]
    else:
        keys = np.empty(0, dtype=np.int64)
        kid = np.empty(0, dtype=np.int64)
    if p.spin_window:
        from .skelbatch import keys_batch

        spin_keys, spin_ids = keys_batch(list(ids), texts, p)
    else:
        spin_keys, spin_ids = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return Sketches(id_arr, hashes, ntok, kid, keys, len(chosen), spin_keys, spin_ids)


def _digests_flat(sh: "np.ndarray", offs: "np.ndarray", num_perm: int, seed: int) -> "np.ndarray":
    import numpy as np
    from rensa import RMinHash

    m = RMinHash.digest_matrix_from_flat_token_hashes(sh, offs.astype(np.uint64), num_perm, seed)
    return np.array(m.to_rows(), dtype=np.uint32).reshape(len(offs) - 1, num_perm)


def sketch_from_db(db_path: Path, ids: Sequence[int], p: DedupeParams) -> Sketches:
    texts = article_texts(db_path, ids)
    return sketch_texts(list(ids), [texts.get(int(i), "") for i in ids], p)
