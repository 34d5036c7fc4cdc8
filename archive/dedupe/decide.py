"""From verified pairs to ``syndication`` rows: direction, method, kind, lag and diff.

Directions come from :func:`.direction.choose` with the round's :class:`.sites.Sites`; the
learned site roles count the stored attributed pairs and this round's (a host that reaches the
count within the round decides the round's other pairs too: the round is decided twice, which
costs a few microseconds a pair), and pairs stored earlier with a weak or no direction are
decided again when a site among them is learned (:func:`revisit`), so an archive built run by
run ends as one run over everything would. A short text verified against two originals keeps the one
whose opening it holds (:func:`prefer_openings`). A pair whose data make a step fail is
recorded in ``failures`` and skipped; the run goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from ..index.articles import first_captures
from .candidates import code
from .diff import flip
from .direction import Direction, choose
from .lag import lag
from .meta import Meta, load_meta
from .sites import Sites
from .verify import Check, kind_of

if TYPE_CHECKING:
    import sqlite3

    from .params import DedupeParams

Failure = tuple[int, str, str]  # (article id, stage, error)
_STRONG = frozenset({"attribution", "known-publisher", "known-aggregator"})


@dataclass
class Round:
    """What deciding one round's pairs needs besides the pairs."""
    conn: "sqlite3.Connection"
    p: "DedupeParams"
    sites: Sites
    now: str
    failures: list[Failure] = field(default_factory=list)
    attributed: list[tuple[str, str]] = field(default_factory=list)  # (copy, original) sites decided
    # by attribution this round: the learned roles count them before they are stored

    def fail(self, ids: Iterable[int], stage: str, exc: BaseException) -> None:
        msg = f"{type(exc).__name__}: {exc}"[:500]
        self.failures.extend((int(i), stage, msg) for i in ids)


