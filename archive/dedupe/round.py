"""One dedupe round, planned ahead (:mod:`.plan`), decided and written in one transaction:

1. the representatives' sketches (from the workers, or made here) and the later captures'
   normalised-text hashes;
2. candidates: shared MinHash band, opening-sketch band or paragraph anchor keys, within the
   round and against the stored keys (:func:`.keystore.pairs`); the same text; an attributed
   ``original_url`` that is an article here (:mod:`.propose`);
3. verification by containment (:mod:`.work`), then direction, kind, lag and diff
   (:mod:`.decide`), then reworded copies among what is left (:mod:`.spin`);
4. the write: the articles' state and keys, pairs stored earlier that a newly learned site
   role decides, the pairs (copies of copies dropped), versions, failures.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..index.articles import article_texts
from ..index.syndication import add_pairs, record_failures, url_captures
from ..model import iso, utcnow
from . import keystore
from .decide import Round, guarded, prefer_openings, revisit, rows_from_checks
from .meta import Meta, load_meta
from .normalize import norm_hash, tokens
from .plan import Plan
from .pool import Pool
from .propose import attributed_pairs, exact_pairs, flagged
from .sites import Sites, learn_from_db
from .sketch import Sketches
from .spin import find_spinners
from .state import add_articles, keys_with_versions, text_hashes
from .stats import DedupeStats, Progress, bump, note
from .versions import Snapshot, update_url
from .work import finish_sketch, verify

if TYPE_CHECKING:
    import sqlite3

    import numpy as np

    from .params import DedupeParams

COLUMNS = ("copy_article_id", "original_article_id", "copy_url", "original_url", "method",
           "similarity", "containment", "kind", "lag_seconds", "lag_resolution", "direction",
           "confidence", "evidence", "diff", "coverage", "shared_shingles", "found", "created")


@dataclass
class Context:
    """What every round of one run shares."""
    conn: "sqlite3.Connection"
    path: Path
    p: "DedupeParams"
    stats: DedupeStats
    progress: Progress | None
    pool: Pool
    parallel: bool
    sites: Sites

    def note(self, stage: str, done: int, total: int) -> None:
        note(self.progress, stage, done, total)


@dataclass
class _Candidates:
    lsh: "np.ndarray"             # encoded pairs sharing keys
    exact: set[int]               # encoded pairs with the same text
    attr: set[int]                # encoded pairs proposed by an attribution
    work: list[tuple[int, int, int]]  # every candidate as (a, b, flags), for the verification


def run_round(cx: Context, plan: Plan, ahead: Callable[[int], None]) -> None:
    """Decide one planned round and write it (module doc). ``ahead(depth)`` plans the next
    rounds (their sketches start in the workers)."""
    conn, p, stats = cx.conn, cx.p, cx.stats
    rnd = Round(conn, p, cx.sites, iso(utcnow()))
    learn_from_db(conn, cx.sites)  # the learned site roles as stored (decide.py adds the round's)
    learned_before = set(cx.sites.learned)
    ids, reps, later = plan.ids, plan.reps, plan.later
    metas = load_meta(conn, ids)
    for i, m in metas.items():  # Meta.key, computed once already by the plan
        m.__dict__["key"] = plan.url_keys[i]
    plan.url_keys = {}
    stats.new_articles += len(ids)
    cx.note("read", len(ids), len(ids))
    stats.representatives += len(reps)
    stats.later_captures += len(later)

    sk = finish_sketch(cx.path, plan, p, rnd.failures)
    plan.pending = None
    ahead(2)  # the next two rounds sketch in the background while this one works (the pool
    # runs this round's verification and spinner checks first)
    stats.sketches += sk.sketched
    cx.note("sketch", len(reps), len(reps))
    info = _text_info(cx.path, sk, later, rnd)
    cands = _candidates(cx, sk, reps, metas, info)
    cx.note("candidates", len(cands.work), len(cands.work))
    rows = _decide(cx, rnd, sk, reps, metas, info, cands)
    _write(cx, rnd, plan, metas, info, sk, rows, learned_before)
    cx.note("write", len(ids), len(ids))


def _text_info(path: Path, sk: Sketches, later: list[int], rnd: Round) -> dict[int, tuple[str, int]]:
    """(normalised-text hash, tokens) of the round's articles: the representatives' from their
    sketches, the later captures' computed here."""
    info: dict[int, tuple[str, int]] = {int(i): (h, int(n)) for i, h, n in
                                         zip(sk.ids.tolist(), sk.norm_hashes, sk.n_tokens.tolist())}
    later_texts = article_texts(path, later)
    for i in later:
        try:
            toks = tokens(later_texts.get(i, ""))
        except Exception as exc:  # recorded; the capture is kept with an empty text's hash
            rnd.fail((i,), "tokens", exc)
            toks = []
        info[i] = (norm_hash(toks), len(toks))
    return info


