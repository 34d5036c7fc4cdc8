"""Majority vote over blocks: trafilatura's blocks, readability's and resiliparse's as votes.

Three readings of a page (:mod:`.candidates`) disagree block by block. The text kept is:

1. **trafilatura's blocks, in its order** (it is the base: its blocks carry the site's own line
   breaks, which the per-site rules match line by line). A block stays when a second extractor
   also kept it: readability for any block, resiliparse only for prose (paragraphs and quotes —
   resiliparse keeps menus, galleries and link lists, so its vote alone never saves a list, a
   table or a heading) — and only between the first and the last block readability kept:
   readability picks one article container, and what lies before or after it is where related
   links, newsletter prompts and author boxes sit — unless the paragraph is long (40 words or
   more: readability sometimes settles on one part of a long article). With no second reading at
   all (both failed or were empty), every block stays. Measured on the Readability pages (F1):
   keep everything 0.964, any second vote 0.967, resiliparse's vote for prose only 0.968, only
   inside readability's span 0.969 (P +0.004, R -0.003), and for long paragraphs outside it too
   0.970 (thresholds 15/25/60/100 words: 0.969).
2. **blocks trafilatura missed**, taken from readability's reading when resiliparse also kept
   them (two of three again), each inserted just after the block that holds readability's
   previous paragraph. Inserting beside neighbours, not re-sorting everything by page position,
   is what keeps the order right (re-sorting cost ≈ 0.02 F1 in an earlier measurement).
3. **repeated paragraphs**: trafilatura drops a paragraph identical to an earlier one even with
   ``deduplicate=False``; when readability holds a paragraph more often than the text does, the
   missing copies are inserted the same way (≈ 0.014 F1 on the Readability pages, all of it on
   pages that repeat a paragraph).
4. **lines the site's rules drop** (``skip``) take no part in the vote: they leave the text
   later anyway, and on the sample web's aggregator pages they were most of the disagreement
   (``Sponsor:`` lines only trafilatura kept, ``topic``/``back`` lines only resiliparse kept).
   A trafilatura block made only of such lines stays for the rules (``header_end`` needs them),
   and so does a block holding a line the rules name as attribution (``promo``: "CLICK HERE TO
   READ MORE FROM THE WASHINGTON EXAMINER" stays in the text whatever the other readings say).
5. **no agreement at all**: when both other readings hold text and none of it agrees with any of
   trafilatura's blocks, the page has no article the extractors can agree on (front pages, link
   hubs: nytimes-5, a section front, is the one such page among the Readability pages) and the
   text is empty (``Merged.disagree``; the caller records the page as skipped). When a voter is
   missing or empty, trafilatura's blocks are kept as they are: a page is never lost to one
   extractor's failure. Keeping trafilatura's reading of nytimes-5 scored P 0.32, R 0.42.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from .agreement import Coverage, words
from .candidates import Candidate

PROSE_TAGS = frozenset({"p", "quote"})
LONG_BLOCK = 40  # words: a paragraph this long outside readability's span is still prose (rule 1)
Skip = Callable[[str], bool]


def _block_words(block: str, skip: Skip | None) -> list[str]:
    """The block's words, leaving out its lines the site's rules drop."""
    if skip is None:
        return words(block)
    return words("\n".join(line for line in block.split("\n") if not skip(line)))


def _voting(candidate: Candidate | None, skip: Skip | None) -> list[str]:
    """A voter's paragraphs without those the site's rules drop ([] when it failed)."""
    if candidate is None or candidate.error:
        return []
    if skip is None:
        return candidate.paragraphs
    return [p for p in candidate.paragraphs if not skip(p)]


@dataclass
class Ballot:
    """One page's votes, computed once for the readability gate and the merge."""

    base: Candidate
    words: list[list[str]]              # per trafilatura block, rule-dropped lines left out
    tags: list[str]
    resiliparse: Coverage | None        # None when resiliparse failed or kept nothing
    skip: Skip | None = None
    _vouched: list[bool] | None = None

    @classmethod
    def of(cls, base: Candidate, resiliparse: Candidate | None, skip: Skip | None = None,
           keep: Skip | None = None) -> "Ballot":
        """``keep``: lines the rules name as evidence (a publisher's promo line): a block holding
        one takes no part in the vote and stays, like a block of rule-dropped lines."""
        tags = [base.tags[i] if i < len(base.tags) else "p" for i in range(len(base.paragraphs))]
        resi = _voting(resiliparse, skip)
        toks = [[] if keep is not None and any(keep(ln) for ln in b.split("\n")) else _block_words(b, skip)
                for b in base.paragraphs]
        return cls(base, toks, tags, Coverage(resi) if resi else None, skip)

    def resiliparse_vouches(self, i: int) -> bool:
        """Block ``i`` is prose that resiliparse kept too (or has no words to vote on)."""
        if self._vouched is None:
            resi = self.resiliparse
            self._vouched = [not toks or (tag in PROSE_TAGS and resi is not None and resi.covers(toks))
                             for toks, tag in zip(self.words, self.tags)]
        return self._vouched[i]


