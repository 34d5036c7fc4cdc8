"""The incremental dedupe runner: only articles not yet in ``dedupe_state`` are processed.

One round (up to ``batch`` new articles) = choose one representative per URL (its first capture;
later captures only feed ``versions``) → sketch the representatives (both cores when many) →
candidates (same text hash; shared MinHash band, opening-sketch band or paragraph anchor, within
the round and against the stored keys; an attributed original_url that is an article here) →
verify by containment → direction, kind, lag, diff → drop copy-of-copy pairs (two copies of one
original are each kept against the original) → write everything in one transaction.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..errors import ConfigError
from . import keystore
from .batchtok import WORD_HASH
from .candidates import chunked, decode, group_pairs
from .decide import Failure, Round, guarded, prefer_openings, revisit, rows_from_checks
from .meta import Meta, load_meta
from .minhash import KEY_VERSION, algorithm_version
from .normalize import host_key, norm_hash, tokens
from .params import DedupeParams, params_from_config
from .sites import Sites, learn_from_db
from .sketch import Sketches, sketch_from_db, sketch_texts
from .spin import KEY_VERSION as SPIN_KEY_VERSION
from .spin import TABLE as SPIN_TABLE
from .spin import find_spinners
from .verify import ATTRIBUTED, SAME_SITE, Check, check_from_db, check_pairs
from .versions import Snapshot, update_url
from ..index.articles import article_fields, article_sites, article_texts
from ..index.syndication import add_pairs, articles_to_dedupe, record_failures, url_captures

if TYPE_CHECKING:
    import sqlite3

    from ..config import Config

Progress = Callable[[str, int, int], None]


@dataclass
class DedupeStats:
    new_articles: int = 0
    representatives: int = 0      # new articles that are the first capture of their URL
    later_captures: int = 0       # new articles that are later captures of a known URL
    sketches: int = 0             # MinHash sketches computed
    lsh_inserts: int = 0          # candidate keys added to the stored runs (keystore)
    candidates: int = 0
    candidates_by_source: dict[str, int] = field(default_factory=dict)
    oversized_buckets: int = 0
    verified: int = 0
    rejected: int = 0
    pairs: int = 0
    pairs_by_method: dict[str, int] = field(default_factory=dict)
    pairs_by_kind: dict[str, int] = field(default_factory=dict)
    pairs_by_direction: dict[str, int] = field(default_factory=dict)
    copy_of_copy_removed: int = 0
    versions: int = 0
    failed: int = 0               # articles recorded in dedupe_failures (a step raised on them)
    redecided: int = 0            # stored pairs a site role learned since decided anew
    rounds: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.pairs_by_method.items())) or "none"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.pairs_by_kind.items())) or "none"
        failed = f", {self.failed} articles skipped (see dedupe_failures)" if self.failed else ""
        return (f"dedupe: {self.new_articles} new articles ({self.representatives} first captures), "
                f"{self.candidates} candidates, {self.pairs} pairs ({by}; {kinds}), "
                f"{self.versions} versions{failed}, {self.seconds:.1f}s")


def _bump(d: dict[str, int], key: str, n: int = 1) -> None:
    d[key] = d.get(key, 0) + n


def wanted_params(p: DedupeParams) -> dict[str, str]:
    out = {k: json.dumps(v) for k, v in p.hashing().items()}
    out["algorithm"] = algorithm_version()
    out["shingle_hash"] = f"{WORD_HASH} roll-splitmix64"
    out["band_key"] = KEY_VERSION
    out["spin_key"] = f"{SPIN_KEY_VERSION} {keystore.LAYOUT}"
    return out


def check_params(conn: "sqlite3.Connection", p: DedupeParams, config_path: str) -> None:
    """Store the hashing parameters on first use; refuse to mix keys made differently."""
    wanted = wanted_params(p)
    stored = dict(conn.execute("SELECT name, value FROM dedupe_params").fetchall())
    if not stored:
        with conn:  # fresh state: runs left without their parameters (a foreign clear) go too
            keystore.clear(conn)
            keystore.clear(conn, SPIN_TABLE)
            conn.executemany("INSERT INTO dedupe_params (name, value) VALUES (?, ?)", wanted.items())
        return
    for name in sorted(set(wanted) | set(stored)):
        if wanted.get(name) != stored.get(name):
            raise ConfigError(
                f"differs from the stored LSH state ({stored.get(name)} stored, {wanted.get(name)} now); "
                "run `archive dedupe --rebuild` to recompute it", path=config_path, section="dedupe",
                field=name)


class _Pool:
    """A process pool made on first use, with two queues: calls the main process waits for
    (``map``: verification, spinner checks) go before background calls (``submit``: the next
    rounds' sketches), and only ``workers + 1`` calls are handed to the executor at a time, so
    a verification waits for at most the sketch chunks already running, not for a whole queued
    round, and the workers still have sketches to do while the main process writes.

    Workers are spawned, not forked: a fork after rensa's Rust thread pool has started leaves
    the child deadlocked. (Spawn re-imports the caller's ``__main__``: scripts need the usual
    ``if __name__ == "__main__"`` guard.) Workers open their own read-only connections."""

    def __init__(self, workers: int) -> None:
        import threading

        self.workers = workers
        self.ex: Any = None
        self._lock = threading.Lock()
        self._urgent: deque[tuple[Any, Callable, tuple]] = deque()
        self._background: deque[tuple[Any, Callable, tuple]] = deque()
        self._running = 0

    def submit(self, fn: Callable, args: list[tuple], *, urgent: bool = False) -> list:
        """Queue the calls (first in, first out within their queue); returns their futures."""
        from concurrent.futures import Future

        if self.ex is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.ex = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        futures: list[Future] = [Future() for _ in args]
        with self._lock:
            (self._urgent if urgent else self._background).extend(
                (f, fn, a) for f, a in zip(futures, args))
        self._fill()
        return futures

    def _fill(self) -> None:
        while True:
            with self._lock:
                if self._running > self.workers or self.ex is None:
                    return
                queue = self._urgent or self._background
                if not queue:
                    return
                mine, fn, args = queue.popleft()
                if not mine.set_running_or_notify_cancel():
                    continue
                self._running += 1
            inner = self.ex.submit(fn, *args)
            inner.add_done_callback(lambda done, mine=mine: self._done(done, mine))

    def _done(self, done: Any, mine: Any) -> None:
        with self._lock:
            self._running -= 1
        if done.cancelled():
            mine.cancel()
        elif done.exception() is not None:
            mine.set_exception(done.exception())
        else:
            mine.set_result(done.result())
        self._fill()

    def map(self, fn: Callable, args: list[tuple]) -> list:
        return [f.result() for f in self.submit(fn, args, urgent=True)]

    def close(self) -> None:
        with self._lock:
            waiting = list(self._urgent) + list(self._background)
            self._urgent.clear()
            self._background.clear()
        for f, _, _ in waiting:
            f.cancel()
        if self.ex is not None:
            self.ex.shutdown(wait=True, cancel_futures=True)
            self.ex = None


def run_dedupe(data_dir: Path, config: "Config", *, progress: Progress | None = None,
               rebuild: bool = False) -> DedupeStats:
    """Pair copies with originals among the articles not yet processed (see module doc)."""
    return dedupe_with(Path(data_dir), params_from_config(config), progress=progress,
                       rebuild=rebuild, config_path=str(config.path))


def dedupe_with(data_dir: Path, p: DedupeParams, *, progress: Progress | None = None,
                rebuild: bool = False, config_path: str = "config") -> DedupeStats:
    from ..index import db_path, open_db
    from ..index.syndication import clear

    t0 = time.perf_counter()
    db = open_db(data_dir)
    conn = db.conn
    path = db_path(data_dir)
    try:
        if rebuild:
            clear(db)
        keystore.ensure(conn)
        # 256 MiB: the three dedupe_state indexes reach ~120 MB at a million articles; each round
        # inserts into all of them at random places (a smaller cache spills and rereads pages)
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA temp_store = MEMORY")
        check_params(conn, p, config_path)
        new_ids = articles_to_dedupe(conn)
        stats = DedupeStats()
        sites = Sites.from_params(p)
        pool = _Pool(p.workers)
        parallel = len(new_ids) >= p.parallel_min and p.workers > 1
        rounds = [new_ids[s:s + p.batch] for s in range(0, len(new_ids), p.batch)]
        plans: deque[_Plan] = deque()  # planned rounds waiting behind the current one
        in_flight: set[str] = set()      # URL keys given a representative by a planned round
        planned = 0

        def ahead(depth: int) -> None:
            """Plan rounds (and start their sketches) until ``depth`` wait behind the current."""
            nonlocal planned
            while len(plans) < depth and planned < len(rounds):
                plan = _plan(conn, rounds[planned], in_flight)
                planned += 1
                in_flight.update(plan.rep_keys)
                plan.pending, plan.chunks = _start_sketch(path, plan.reps, p, pool, parallel)
                plans.append(plan)

        try:
            for _ in rounds:
                ahead(1)
                plan = plans.popleft()
                _round(conn, path, plan, p, stats, progress, pool, parallel,
                       ahead if parallel else lambda depth: None, sites)
                in_flight.difference_update(plan.rep_keys)  # stored now
                stats.rounds += 1
        finally:
            pool.close()
        stats.seconds = time.perf_counter() - t0
        return stats
    finally:
        conn.close()


def _note(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _sites_of(conn: "sqlite3.Connection", metas: dict[int, Meta], ids: list[int]) -> dict[int, str]:
    """Site (host) of each of ``ids``: the round's from their metas, the others from the index."""
    out = {i: metas[i].host for i in ids if i in metas}
    rest = [i for i in ids if i not in out]
    out.update((int(i), host_key(site)) for i, site in article_sites(conn, rest))
    return out


def _verify(path: Path, work: list[tuple[int, int, int]], p: DedupeParams, pool: _Pool,
            parallel: bool, rnd: Round) -> tuple[list[Check], int]:
    if not parallel or len(work) < 2000:
        parts = [_check_safely(path, work, p, rnd)]
    else:
        size = max(1000, min(20000, len(work) // (pool.workers * 8) + 1))
        chunks = [work[s:s + size] for s in range(0, len(work), size)]
        futures = pool.submit(check_from_db, [(path, c, p) for c in chunks], urgent=True)
        parts = []
        for f, chunk in zip(futures, chunks):
            try:
                parts.append(f.result())
            except Exception:  # a worker's chunk raised: again here, pair by pair
                parts.append(_check_safely(path, chunk, p, rnd))
    ok = [c for part, _ in parts for c in part]
    return ok, sum(r for _, r in parts)


def _check_safely(path: Path, work: list[tuple[int, int, int]], p: DedupeParams,
                  rnd: Round) -> tuple[list[Check], int]:
    """check_pairs of a chunk; when it raises, pair by pair, recording the pairs that fail."""
    texts = article_texts(path, sorted({i for a, b, _ in work for i in (a, b)}))
    try:
        return check_pairs(work, texts, p)
    except Exception:
        parts = guarded(rnd, "verify", work, lambda w: w[:2], lambda w: check_pairs([w], texts, p))
        return [c for part, _ in parts for c in part], sum(r for _, r in parts)


def _in_list(conn: "sqlite3.Connection", sql: str, values: Sequence[Any]) -> list[tuple]:
    out: list[tuple] = []
    for chunk in chunked(list(values)):
        out.extend(conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall())
    return out


@dataclass
class _Plan:
    """A round decided ahead: its articles, representatives and later captures, and its
    sketches (computing in the worker processes while the main process works on earlier rounds)."""
    ids: list[int]
    reps: list[int]
    later: list[int]
    rep_keys: set[str]
    url_keys: dict[int, str]
    pending: Any = None
    chunks: list[list[int]] = field(default_factory=list)  # ids of each pending sketch chunk


def _plan(conn: "sqlite3.Connection", ids: list[int], in_flight: set[str]) -> _Plan:
    """One representative per URL: its first capture; later captures only make versions. URLs
    whose representative is stored, or belongs to a round planned before (``in_flight``), get
    none here."""
    from .normalize import url_key

    by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
    keys: dict[int, str] = {}
    for aid, url, captured in article_fields(conn, ids, ("id", "url", "captured")):
        k = keys[int(aid)] = url_key(url) or url
        by_key[k].append((captured or "", int(aid)))
    known = {k for (k,) in _in_list(conn, "SELECT url_key FROM dedupe_state WHERE role = 'rep' "
                                          "AND url_key IN ({marks})", list(by_key))}
    reps: list[int] = []
    later: list[int] = []
    for k, members in by_key.items():
        members.sort()
        if k in known or k in in_flight:
            later.extend(i for _, i in members)
        else:
            reps.append(members[0][1])
            later.extend(i for _, i in members[1:])
    reps.sort()
    return _Plan(ids, reps, later, {k for k in by_key if k not in known and k not in in_flight}, keys)


def _start_sketch(path: Path, ids: list[int], p: DedupeParams, pool: _Pool,
                  parallel: bool) -> tuple[Any, list[list[int]]]:
    if not parallel:
        return None, []
    size = max(1000, min(5000, len(ids) // (pool.workers * 8) + 1))
    chunks = [ids[s:s + size] for s in range(0, len(ids), size)]
    return pool.submit(sketch_from_db, [(path, c, p) for c in chunks]), chunks


def _finish_sketch(path: Path, plan: _Plan, p: DedupeParams, failures: list[Failure]) -> Sketches:
    if plan.pending is None:
        return _sketch_safely(path, plan.reps, p, failures)
    parts = []
    for f, chunk in zip(plan.pending, plan.chunks):
        try:
            parts.append(f.result())
        except Exception:  # a worker's chunk raised: again here, article by article
            parts.append(_sketch_safely(path, chunk, p, failures))
    return Sketches.concat(parts)


def _sketch_safely(path: Path, ids: list[int], p: DedupeParams, failures: list[Failure]) -> Sketches:
    """sketch_texts of some articles; when it raises, one article at a time, and an article whose
    text makes it raise is recorded and sketched as an empty text (it gets no keys)."""
    texts = article_texts(path, ids)
    try:
        return sketch_texts(ids, [texts.get(i, "") for i in ids], p)
    except Exception:
        parts = []
        for i in ids:
            try:
                parts.append(sketch_texts([i], [texts.get(i, "")], p))
            except Exception as exc:
                failures.append((i, "sketch", f"{type(exc).__name__}: {exc}"[:500]))
                parts.append(sketch_texts([i], [""], p))
        return Sketches.concat(parts)


def _round(conn: "sqlite3.Connection", path: Path, plan: _Plan, p: DedupeParams,
           stats: DedupeStats, progress: Progress | None, pool: _Pool, parallel: bool,
           ahead: Callable[[int], None], sites: Sites) -> None:
    import numpy as np

    from ..model import iso, utcnow

    rnd = Round(conn, p, sites, iso(utcnow()))
    learn_from_db(conn, sites)  # the learned site roles as stored (decide.py adds the round's)
    learned_before = set(sites.learned)
    ids, reps, later = plan.ids, plan.reps, plan.later
    metas = load_meta(conn, ids)
    for i, m in metas.items():  # Meta.key, computed once already by the plan
        m.__dict__["key"] = plan.url_keys[i]
    plan.url_keys = {}
    stats.new_articles += len(ids)
    _note(progress, "read", len(ids), len(ids))
    stats.representatives += len(reps)
    stats.later_captures += len(later)

    sk = _finish_sketch(path, plan, p, rnd.failures)
    plan.pending = None
    ahead(2)  # the next two rounds sketch in the background while this one works (the pool
    # runs this round's verification and spinner checks first)
    stats.sketches += sk.sketched
    _note(progress, "sketch", len(reps), len(reps))
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

    # candidates (keys sorted once, in the store's order: the join and the write reuse it)
    sk.keys, sk.key_ids = keystore.sort_runs(sk.keys, sk.key_ids)  # chunks in id order
    lsh_old, big_old = keystore.join(conn, sk.keys, sk.key_ids, p.max_bucket, p.min_shared_keys)
    if len(big_old):  # buckets already too big with their stored members
        keep = ~np.isin(sk.keys, big_old)
        lsh_new, big_new = group_pairs(sk.keys[keep], sk.key_ids[keep], p.max_bucket, p.min_shared_keys)
        del keep
    else:
        lsh_new, big_new = group_pairs(sk.keys, sk.key_ids, p.max_bucket, p.min_shared_keys)
    stats.oversized_buckets += len(big_old) + big_new
    lsh = np.union1d(lsh_new, lsh_old)

    exact: set[int] = set()
    groups: dict[str, list[int]] = defaultdict(list)
    for i in reps:
        h, n = info[i]
        if n > 0:
            groups[h].append(i)
    for a, h in _in_list(conn, "SELECT article_id, norm_hash FROM dedupe_state WHERE role = 'rep' "
                               "AND tokens > 0 AND norm_hash IN ({marks})", list(groups)):
        groups[h].append(int(a))
    for same in groups.values():
        if 1 < len(same) <= p.max_bucket:
            for x in range(len(same)):
                for y in range(x + 1, len(same)):
                    exact.add(_code(same[x], same[y]))

    attr: set[int] = set()
    rep_key = {metas[i].key: i for i in reps}
    want_orig = {metas[i].original_key: i for i in reps if metas[i].original_key}
    target = dict(rep_key)
    for a, k in _in_list(conn, "SELECT article_id, url_key FROM dedupe_state WHERE role = 'rep' "
                               "AND url_key IN ({marks})", [k for k in want_orig if k not in rep_key]):
        target[k] = int(a)
    for i in reps:
        ok = metas[i].original_key
        if ok and ok in target and target[ok] != i:
            attr.add(_code(i, target[ok]))
    for a, k in _in_list(conn, "SELECT article_id, original_key FROM dedupe_state WHERE role = 'rep' "
                               "AND original_key IN ({marks})", list(rep_key)):
        if rep_key[k] != int(a):
            attr.add(_code(int(a), rep_key[k]))

    exact_arr = np.fromiter(exact, dtype=np.int64, count=len(exact))
    attr_arr = np.fromiter(attr, dtype=np.int64, count=len(attr))
    codes = np.union1d(np.union1d(lsh, exact_arr), attr_arr)
    stats.candidates += len(codes)
    for name, arr in (("lsh", lsh), ("exact", exact_arr), ("attribution", attr_arr)):
        _bump(stats.candidates_by_source, name, len(arr))
    is_attr = np.isin(codes, attr_arr)
    lo, hi = decode(codes)
    site = _sites_of(conn, metas, np.union1d(lo, hi).tolist())
    work = [(a, b, (ATTRIBUTED if t else 0) | (SAME_SITE if site.get(a) == site.get(b) else 0))
            for a, b, t in zip(lo.tolist(), hi.tolist(), is_attr.tolist())]
    _note(progress, "candidates", len(work), len(work))

    checks, rejected = _verify(path, work, p, pool, parallel, rnd)
    checks = prefer_openings(checks, exact | attr, p)
    stats.verified += len(checks)
    stats.rejected += rejected
    _note(progress, "verify", len(work), len(work))

    hashes = {i: h for i, (h, _) in info.items()}
    missing = sorted({i for c in checks for i in (c.a, c.b)} - set(hashes))
    hashes.update((int(a), h) for a, h in _in_list(
        conn, "SELECT article_id, norm_hash FROM dedupe_state WHERE article_id IN ({marks})", missing))
    rows = rows_from_checks(rnd, checks, metas, hashes, exact, attr,
                            set(lsh.tolist()) if len(lsh) < 5_000_000 else None)
    # reworded copies (keys made by the sketch workers; stored in this round's transaction)
    rows += find_spinners(conn, path, reps, metas, p, stats, rows, sk.spin_keys, sk.spin_ids,
                          pool if parallel else None, rnd=rnd)
    sk.spin_keys = sk.spin_ids = np.empty(0, dtype=np.int64)
    _note(progress, "spinners", len(reps), len(reps))

    # write everything of this round in one transaction
    with conn:
        key_count: dict[int, int] = {}
        if len(sk.key_ids):  # keys per article (ids of one round: a dense range, no sort needed)
            base = int(sk.key_ids.min())
            c = np.bincount(sk.key_ids - base)
            nz = np.flatnonzero(c)
            key_count = dict(zip((nz + base).tolist(), c[nz].tolist()))
        state = []
        for i in reps:
            m = metas[i]
            state.append((i, m.key, m.original_key, info[i][0], info[i][1], "rep", key_count.get(i, 0)))
        for i in later:
            m = metas[i]
            state.append((i, m.key, m.original_key, info[i][0], info[i][1], "version", 0))
        conn.executemany("INSERT OR REPLACE INTO dedupe_state (article_id, url_key, original_key, "
                         "norm_hash, tokens, role, keys) VALUES (?, ?, ?, ?, ?, ?, ?)", state)
        stats.lsh_inserts += keystore.add(conn, sk.keys, sk.key_ids)
        stats.redecided += revisit(rnd, learned_before, metas)  # before this round's pairs are in
        _write_pairs(conn, rows, stats)
        stats.versions += _versions(conn, path, metas, ids, info, rnd)
        stats.failed += record_failures(conn, rnd.failures, rnd.now)
    _note(progress, "write", len(ids), len(ids))


def _code(a: int, b: int) -> int:
    """candidates.encode for one pair, in plain ints."""
    return (min(a, b) << 32) | max(a, b)


COLUMNS = ("copy_article_id", "original_article_id", "copy_url", "original_url", "method",
           "similarity", "containment", "kind", "lag_seconds", "lag_resolution", "direction",
           "confidence", "evidence", "diff", "coverage", "shared_shingles", "found", "created")


def _write_pairs(conn: "sqlite3.Connection", rows: list[dict[str, Any]], stats: DedupeStats) -> None:
    """Store the round's pairs (copies of copies dropped: ``index.syndication.add_pairs``)."""
    added, removed = add_pairs(conn, rows, COLUMNS)
    stats.copy_of_copy_removed += removed
    for r in added:
        stats.pairs += 1
        _bump(stats.pairs_by_method, r["method"])
        _bump(stats.pairs_by_kind, r["kind"])
        _bump(stats.pairs_by_direction, r["direction"])


def _versions(conn: "sqlite3.Connection", path: Path, metas: dict[int, Meta], ids: list[int],
              info: dict[int, tuple[str, int]], rnd: Round) -> int:
    keys = sorted({metas[i].key for i in ids})
    counts = _in_list(conn, "SELECT url_key, COUNT(*) FROM dedupe_state WHERE url_key IN ({marks}) "
                            "GROUP BY url_key HAVING COUNT(*) > 1", keys)
    multi = [k for k, _ in counts]
    if not multi:
        return 0
    rows = url_captures(conn, multi)
    snaps: dict[str, list[Snapshot]] = defaultdict(list)
    for aid, cap, url, captured, h, k in rows:
        snaps[k].append(Snapshot(int(aid), cap, url, captured, h))
    texts = article_texts(path, [int(r[0]) for r in rows])
    return sum(guarded(rnd, "versions", list(snaps.values()), lambda s: [x.article_id for x in s],
                       lambda s: update_url(conn, s, texts)))