def _candidates(cx: Context, sk: Sketches, reps: list[int], metas: dict[int, Meta],
                info: dict[int, tuple[str, int]]) -> _Candidates:
    import numpy as np

    p, stats = cx.p, cx.stats
    # keys sorted once, in the store's order: the join and the write reuse it
    sk.keys, sk.key_ids = keystore.sort_runs(sk.keys, sk.key_ids)  # chunks in id order
    lsh, oversized = keystore.pairs(cx.conn, sk.keys, sk.key_ids, p.max_bucket, p.min_shared_keys)
    stats.oversized_buckets += oversized
    exact = exact_pairs(cx.conn, reps, info, p.max_bucket)
    attr = attributed_pairs(cx.conn, reps, metas)
    exact_arr = np.fromiter(exact, dtype=np.int64, count=len(exact))
    attr_arr = np.fromiter(attr, dtype=np.int64, count=len(attr))
    codes = np.union1d(np.union1d(lsh, exact_arr), attr_arr)
    stats.candidates += len(codes)
    for name, arr in (("lsh", lsh), ("exact", exact_arr), ("attribution", attr_arr)):
        bump(stats.candidates_by_source, name, len(arr))
    return _Candidates(lsh, exact, attr, flagged(cx.conn, codes, attr_arr, metas))


def _decide(cx: Context, rnd: Round, sk: Sketches, reps: list[int], metas: dict[int, Meta],
            info: dict[int, tuple[str, int]], cands: _Candidates) -> list[dict[str, Any]]:
    """Syndication rows of the verified candidates, then of the reworded copies."""
    import numpy as np

    p, stats, work = cx.p, cx.stats, cands.work
    checks, rejected = verify(cx.path, work, p, cx.pool, cx.parallel, rnd)
    checks = prefer_openings(checks, cands.exact | cands.attr, p)
    stats.verified += len(checks)
    stats.rejected += rejected
    cx.note("verify", len(work), len(work))

    hashes = {i: h for i, (h, _) in info.items()}
    missing = sorted({i for c in checks for i in (c.a, c.b)} - set(hashes))
    hashes.update(text_hashes(cx.conn, missing))
    lsh = cands.lsh
    rows = rows_from_checks(rnd, checks, metas, hashes, cands.exact, cands.attr,
                            set(lsh.tolist()) if len(lsh) < 5_000_000 else None)
    # reworded copies (keys made by the sketch workers; stored in this round's transaction)
    rows += find_spinners(cx.conn, cx.path, reps, metas, p, stats, rows, sk.spin_keys, sk.spin_ids,
                          cx.pool if cx.parallel else None, rnd=rnd)
    sk.spin_keys = sk.spin_ids = np.empty(0, dtype=np.int64)
    cx.note("spinners", len(reps), len(reps))
    return rows


def _write(cx: Context, rnd: Round, plan: Plan, metas: dict[int, Meta], info: dict[int, tuple[str, int]],
           sk: Sketches, rows: list[dict[str, Any]], learned_before: set[str]) -> None:
    """Everything of the round, in one transaction."""
    conn, stats = cx.conn, cx.stats
    with conn:
        key_count = _keys_per_article(sk.key_ids)
        state = []
        for i in plan.reps:
            m = metas[i]
            state.append((i, m.key, m.original_key, info[i][0], info[i][1], "rep", key_count.get(i, 0)))
        for i in plan.later:
            m = metas[i]
            state.append((i, m.key, m.original_key, info[i][0], info[i][1], "version", 0))
        add_articles(conn, state)
        stats.lsh_inserts += keystore.add(conn, sk.keys, sk.key_ids)
        stats.redecided += revisit(rnd, learned_before, metas)  # before this round's pairs are in
        _write_pairs(conn, rows, stats)
        stats.versions += _versions(conn, cx.path, metas, plan.ids, rnd)
        stats.failed += record_failures(conn, rnd.failures, rnd.now)


def _keys_per_article(key_ids: "np.ndarray") -> dict[int, int]:
    """Candidate keys of each article (ids of one round: a dense range, no sort needed)."""
    import numpy as np

    if not len(key_ids):
        return {}
    base = int(key_ids.min())
    c = np.bincount(key_ids - base)
    nz = np.flatnonzero(c)
    return dict(zip((nz + base).tolist(), c[nz].tolist()))


def _write_pairs(conn: "sqlite3.Connection", rows: list[dict[str, Any]], stats: DedupeStats) -> None:
    """Store the round's pairs (copies of copies dropped: ``index.syndication.add_pairs``)."""
    added, removed = add_pairs(conn, rows, COLUMNS)
    stats.copy_of_copy_removed += removed
    for r in added:
        stats.pairs += 1
        bump(stats.pairs_by_method, r["method"])
        bump(stats.pairs_by_kind, r["kind"])
        bump(stats.pairs_by_direction, r["direction"])


def _versions(conn: "sqlite3.Connection", path: Path, metas: dict[int, Meta], ids: list[int],
              rnd: Round) -> int:
    """``versions`` rows of the round's URLs that have more than one capture; returns rows added."""
    multi = keys_with_versions(conn, sorted({metas[i].key for i in ids}))
    if not multi:
        return 0
    rows = url_captures(conn, multi)
    snaps: dict[str, list[Snapshot]] = {}
    for aid, cap, url, captured, h, k in rows:
        snaps.setdefault(k, []).append(Snapshot(int(aid), cap, url, captured, h))
    texts = article_texts(path, [int(r[0]) for r in rows])
    return sum(guarded(rnd, "versions", list(snaps.values()), lambda s: [x.article_id for x in s],
                       lambda s: update_url(conn, s, texts)))
