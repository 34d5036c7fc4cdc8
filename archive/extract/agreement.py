"""Does one extractor's output contain a given block? Coverage by word 3-grams.

A block is *covered* by a text when at least half of the block's word 3-grams occur anywhere in
that text (tokens are case-folded ``\\w+`` runs, so punctuation and spacing differences between
extractors do not matter). Coverage is taken against the joined text, never paragraph against
paragraph: extractors split and join paragraphs differently (trafilatura keeps the source's line
breaks, readability joins ``<br>`` runs), and a per-paragraph match missed ≈ 1 block in 12 on
the Readability pages. Blocks of one or two words have no 3-gram: they are covered when the same
words occur in the same order. The 0.5 threshold is not sensitive: 0.3 and 0.7 scored the same
F1 (±0.001) on the Readability pages.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

_TOKEN = re.compile(r"\w+")
COVERED = 0.5


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _grams(toks: list[str]) -> list[tuple[str, str, str]]:
    return list(zip(toks, toks[1:], toks[2:]))


class Coverage:
    """What one extractor kept, indexed for coverage questions about other blocks.

    A block kept word for word is found by its word tuple alone; the 3-gram set and the joined
    text are built on the first question that needs them (on the sample web, where trafilatura
    and resiliparse mostly agree word for word, this halved the voting's CPU)."""

    def __init__(self, paragraphs: Iterable[str] = (), *, tokenized: Iterable[list[str]] = ()) -> None:
        """From paragraphs, or from paragraphs already split into words (``tokenized``)."""
        self.keys: Counter[tuple[str, ...]] = Counter()
        for toks in [*(words(p) for p in paragraphs), *tokenized]:
            if toks:
                self.keys[tuple(toks)] += 1
        self._grams: set[tuple[str, str, str]] | None = None
        self._joined: str | None = None

    @property
    def empty(self) -> bool:
        return not self.keys

    @property
    def grams(self) -> set[tuple[str, str, str]]:
        if self._grams is None:
            self._grams = set()
            for key in self.keys:
                self._grams.update(_grams(list(key)))
        return self._grams

    @property
    def joined(self) -> str:
        if self._joined is None:
            self._joined = " " + " ".join(" ".join(key) for key in self.keys) + " "
        return self._joined

    def share(self, toks: list[str]) -> float:
        """Share of the block's 3-grams found here (1.0 or 0.0 for blocks under three words)."""
        if tuple(toks) in self.keys:
            return 1.0
        if len(toks) < 3:
            return 1.0 if toks and f" {' '.join(toks)} " in self.joined else 0.0
        grams = _grams(toks)
        have = self.grams
        return sum(g in have for g in grams) / len(grams)

    def covers(self, toks: list[str]) -> bool:
        return self.share(toks) >= COVERED

    def add(self, toks: list[str]) -> None:
        self.keys[tuple(toks)] += 1
        if self._grams is not None:
            self._grams.update(_grams(toks))
        if self._joined is not None:
            self._joined += " ".join(toks) + " "