@dataclass
class Merged:
    blocks: list[str] = field(default_factory=list)
    dropped: int = 0     # trafilatura's blocks no second extractor kept
    added: int = 0       # blocks taken from readability's reading
    disagree: bool = False  # two other readings with text, none agreeing with trafilatura's

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


def _anchor(toks: list[str], out_toks: list[list[str]], after: int) -> int:
    """Index of the output block that holds the end of an already-present paragraph: the first
    such block at or after ``after``, else the first anywhere; ``after`` when none holds it."""
    probe = toks[-3:]
    n = len(probe)
    hits = [j for j, block in enumerate(out_toks)
            if any(block[i:i + n] == probe for i in range(len(block) - n + 1))]
    later = [j for j in hits if j >= after]
    if later:
        return later[0]
    return hits[0] if hits else after


def merge(ballot: Ballot, readability: Candidate | None) -> Merged:
    read = _voting(readability, ballot.skip)
    read_cov = Coverage(read) if read else None
    merged = Merged()
    hits = [bool(t) and read_cov.covers(t) for t in ballot.words] if read_cov is not None else []
    inside = [i for i, hit in enumerate(hits) if hit]
    first, last = (inside[0], inside[-1]) if inside else (0, len(ballot.words))
    for i, block in enumerate(ballot.base.paragraphs):
        toks = ballot.words[i]
        keep = (not toks or (bool(hits) and hits[i])
                or (ballot.resiliparse_vouches(i) and (first <= i <= last or len(toks) >= LONG_BLOCK))
                or (read_cov is None and ballot.resiliparse is None))
        if not keep:
            merged.dropped += 1
            continue
        merged.blocks.append(block)
    if read_cov is not None:
        _insert_missing(merged, readability.paragraphs if readability is not None else [], ballot.skip,
                        ballot.resiliparse)
    if not merged.blocks and ballot.base.paragraphs:
        if read_cov is not None and ballot.resiliparse is not None:
            merged.disagree = True
        else:
            merged.blocks, merged.dropped, merged.added = list(ballot.base.paragraphs), 0, 0
    return merged


def _insert_missing(merged: Merged, paragraphs: list[str], skip: Skip | None,
                    resi_cov: Coverage | None) -> None:
    """Readability's paragraphs that the text lacks (or holds fewer times), where resiliparse
    agrees, each inserted after the block holding readability's previous paragraph. Paragraphs
    the rules drop are never inserted but still place what follows them (an aggregator's header
    lines stay above the story inserted after them)."""
    out_toks = [words(b) for b in merged.blocks]
    present = Coverage(tokenized=out_toks)
    seen: Counter[tuple[str, ...]] = Counter()
    anchor = -1
    for para in paragraphs:
        toks = words(para)
        if not toks:
            continue
        key = tuple(toks)
        seen[key] += 1
        ruled = skip is not None and skip(para)
        repeat = not ruled and 0 < present.keys[key] < seen[key]  # a copy beyond those the text holds
        if present.covers(toks) and not repeat:
            anchor = _anchor(toks, out_toks, anchor)
            continue
        if ruled or (not repeat and (resi_cov is None or not resi_cov.covers(toks))):
            continue
        anchor += 1
        merged.blocks.insert(anchor, para)
        out_toks.insert(anchor, toks)
        present.add(toks)
        merged.added += 1
