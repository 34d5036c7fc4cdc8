"""One page's article text from three extractors: the pipeline around :func:`.merge.merge`.

Steps: hidden elements out (:mod:`.hidden`); trafilatura (fast mode: its own readability and
jusText fallbacks are what the other votes replace, and fast mode costs 3.2 ms a sample-web page
against 4.0) and resiliparse on the same page; readability-lxml only when its vote could change
the outcome (:func:`needs_readability`); then the majority vote.

The gate is exact, not a guess: under :mod:`.merge`'s rules readability decides only (a) whether a
trafilatura block that resiliparse does not vouch for stays, and (b) which blocks trafilatura
missed are added — and an added block must be one resiliparse kept too. So when resiliparse
vouches for every trafilatura block and kept nothing trafilatura lacks (no block, no extra copy of
a repeated paragraph), readability cannot change the text and is not run. readability-lxml costs
more than trafilatura itself (4.2 ms against 3.2 ms a sample-web page; 55 ms against 28 ms on the
Readability pages), so skipping it where the two others agree is what keeps ``archive extract``
at least as fast as bare trafilatura.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .agreement import Coverage, words
from .candidates import (Candidate, readability_candidate, resiliparse_candidate,
                         trafilatura_candidate)
from .hidden import drop_hidden
from .merge import PROSE_TAGS, Merged, Skip, block_words, merge, votes_only


@dataclass
class Reading:
    """The ensemble's text (``blocks``) and trafilatura's document (metadata), with what ran."""

    blocks: list[str]
    doc: Any
    base: Candidate
    readability: Candidate | None
    resiliparse: Candidate | None
    merged: Merged
    hidden: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


def needs_readability(base: Candidate, resiliparse: Candidate, skip: Skip | None = None) -> bool:
    """False only when readability's reading cannot change the merged text (see the module doc)."""
    voter = votes_only(resiliparse, skip)
    if voter is None or voter.error or not voter.paragraphs or not base.paragraphs:
        return True
    resi = Coverage(voter.paragraphs)
    for i, block in enumerate(base.paragraphs):
        toks = block_words(block, skip)
        tag = base.tags[i] if i < len(base.tags) else "p"
        if toks and (tag not in PROSE_TAGS or not resi.covers(toks)):
            return True
    have = Coverage(base.paragraphs)
    for para in voter.paragraphs:
        toks = words(para)
        if toks and (not have.covers(toks) or have.keys[tuple(toks)] < resi.keys[tuple(toks)]):
            return True
    return False


def _serialize(tree: Any) -> str:
    from lxml import html as lhtml

    return str(lhtml.tostring(tree, encoding="unicode"))


def read_article(tree: Any, url: str, skip: Skip | None = None) -> Reading:
    """Extract the article text of a parsed page (the tree loses its hidden elements); ``skip``
    tells the lines the site's rules drop (they take no part in the vote)."""
    hidden = drop_hidden(tree)
    html = _serialize(tree)  # before trafilatura, which may rework the tree it is given
    base = trafilatura_candidate(tree, url, fast=True)
    resi = resiliparse_candidate(html, url)
    read = readability_candidate(html, url) if needs_readability(base, resi, skip) else None
    merged = merge(base, read if read is not None and not read.error else None,
                   resi if not resi.error else None, skip)
    notes = [f"{c.name} failed ({c.error})" for c in (base, resi, read) if c is not None and c.error]
    return Reading(merged.blocks, base.doc, base, read, resi, merged, hidden, notes)
