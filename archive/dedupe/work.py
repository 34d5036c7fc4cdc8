"""The CPU-heavy steps of a round — sketching the representatives and verifying candidate
pairs — in the worker processes when the run is parallel, here otherwise. A worker's chunk that
raises is done again here, item by item: an article whose text makes sketching raise is
recorded and sketched as an empty text (it gets no keys), a pair whose check raises is recorded
and skipped; the run goes on."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..index.articles import article_texts
from .decide import Failure, Round, guarded
from .params import DedupeParams
from .plan import Plan
from .pool import Pool
from .sketch import Sketches, sketch_from_db, sketch_texts
from .verify import Check, check_from_db, check_pairs


def start_sketch(path: Path, ids: list[int], p: DedupeParams, pool: Pool,
                 parallel: bool) -> tuple[Any, list[list[int]]]:
    """Queue the sketches of a planned round in the workers (nothing when not parallel): their
    futures and the ids of each chunk."""
    if not parallel:
        return None, []
    size = max(1000, min(5000, len(ids) // (pool.workers * 8) + 1))
    chunks = [ids[s:s + size] for s in range(0, len(ids), size)]
    return pool.submit(sketch_from_db, [(path, c, p) for c in chunks]), chunks


def finish_sketch(path: Path, plan: Plan, p: DedupeParams, failures: list[Failure]) -> Sketches:
    """The sketches of a round's representatives: the workers' results, or made here."""
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
    """sketch_texts of some articles; when it raises, one article at a time (module doc)."""
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


def verify(path: Path, work: list[tuple[int, int, int]], p: DedupeParams, pool: Pool,
           parallel: bool, rnd: Round) -> tuple[list[Check], int]:
    """The (a, b, flags) candidate pairs that pass :func:`.verify.check_pairs`, and the number
    rejected; in the workers (ahead of their queued sketches) when there are many."""
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
