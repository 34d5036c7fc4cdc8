"""One page's article text from three extractors: the pipeline around :func:`.merge.merge`.

Steps: hidden elements out (:mod:`.hidden`); trafilatura (fast mode: its own readability and
jusText fallbacks are what the other votes replace, and fast mode costs 3.2 ms a sample-web page
against 4.0) and resiliparse on the same page; readability-lxml only when its vote could change
the outcome (:func:`needs_readability`); then the majority vote.

The gate: under :mod:`.merge`'s rules readability decides (a) whether a trafilatura block that
resiliparse does not vouch for stays, (b) which blocks trafilatura missed are added — an added
block must be one resiliparse kept too — and (c) where resiliparse's vouching ends (blocks before
or after readability's span need readability). When resiliparse vouches for every trafilatura
block and kept nothing trafilatura lacks (no block, no extra copy of a repeated paragraph),
(a) and (b) cannot change the text, and two extractors that agree on every block are taken to
have found the article, so (c) is not asked: readability is not run. On real pages this rarely
happens (resiliparse keeps menus and footers: readability ran on 125 of the 130 Readability
pages); on the sample web's template pages it is the rule (readability ran on 9 of 533 pages).
readability-lxml as users call it costs more than trafilatura itself (55 ms against 28 ms in fast
mode on the Readability pages; 35 ms the way :func:`.candidates._reader` reads it), so skipping it
where the two others agree is what keeps ``archive extract`` at trafilatura's speed.

Measured and left out (Readability pages, the ensemble at F1 0.970 before each): the page's
structure (``itemprop=articleBody``, else the largest ``<article>``) as a fourth vote traded
precision for recall one for one (P 0.984, R 0.957, F1 0.970 as support for additions; 0.969 as
a filter dropping blocks outside it); jusText is empty on 53 of the 130 pages (no stop-list
match) and as a third voter for additions moved F1 by 0.001 (an earlier merge) for 16 ms a page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .agreement import Coverage
from .candidates import (Candidate, readability_candidate, resiliparse_candidate,
                         trafilatura_candidate)
from .hidden import drop_hidden
from .merge import Ballot, Merged, Skip, merge


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


def needs_readability(ballot: Ballot) -> bool:
    """False only when readability's reading cannot change the merged text (see the module doc)."""
    resi = ballot.resiliparse
    if resi is None or not ballot.base.paragraphs:
        return True
    if not all(ballot.resiliparse_vouches(i) for i in range(len(ballot.words))):
        return True
    have = Coverage(tokenized=ballot.words)
    for key, count in resi.keys.items():
        toks = list(key)
        if not have.covers(toks) or have.keys[key] < count:
            return True
    return False


def _serialize(tree: Any) -> str:
    from lxml import html as lhtml

    return str(lhtml.tostring(tree, encoding="unicode"))


def read_article(tree: Any, url: str, skip: Skip | None = None, keep: Skip | None = None) -> Reading:
    """Extract the article text of a parsed page (the tree loses its hidden elements); ``skip``
    tells the lines the site's rules drop (they take no part in the vote), ``keep`` the lines they
    name as attribution (their blocks stay whatever the vote)."""
    hidden = drop_hidden(tree)
    html = _serialize(tree)  # before trafilatura, which may rework the tree it is given
    base = trafilatura_candidate(tree, url, fast=True)
    resi = resiliparse_candidate(html, url)
    ballot = Ballot.of(base, resi, skip, keep)
    read = readability_candidate(html, url) if needs_readability(ballot) else None
    merged = merge(ballot, read)
    notes = [f"{c.name} failed ({c.error})" for c in (base, resi, read) if c is not None and c.error]
    return Reading(merged.blocks, base.doc, base, read, resi, merged, hidden, notes)


_WARM_PAGE = ("<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
              + "".join(f"<p>Paragraph {i} of a short page read once before the workers start.</p>"
                        for i in range(6)) + "</article></body></html>")


def warm_up() -> None:
    """Import the extractors and run each once (trafilatura sets up its configuration and
    caches on the first page: ≈ 90 ms). A process pool forked after this shares the work instead
    of paying it in every worker."""
    from .htmlpage import parse_html

    read_article(parse_html(_WARM_PAGE), "https://warm-up.invalid/")
    readability_candidate(_WARM_PAGE, "https://warm-up.invalid/")
