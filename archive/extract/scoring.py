"""The news-extraction benchmarks' score: 4-gram shingle counts, P and R averaged over pages.

Per page, the text and the reference become multisets of shingles (4 consecutive ``\\w+`` tokens,
case kept; a text of fewer than 4 tokens is one shingle of what it has). True positives are the
shared counts, false positives the surplus in the text, false negatives the surplus in the
reference; the three are normalised so every page weighs the same. Precision is averaged over the
pages that produced any text, recall over the pages whose reference has any; F1 is taken from the
two averages, not averaged per page. An extractor that returns nothing loses recall on that page
and does not touch precision.

This is the scoring the public benchmarks publish their figures with (trafilatura 0.958, etc.),
reimplemented here so the project's figures compare with theirs.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    toks = _TOKEN.findall(text or "")
    if not toks:
        return Counter()
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)))


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float

    def _share(self, wrong: float) -> float | None:
        """tp / (tp + wrong): 1.0 for a perfect page (nothing extra, nothing missed, both texts
        possibly empty), None when that side was empty (the page does not count towards it)."""
        if self.fp == self.fn == 0:
            return 1.0
        if self.tp + wrong == 0:
            return None
        return self.tp / (self.tp + wrong)

    @property
    def precision(self) -> float | None:
        """None when the text was empty (the page does not count towards precision)."""
        return self._share(self.fp)

    @property
    def recall(self) -> float | None:
        """None when the reference was empty (the page does not count towards recall)."""
        return self._share(self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(reference: str, text: str) -> PageScore:
    want, got = shingles(reference), shingles(text)
    tp = float(sum((want & got).values()))
    fp = float(sum((got - want).values()))
    fn = float(sum((want - got).values()))
    total = tp + fp + fn
    if total:
        tp, fp, fn = tp / total, fp / total, fn / total
    return PageScore(tp, fp, fn)


@dataclass(frozen=True)
class Summary:
    precision: float
    recall: float
    f1: float
    pages: int


def summarize(scores: Iterable[PageScore]) -> Summary:
    """Mean precision and recall over the pages that count for each; F1 of the two means."""
    items = list(scores)
    ps = [p for p in (s.precision for s in items) if p is not None]
    rs = [r for r in (s.recall for s in items) if r is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return Summary(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(items))


@dataclass
class RefPage:
    """One page of a reference set: its HTML, the reference text and (when known) the title."""

    name: str
    url: str
    html: str
    reference: str
    title: str | None


def load_pages(directory: Path) -> list[RefPage]:
    """Every ``<name>/source.html`` with ``expected.txt`` or ``expected.html`` (Readability's test
    layout; read as block-aware text) and an optional ``expected-metadata.json`` title. Each page
    gets its own URL, ``https://<name>.readability.test/article.html`` (Readability's tests give
    them all the same one)."""
    from .htmltext import html_paragraphs

    out = []
    for d in sorted(p for p in Path(directory).iterdir() if (p / "source.html").exists()):
        if (d / "expected.txt").exists():
            reference = (d / "expected.txt").read_text(encoding="utf-8")
        elif (d / "expected.html").exists():
            reference = "\n".join(html_paragraphs((d / "expected.html").read_text(encoding="utf-8")))
        else:
            continue
        title = None
        meta = d / "expected-metadata.json"
        if meta.exists():
            title = json.loads(meta.read_text(encoding="utf-8")).get("title") or None
        out.append(RefPage(d.name, f"https://{d.name}.readability.test/article.html",
                           (d / "source.html").read_text(encoding="utf-8", errors="replace"), reference, title))
    return out