def guarded(rnd: Round, stage: str, items: Sequence[Any], ids_of: Callable[[Any], Iterable[int]],
            fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` of each item; an item whose call raises is recorded against its articles and left
    out (``None`` results are left out too)."""
    out = []
    for item in items:
        try:
            r = fn(item)
        except Exception as exc:  # bad data must cost its own pair, never the run
            rnd.fail(ids_of(item), stage, exc)
            continue
        if r is not None:
            out.append(r)
    return out


def involved_metas(conn: "sqlite3.Connection", ids: Iterable[int], metas: dict[int, Meta]) -> dict[int, Meta]:
    """Metas of the given articles (loading those the round does not hold), with their URLs'
    first capture filled in."""
    wanted = set(ids)
    allm = {i: metas[i] for i in wanted if i in metas}
    allm.update(load_meta(conn, sorted(wanted - set(allm))))
    first = first_captures(conn, sorted({m.url for m in allm.values()}))
    for m in allm.values():
        m.first_captured = first.get(m.url) or m.captured
    return allm


def decide_all(rnd: Round, pairs: Sequence[tuple[Meta, Meta, float, float]]) -> list[Direction | None]:
    """Directions of (a, b, share of a in b, share of b in a) pairs, learned roles included
    (module doc); None where a pair's data failed."""
    p = rnd.p

    def one(x: tuple[Meta, Meta, float, float]) -> Direction:
        return choose(x[0], x[1], x[2], x[3], rnd.sites, p.capture_margin)

    first = [_safe(rnd, x, one) for x in pairs]
    rnd.attributed.extend((d.copy.host, d.original.host)
                          for d in first if d is not None and d.how == "attribution")
    before = dict(rnd.sites.learned)
    rnd.sites.learn(rnd.attributed)
    if rnd.sites.learned == before:
        return first
    return [d if d is None or d.how in _STRONG else _safe(rnd, x, one) for d, x in zip(first, pairs)]


def _safe(rnd: Round, x: tuple[Meta, Meta, float, float], fn: Callable) -> Direction | None:
    try:
        return fn(x)
    except Exception as exc:  # recorded; the pair is skipped
        rnd.fail((x[0].id, x[1].id), "direction", exc)
        return None


def prefer_openings(checks: list[Check], keep: set[int], p: "DedupeParams") -> list[Check]:
    """A short text verified against several longer ones keeps, among those competing for its
    opening, the one whose opening it holds: a teaser made of original A's first paragraphs also
    meets B, another story on the same topic that carries the same passage, but it holds A's
    opening, not B's. Only pairs where the short text holds part of the long one compete (an
    original and its full copies do not). Pairs in ``keep`` (encoded ids: exact or attributed)
    always stay."""
    by_short: dict[int, list[Check]] = {}
    for c in checks:
        if c.shared < p.full_coverage * max(c.na, c.nb):  # the short text holds part of the long one
            by_short.setdefault(c.a if c.na <= c.nb else c.b, []).append(c)
    drop: set[int] = set()
    for s, cs in by_short.items():
        if len(cs) < 2:
            continue

        def held(c: Check) -> float:  # share of the longer text's opening found in the short one
            return c.head_b if c.a == s else c.head_a

        def own(c: Check) -> float:   # share of the short text's opening found in the longer one
            return c.lede_a if c.a == s else c.lede_b

        best = max(held(c) for c in cs)
        if best < p.excerpt_lede:
            continue
        for c in cs:
            if code(c.a, c.b) not in keep and held(c) < best - 0.25 and own(c) >= p.min_lede:
                drop.add(id(c))
    return [c for c in checks if id(c) not in drop]


def rows_from_checks(rnd: Round, checks: list[Check], metas: dict[int, Meta], hashes: dict[int, str],
                     exact: set[int], attr: set[int], lsh: set[int] | None) -> list[dict[str, Any]]:
    """Syndication rows of containment-verified pairs (``lsh`` None: every pair counts as found
    by LSH too, when the round's candidate set was too large to hold as a set)."""
    p = rnd.p
    allm = involved_metas(rnd.conn, (i for c in checks for i in (c.a, c.b)), metas)
    dirs = decide_all(rnd, [(allm[c.a], allm[c.b], c.shared / max(1, c.na), c.shared / max(1, c.nb))
                            for c in checks])

    def row(cd: tuple[Check, Direction | None]) -> dict[str, Any] | None:
        c, d = cd
        if d is None:
            return None
        copy, orig = d.copy, d.original
        pair = code(c.a, c.b)
        found = [name for name, hit in (("exact", pair in exact), ("lsh", lsh is None or pair in lsh),
                                        ("attribution", pair in attr)) if hit]
        if copy.original_key and copy.original_key == orig.key:
            method = "attribution"
        elif hashes.get(c.a, "a") == hashes.get(c.b, "b"):
            method = "exact"
        else:
            method = "minhash"
        n_orig = c.na if orig.id == c.a else c.nb
        kind = "full" if method == "exact" else kind_of(c.shared, n_orig, p)
        diff = c.diff_ab if orig.id == c.a else flip(c.diff_ab)
        return pair_row(rnd, d, method=method, similarity=c.similarity, containment=c.containment,
                        kind=kind, diff=diff, coverage=c.shared / max(1, n_orig), shared=c.shared,
                        found=",".join(found))

    return guarded(rnd, "decide", list(zip(checks, dirs)), lambda cd: (cd[0].a, cd[0].b), row)


def pair_row(rnd: Round, d: Direction, *, method: str, similarity: float, containment: float, kind: str,
             diff: str, coverage: float, shared: int, found: str) -> dict[str, Any]:
    copy, orig = d.copy, d.original
    lag_s, res = lag(copy, orig)
    return dict(copy_article_id=copy.id, original_article_id=orig.id, copy_url=copy.url,
                original_url=orig.url, method=method, similarity=round(similarity, 4),
                containment=round(containment, 4), kind=kind, lag_seconds=lag_s, lag_resolution=res,
                direction=d.how, confidence=d.confidence, evidence=d.evidence, diff=diff,
                coverage=round(coverage, 4), shared_shingles=shared, found=found, created=rnd.now,
                copy_host=copy.host, original_host=orig.host)


def revisit(rnd: Round, before: set[str], metas: dict[int, Meta]) -> int:
    """Pairs stored in earlier rounds with a weak or no direction, where a site learned since
    ``before`` (the learned hosts when the round began) now decides: re-oriented (kind, lag
    and diff follow) and given the new direction. Returns the pairs changed."""
    from ..index.syndication import redecide, weakly_decided
    from .normalize import host_key

    new = set(rnd.sites.learned) - before
    if not new:
        return 0
    rows = [r for r in weakly_decided(rnd.conn)
            if host_key(r["copy_url"]) in new or host_key(r["original_url"]) in new]
    if not rows:
        return 0
    allm = involved_metas(rnd.conn, (i for r in rows for i in (r["copy_article_id"], r["original_article_id"])), metas)
    changed = 0
    for r in rows:
        try:
            changed += _revisit_one(rnd, r, allm, redecide)
        except Exception as exc:  # recorded; the stored pair stays as it was
            rnd.fail((r["copy_article_id"], r["original_article_id"]), "revisit", exc)
    return changed


def _revisit_one(rnd: Round, r: dict[str, Any], allm: dict[int, Meta], redecide: Callable) -> int:
    copy, orig = allm[r["copy_article_id"]], allm[r["original_article_id"]]
    d = choose(copy, orig, 1.0, 0.0, rnd.sites, rnd.p.capture_margin)  # the stored orientation on a tie
    if d.how in ("unknown", "date", "capture") or d.how == r["direction"]:
        return 0
    values: dict[str, Any] = dict(direction=d.how, confidence=d.confidence, evidence=d.evidence)
    if d.copy.id != copy.id:  # swapped: the measures are taken against the other text now
        shared = r["shared_shingles"] or 0
        n_old_orig = shared / r["coverage"] if r["coverage"] else 0.0
        n_union = shared / r["similarity"] if r["similarity"] else 0.0
        n_new_orig = max(1.0, n_union + shared - n_old_orig)
        lag_s, res = lag(d.copy, d.original)
        values.update(copy_article_id=d.copy.id, original_article_id=d.original.id, copy_url=d.copy.url,
                      original_url=d.original.url, coverage=round(shared / n_new_orig, 4),
                      kind=r["kind"] if r["method"] == "exact" else kind_of(shared, int(n_new_orig), rnd.p),
                      lag_seconds=lag_s, lag_resolution=res, diff=flip(r["diff"] or ""))
    return int(redecide(rnd.conn, (copy.id, orig.id), values))
