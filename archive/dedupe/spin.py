"""Reworded ("article spinner") copies: candidates from the entity skeleton, verified on several
signals, paired with ``method = 'spinner'``. This module runs the method in a dedupe round
(:func:`find_spinners`); the skeleton is defined in :mod:`.skeleton`, computed for a batch in
:mod:`.skelbatch` and verified in :mod:`.spincheck`.

A spinner swaps ordinary words for synonyms, mostly one for one, and keeps names, numbers and
quotes: word shingles break, but the *skeleton* stays — the ordered entities (capitalised words
not at a sentence start, numbers, quoted spans) with the word gaps between them. Another
outlet's own story on the same event uses the same names and quotes, in other places.

* Keys: windows of ``spin_window`` consecutive entities with their gaps (binned by powers of
  two, so a phrase swapped for a longer one rarely moves a bin) are hashed; each article keeps
  its first ``spin_opening`` windows and the ``spin_keys`` smallest (a consistent sample). The
  sketch workers compute them with the band keys (one read of the texts); they are stored as
  sorted runs in ``dedupe_spin_runs`` (:mod:`.keystore`, the band keys' layout) and joined the
  same way, so a later run only adds new articles. A batch's skeletons are computed with numpy
  over one buffer of its texts (:func:`.skelbatch.keys_batch`, :func:`.skelbatch.skeletons`:
  about 4× faster than :func:`.skeleton.skeleton` text by text, measured on the synthetic
  corpus, with the same keys).
  Articles the other methods found to be copies in the same round, made at least
  ``COPY_SHARE`` of their original's text, get no keys (their original's keys stand for them):
  on a 100k synthetic corpus this cut the spinner candidates from 47 000 to about 800 and the
  stored keys by a quarter.
* Verification (:func:`.spincheck.check_spin`): the two entity sequences are aligned and
  the pair is kept on five signals — skeleton, overlap, span ratio, sentence profile, kept
  words (:mod:`.spincheck` says what each measures). Same-topic stories pass the overlap
  check and fail the others.
* Pairs already found by the other methods in the round are not checked again; direction, lag
  and diff follow the usual rules, and the kind comes from how much of the original the copy's
  mapped word range covers. A spun copy that names its original keeps ``method =
  'attribution'`` (as every attributed pair does); ``found = 'spinner'`` tells how it was found.

No word embeddings: measured with wordllama 0.4 here, a hand-made spun copy of a real English
story scored 0.79 against its original while another outlet's story on the same event scored
0.87, and on the synthetic corpus same-topic non-copies reached 0.998 (spun copies 0.95–0.99);
about 2 ms of CPU per document besides. The skeleton signals separate both cases.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..index.articles import article_texts
from ..model import iso, utcnow
from . import keystore
from .candidates import decode, encode
from .decide import Round, decide_all, guarded, involved_metas, pair_row
from .diff import paragraph_diff
from .meta import Meta, load_meta
from .normalize import tokens
from .shingles import shingles
from .sites import Sites
from .skelbatch import keys_batch
from .skeleton import words
from .spincheck import SpinCheck, checks_from_db
from .state import started
from .stats import DedupeStats, bump
from .verify import kind_of

if TYPE_CHECKING:
    import sqlite3

    import numpy as np

    from .params import DedupeParams
    from .pool import Pool

KEY_VERSION = "spin-skeleton-v2 runs"  # v2: keys in a sorted-run key store (keystore.py)
TABLE = "dedupe_spin_runs"
_PART = 50  # candidate pairs per worker task, at least
COPY_SHARE = 0.7  # a found copy with this share of its text from its original gets no spin keys


def find_spinners(conn: "sqlite3.Connection", path: Path, reps: Sequence[int], metas: dict[int, Meta],
                  p: DedupeParams, stats: DedupeStats, found: Sequence[dict[str, Any]],
                  keys: "np.ndarray | None" = None, key_ids: "np.ndarray | None" = None,
                  pool: Pool | None = None, rnd: Round | None = None) -> list[dict[str, Any]]:
    """One dedupe round's spinner pairs among its representatives ``reps``, as syndication
    rows. ``found``: the rows the other methods made this round (those pairs are not checked
    again); ``keys``, ``key_ids``: the representatives' skeleton keys as the sketch workers made
    them (:class:`.sketch.Sketches`; computed here from the texts when None). The round's keys
    are added to the key store on ``conn`` without a commit: they commit with the round's own
    transaction. ``pool``: the round's process pool when it runs in parallel (the candidates
    are checked in it), else None. ``rnd``: the round's :class:`.decide.Round` (sites, failures;
    made here when None)."""
    import numpy as np

    if rnd is None:
        rnd = Round(conn, p, Sites.from_params(p), iso(utcnow()))
    keystore.ensure(conn, TABLE)
    if not started(conn):  # a fresh or rebuilt state: keys of an earlier build must not linger
        keystore.clear(conn, TABLE)
    if not p.spin_window:
        return []
    if keys is None or key_ids is None:
        keys, key_ids = keys_from_db(path, reps, p)
    # a copy the other methods found this round, made mostly of its original's text, carries
    # its original's skeleton: no keys of its own (the original's keys find a spun version;
    # copies' shared skeletons and wrappers would only make candidate pairs to reject)
    copies = [r["copy_article_id"] for r in found if _copy_share(r) >= COPY_SHARE]
    keep = np.isin(key_ids, np.asarray(reps, dtype=np.int64))
    if copies:
        keep &= ~np.isin(key_ids, np.asarray(copies, dtype=np.int64))
    keys, key_ids = keystore.sort(keys[keep], key_ids[keep])
    del keep
    codes, _ = keystore.pairs(conn, keys, key_ids, p.max_bucket, p.spin_min_shared_keys, TABLE)
    keystore.add(conn, keys, key_ids, TABLE)
    if len(codes):
        seen = encode(np.array([r["copy_article_id"] for r in found], dtype=np.int64),
                      np.array([r["original_article_id"] for r in found], dtype=np.int64))
        codes = codes[~np.isin(codes, seen)]
    _bump(stats, "candidates", len(codes))
    if not len(codes):
        return []
    lo, hi = decode(codes)
    work = _other_sites(conn, list(zip(lo.tolist(), hi.tolist())), metas)
    part = max(_PART, len(work) // (4 * (pool.workers if pool is not None else 2)) + 1)
    if pool is not None and len(work) > part:
        parts = pool.map(checks_from_db, [(path, work[s:s + part], p) for s in range(0, len(work), part)])
    else:
        parts = [checks_from_db(path, work, p)]
    checks = [c for cs, _ in parts for c in cs]
    rnd.failures.extend(f for _, fs in parts for f in fs)
    _bump(stats, "verified", len(checks))
    _bump(stats, "rejected", len(work) - len(checks))
    texts = article_texts(path, sorted({i for a, b, _ in checks for i in (a, b)}))
    return _rows(rnd, checks, metas, texts)


def _other_sites(conn: "sqlite3.Connection", work: list[tuple[int, int]],
                 metas: dict[int, Meta]) -> list[tuple[int, int]]:
    """The candidate pairs of two different sites. Pages of one site share its chrome — a list
    of its own headlines under each teaser, in title case, is a run of names in one order that
    the skeleton matches (on real pages: every false spinner pair was two teasers of one site),
    and a site does not reword its own stories."""
    hosts = {i: m.host for i, m in metas.items()}
    rest = sorted({i for pair in work for i in pair} - set(hosts))
    hosts.update((i, m.host) for i, m in load_meta(conn, rest).items())
    return [(a, b) for a, b in work if hosts.get(a) != hosts.get(b)]


def _copy_share(row: dict[str, Any]) -> float:
    """Share of the copy's shingles found in the original, from a syndication row's figures
    (shared = coverage × |original| = similarity × |union|)."""
    shared = row.get("shared_shingles") or 0
    sim, cov = row.get("similarity") or 0.0, row.get("coverage") or 0.0
    if shared <= 0 or sim <= 0 or cov <= 0:
        return 0.0
    n_copy = shared / sim + shared - shared / cov
    return min(1.0, shared / max(1.0, n_copy))


def keys_from_db(db_path: Path, ids: Sequence[int], p: DedupeParams) -> tuple["np.ndarray", "np.ndarray"]:
    """Worker-process entry point of :func:`.skelbatch.keys_batch` (reads the texts itself)."""
    texts = article_texts(db_path, ids)
    return keys_batch(list(ids), [texts.get(int(i), "") for i in ids], p)


def _bump(stats: DedupeStats, name: str, n: int) -> None:
    """Add to a counter of the stats (candidates also count under the 'spinner' source)."""
    setattr(stats, name, getattr(stats, name) + n)
    if name == "candidates":
        bump(stats.candidates_by_source, "spinner", n)


def _rows(rnd: Round, checks: list[tuple[int, int, SpinCheck]], metas: dict[int, Meta],
          texts: dict[int, str]) -> list[dict[str, Any]]:
    import numpy as np

    if not checks:
        return []
    p = rnd.p
    allm = involved_metas(rnd.conn, (i for a, b, _ in checks for i in (a, b)), metas)
    dirs = decide_all(rnd, [(allm[a], allm[b], c.cover_a, c.cover_b) for a, b, c in checks])

    def row(x: tuple[tuple[int, int, SpinCheck], Any]) -> dict[str, Any] | None:
        (a, b, c), d = x
        if d is None:
            return None
        copy, orig = d.copy, d.original
        n_orig = len(words(texts[orig.id]))
        covered = (c.cover_b if orig.id == b else c.cover_a) * n_orig
        sh_a = shingles(tokens(texts[a]), p.shingle_size)
        sh_b = shingles(tokens(texts[b]), p.shingle_size)
        shared = int(np.intersect1d(sh_a, sh_b, assume_unique=True).size)
        method = "attribution" if copy.original_key and copy.original_key == orig.key else "spinner"
        return pair_row(rnd, d, method=method, similarity=shared / max(1, len(sh_a) + len(sh_b) - shared),
                        containment=shared / max(1, min(len(sh_a), len(sh_b))),
                        kind=kind_of(int(round(covered)), n_orig, p),
                        diff=paragraph_diff(texts[orig.id], texts[copy.id]),
                        coverage=covered / max(1, n_orig), shared=shared, found="spinner")

    return guarded(rnd, "spinner", list(zip(checks, dirs)), lambda x: x[0][:2], row)
