"""Verification of candidate pairs by shingle containment and shared openings, and the copy kind.

``containment`` is the share of the shorter text's shingles found in the longer one; ``lede`` is
the share of one text's opening shingles (its first ``lede_words`` words) found in the other,
the larger of the two ways. A similarity candidate is kept when

* its containment reaches the threshold and one text's opening is in the other
  (``lede >= min_lede``): every kind of copy — full, wrapped, truncated, excerpt, lightly
  edited — keeps its original's opening (or its own opening is in the original, when the copy
  lost the first paragraphs), while two pages of one site that share only their chrome (a
  list of the site's headlines, a long footer) open differently; on real pages, two teasers of
  one copy site sharing its headline list reached containment 0.5–0.8 and lede 0;
* or it is an excerpt by its opening: the share of one text's first ``excerpt_words`` words'
  shingles found in the other reaches ``excerpt_lede``, with at least ``excerpt_min_shared``
  shingles shared — a teaser made of the original's first paragraphs followed by its own
  unrelated text (a headline list) has containment 0.3–0.4 on its shorter side, which the first
  rule misses. The window is short and the share high because a reworded copy keeps
  scattered runs of its original's opening (its quotes, names, common words): synthetic spun
  copies reached 0.5 over 80 words, a teaser with one edited word keeps 0.85 over 40.

An attributed pair (the copy names the other page) needs only ``attribution_containment``.
Same-story articles of different outlets share names and quotes but little else, and they
open differently: both rules reject them.

Two pages of one site are compared on their paragraphs only (:func:`prose`: long lines): a
site's chrome — its menus, its own headline lists, tags, share lines — is made of
short lines, and on pages with short ledes it fills the openings too (on real pages, teasers of
one copy site with one-line ledes shared 60–90 % of their openings through the site's headline
list). The same story at two URLs of one site shares its prose and is still found.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..index.articles import article_texts
from .batchtok import shingle_sets_and_openings
from .diff import Keyed, keyed, paragraph_diff
from .params import DedupeParams

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Check:
    a: int
    b: int
    shared: int
    na: int               # distinct shingles of a
    nb: int
    diff_ab: str          # paragraph diff from a to b
    lede_a: float = 0.0   # share of a's opening shingles found in b
    lede_b: float = 0.0   # share of b's opening shingles found in a
    head_a: float = 0.0   # the same over a's first excerpt_words words
    head_b: float = 0.0

    @property
    def lede(self) -> float:
        return max(self.lede_a, self.lede_b)

    @property
    def head(self) -> float:
        return max(self.head_a, self.head_b)

    @property
    def containment(self) -> float:
        return self.shared / max(1, min(self.na, self.nb))

    @property
    def similarity(self) -> float:
        return self.shared / max(1, self.na + self.nb - self.shared)


def kind_of(shared: int, n_original: int, p: DedupeParams) -> str:
    """full / truncated / excerpt, by the share of the original's shingles the copy holds."""
    coverage = shared / max(1, n_original)
    if coverage >= p.full_coverage:
        return "full"
    if coverage >= p.truncated_coverage:
        return "truncated"
    return "excerpt"


def _found(small: "np.ndarray", large: "np.ndarray") -> int:
    """How many of the sorted unique hashes ``small`` are in the sorted unique ``large``."""
    import numpy as np

    if len(small) == 0 or len(large) == 0:
        return 0
    at = np.searchsorted(large, small)  # both sorted and unique: a merge, no copy
    at[at == len(large)] = 0
    return int(np.count_nonzero(large[at] == small))


def accepts(c: Check, threshold: float, attributed: bool, p: DedupeParams) -> bool:
    """The rules of the module doc on a measured pair."""
    if c.shared < min(p.min_shared, min(c.na, c.nb)):
        return False
    if c.containment >= threshold and (attributed or c.lede >= p.min_lede):
        return True
    return p.excerpt_lede > 0 and c.head >= p.excerpt_lede and c.shared >= p.excerpt_min_shared


ATTRIBUTED, SAME_SITE = 1, 2  # flags of a candidate pair


def prose(text: str) -> str:
    """The paragraphs of a text: lines of 20 words or 120 characters at least. A site's chrome
    is short lines — menus, its own headline lists (a headline rarely reaches 120 characters),
    tags, share and copyright lines."""
    return "\n".join(line for line in text.split("\n") if len(line.split()) >= 20 or len(line.strip()) >= 120)


def check_pairs(pairs: Sequence[tuple[int, int, int]], texts: dict[int, str],
                p: DedupeParams) -> tuple[list[Check], int]:
    """Check (a, b, flags) pairs — ``ATTRIBUTED``: an attribution proposed the pair (the copy
    names the other page), checked at ``attribution_containment``; ``SAME_SITE``: the two are
    pages of one site, compared on their :func:`prose`. Returns the accepted checks and the
    number rejected."""
    ids = sorted({i for a, b, _ in pairs for i in (a, b)})
    sets_l, opens_l = shingle_sets_and_openings([texts.get(i, "") for i in ids], p.shingle_size,
                                                (p.lede_words, p.excerpt_words))
    sets = dict(zip(ids, sets_l))
    opens = dict(zip(ids, opens_l))
    site_ids = sorted({i for a, b, f in pairs if f & SAME_SITE for i in (a, b)})
    if site_ids:
        sl, ol = shingle_sets_and_openings([prose(texts.get(i, "")) for i in site_ids], p.shingle_size,
                                           (p.lede_words, p.excerpt_words))
        site_sets, site_opens = dict(zip(site_ids, sl)), dict(zip(site_ids, ol))

    kcache: dict[int, Keyed] = {}

    def kp(i: int) -> Keyed:
        k = kcache.get(i)
        if k is None:
            k = kcache[i] = keyed(texts.get(i, ""))
        return k

    ok: list[Check] = []
    rejected = 0
    for a, b, flags in pairs:
        attr = bool(flags & ATTRIBUTED)
        if flags & SAME_SITE:
            sa, sb = site_sets[a], site_sets[b]
            (oa, ha), (ob, hb) = site_opens[a], site_opens[b]
        else:
            sa, sb = sets[a], sets[b]
            (oa, ha), (ob, hb) = opens[a], opens[b]
        if len(sa) == 0 or len(sb) == 0:
            rejected += 1
            continue
        small_set, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
        c = Check(a, b, _found(small_set, large), int(len(sa)), int(len(sb)), "",
                  _found(oa, sb) / max(1, len(oa)), _found(ob, sa) / max(1, len(ob)),
                  _found(ha, sb) / max(1, len(ha)), _found(hb, sa) / max(1, len(hb)))
        if accepts(c, p.attribution_containment if attr else p.min_containment, attr, p):
            c.diff_ab = paragraph_diff(kp(a), kp(b))
            ok.append(c)
        else:
            rejected += 1
    return ok, rejected


def check_from_db(db_path: Path, pairs: Sequence[tuple[int, int, int]],
                  p: DedupeParams) -> tuple[list[Check], int]:
    """Worker-process entry point: reads the texts itself."""
    ids = sorted({i for a, b, _ in pairs for i in (a, b)})
    return check_pairs(pairs, article_texts(db_path, ids), p)
