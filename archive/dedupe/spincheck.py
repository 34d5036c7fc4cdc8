"""Verification of a spinner candidate pair (:func:`check_spin`): the two entity sequences are
aligned; consecutive matched entities anchor a word-position map from one text to the other.
A pair is kept only when enough entities match in order with consistent gaps (skeleton), the
smaller text's entities are found in the larger (overlap), the matched spans have similar
lengths (span ratio), the sentence ends fall at the mapped places (sentence profile) and the
words a spinner leaves alone — function words — sit at the mapped places (kept words).
Same-topic stories pass the overlap check and fail the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..index.articles import article_texts
from .skeleton import STRIP, Skeleton, is_end, skeleton, words

if TYPE_CHECKING:
    from .params import DedupeParams

MAX_ENTITIES = 1000  # entities of each text the verification aligns
MIN_SPAN_WORDS = 20  # words (outside entities) the matched span must hold


@dataclass
class SpinCheck:
    matched: int          # entities matched in order
    skeleton: float       # consistent links / (entities of the smaller - 1)
    overlap: float        # share of the smaller's distinct entities found in the larger
    span_ratio: float     # shorter / longer matched span, in words
    sentences: float      # share of the mapped sentence ends that are sentence ends
    kept: float           # share of mapped words found at their place (±1)
    cover_a: float        # share of a's words covered by b's mapped range
    cover_b: float

    def passes(self, p: DedupeParams) -> bool:
        return (self.matched >= p.spin_min_entities and self.skeleton >= p.spin_min_skeleton
                and self.overlap >= p.spin_min_overlap and self.span_ratio >= p.spin_min_span_ratio
                and self.sentences >= p.spin_min_sentences and self.kept >= p.spin_min_kept)


def _mapper(xs: list[int], ys: list[int]) -> Any:
    """Position map from text a to text b, piecewise linear between anchor pairs (x, y)."""
    import bisect

    def f(x: float) -> float:
        if len(xs) == 1:
            return ys[0] + (x - xs[0])
        k = bisect.bisect_right(xs, x) - 1
        k = min(max(k, 0), len(xs) - 2)
        x0, x1, y0, y1 = xs[k], xs[k + 1], ys[k], ys[k + 1]
        if x < x0 or x > x1 or x1 == x0:  # outside the anchors: shift by the nearest one
            return y0 + (x - x0) if x < x1 else y1 + (x - x1)
        return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
    return f


def _head(sk: Skeleton) -> Skeleton:
    """The first ``MAX_ENTITIES`` entities: the alignment below is quadratic in the worst case
    (a page of one repeated number), and a real article has a few hundred at most."""
    if len(sk.labels) <= MAX_ENTITIES:
        return sk
    m = MAX_ENTITIES
    return Skeleton(sk.labels[:m], sk.starts[:m], sk.ends[:m], sk.n_words)


def check_spin(text_a: str, text_b: str, p: DedupeParams) -> SpinCheck | None:
    """Signals of a reworded-copy pair (None: too few entities in common to say anything)."""
    sa, sb = _head(skeleton(text_a)), _head(skeleton(text_b))
    na, nb = len(sa.labels), len(sb.labels)
    if min(na, nb) < 2:
        return None
    sm = SequenceMatcher(None, sa.labels, sb.labels, autojunk=False)
    pairs = [(blk.a + k, blk.b + k) for blk in sm.get_matching_blocks() for k in range(blk.size)]
    if len(pairs) < 2:
        return None
    # keep the longest chain of gap-consistent links (a chance match breaks a chain)
    chains: list[list[tuple[int, int]]] = [[pairs[0]]]
    for (i1, j1), (i2, j2) in zip(pairs, pairs[1:]):
        da, db = sa.starts[i2] - sa.starts[i1], sb.starts[j2] - sb.starts[j1]
        if abs(da - db) <= max(2, 0.15 * max(da, db)):
            chains[-1].append((i2, j2))
        else:
            chains.append([(i2, j2)])
    links = sum(len(c) - 1 for c in chains)
    best = max(chains, key=len)
    if len(best) < 2:
        return SpinCheck(len(pairs), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    set_a, set_b = set(sa.labels), set(sb.labels)
    small, large = (set_a, set_b) if len(set_a) <= len(set_b) else (set_b, set_a)
    overlap = len(small & large) / max(1, len(small))
    xs = [sa.starts[i] for i, _ in best]
    ys = [sb.starts[j] for _, j in best]
    span_a, span_b = xs[-1] - xs[0], ys[-1] - ys[0]
    span_ratio = min(span_a, span_b) / max(1, span_a, span_b)
    wa, wb = words(text_a), words(text_b)
    f = _mapper(xs, ys)
    ends_b = {i for i, t in enumerate(wb) if is_end(t)}
    kb = [t.strip(STRIP).lower() for t in wb]
    in_entity = bytearray(len(wa) + 1)
    for e0, e1 in zip(sa.starts, sa.ends):
        in_entity[e0:e1] = b"\x01" * (e1 - e0)
    ends_total = ends_hit = kept_total = kept_hit = 0
    for i in range(xs[0], min(xs[-1] + 1, len(wa))):  # (positions index wa: same tokenising)
        y = int(round(f(i)))
        tok = wa[i]
        if is_end(tok):
            ends_total += 1
            ends_hit += bool({y - 1, y, y + 1} & ends_b)
        core = tok.strip(STRIP).lower()
        if core and not in_entity[i]:
            kept_total += 1
            kept_hit += any(0 <= y + d < len(kb) and kb[y + d] == core for d in (0, -1, 1))
    lo_b, hi_b = f(0), f(len(wa))
    cover_b = max(0.0, min(hi_b, len(wb)) - max(lo_b, 0.0)) / max(1, len(wb))
    g = _mapper(ys, xs)
    lo_a, hi_a = g(0), g(len(wb))
    cover_a = max(0.0, min(hi_a, len(wa)) - max(lo_a, 0.0)) / max(1, len(wa))
    if kept_total < MIN_SPAN_WORDS:  # too few words between the anchors to judge
        kept_hit = 0
    return SpinCheck(matched=len(best), skeleton=links / max(1, min(na, nb) - 1), overlap=overlap,
                     span_ratio=span_ratio, sentences=ends_hit / max(1, ends_total),
                     kept=kept_hit / max(1, kept_total), cover_a=cover_a, cover_b=cover_b)


def checks_from_db(db_path: Path, work: Sequence[tuple[int, int]],
                   p: DedupeParams) -> tuple[list[tuple[int, int, SpinCheck]], list[tuple[int, str, str]]]:
    """The candidate pairs that pass :func:`check_spin`, with their signals, and the (article,
    stage, error) of pairs whose check raised (worker-process entry point: reads the texts
    itself)."""
    texts = article_texts(db_path, sorted({i for pair in work for i in pair}))
    checks: list[tuple[int, int, SpinCheck]] = []
    failed: list[tuple[int, str, str]] = []
    for a, b in work:
        try:
            c = check_spin(texts.get(a, ""), texts.get(b, ""), p)
        except Exception as exc:  # a text the check cannot read costs its pair, not the run
            failed.extend((i, "spinner", f"{type(exc).__name__}: {exc}"[:500]) for i in (a, b))
            continue
        if c is not None and c.passes(p):
            checks.append((a, b, c))
    return checks, failed
