"""Extraction quality, every extractor side by side, on a directory of pages with references.

    .venv/bin/python bench/extract_quality.py [--pages DIR] [--only a,b] [--per-page] [--worst N]

A page is a folder holding ``source.html`` and a reference: ``expected.txt`` (plain text) or
``expected.html`` (Readability's layout; read as block-aware text), and optionally
``expected-metadata.json`` with the expected ``title``. The default directory is Mozilla
Readability's test pages (``../shared/realpages/readability/pages``, the development set; its
reference is Readability.js's own output, which flatters readability-lxml).

Scoring is the news-extraction benchmarks' own (``archive.extract.scoring``: 4-gram shingle
counts, precision and recall averaged over pages, F1 from the averages). Each system prints P, R,
F1, titles equal to the expected one, empty pages and milliseconds per page (CPU of this process;
load printed beside it). Systems:

- ``trafilatura``, ``trafilatura-fast``, ``readability``, ``resiliparse``, ``justext``: one
  extractor each, on the HTML string;
- ``trafilatura-extract``: bare ``trafilatura.extract()`` as users call it (comments included);
- ``ensemble``: the vote alone (:func:`archive.extract.ensemble.read_article`), with counts of
  what it did (pages where readability ran, blocks dropped and added, hidden elements removed);
- ``archive``: :func:`archive.extract.extract_page` without site rules (what ``archive extract``
  stores for a page no rules cover), i.e. the ensemble with every library step.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PAGES = ROOT.parent / "shared" / "realpages" / "readability" / "pages"

from archive.extract.scoring import RefPage, load_pages  # noqa: E402


@dataclass
class Row:
    name: str
    scores: list = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    titles_right: int = 0
    titled_pages: int = 0
    empty: int = 0
    cpu: float = 0.0
    errors: list[str] = field(default_factory=list)


System = Callable[[RefPage], tuple[str, str | None]]


def _candidate_system(name: str) -> System:
    from archive.extract.candidates import EXTRACTORS

    fn = EXTRACTORS[name]

    def run(page: RefPage) -> tuple[str, str | None]:
        c = fn(page.html, page.url)
        if c.error:
            raise RuntimeError(c.error)
        return c.text, c.title
    return run


def _trafilatura_extract(page: RefPage) -> tuple[str, str | None]:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url) or "", None


def _archive(page: RefPage) -> tuple[str, str | None]:
    from archive.errors import ExtractError
    from archive.extract import extract_page

    try:
        res = extract_page(page.html.encode("utf-8"), url=page.url,
                           headers=[("Content-Type", "text/html; charset=utf-8")], rules=None,
                           captured="2025-01-01T00:00:00Z")
    except ExtractError:
        return "", None
    art = res.article
    return (art.text, art.title) if art is not None else ("", None)


ENSEMBLE_STATS: dict[str, int] = {"pages": 0, "readability ran": 0, "blocks dropped": 0, "blocks added": 0,
                                  "hidden elements": 0, "no agreement": 0}


def _ensemble(page: RefPage) -> tuple[str, str | None]:
    """The vote alone (archive.extract.ensemble on the parsed page, no site rules), counted."""
    from archive.extract.ensemble import read_article
    from archive.extract.htmlpage import parse_html

    reading = read_article(parse_html(page.html), page.url)
    st = ENSEMBLE_STATS
    st["pages"] += 1
    st["readability ran"] += reading.readability is not None
    st["blocks dropped"] += reading.merged.dropped
    st["blocks added"] += reading.merged.added
    st["hidden elements"] += reading.hidden
    st["no agreement"] += reading.merged.disagree
    return reading.text, None


def systems() -> dict[str, System]:
    out: dict[str, System] = {n: _candidate_system(n) for n in
                              ("trafilatura", "trafilatura-fast", "readability", "resiliparse", "justext")}
    out["trafilatura-extract"] = _trafilatura_extract
    out["ensemble"] = _ensemble
    out["archive"] = _archive
    return out


def run_system(name: str, fn: System, pages: list[RefPage]) -> Row:
    from archive.extract.scoring import score_page
    from archive.extract.text import normalize_space

    row = Row(name)
    for page in pages:
        t = time.process_time()
        try:
            text, title = fn(page)
        except Exception as exc:  # one extractor's crash is a row's note, not the bench's end
            text, title = "", None
            row.errors.append(f"{page.name}: {type(exc).__name__}: {exc}"[:160])
        row.cpu += time.process_time() - t
        row.texts.append(text)
        row.scores.append(score_page(page.reference, text))
        row.empty += not text.strip()
        if page.title:
            row.titled_pages += 1
            row.titles_right += normalize_space(title or "") == normalize_space(page.title)
    return row


def table(rows: list[Row], n_pages: int) -> str:
    from archive.extract.scoring import summarize

    lines = [f"{'system':22} {'P':>6} {'R':>6} {'F1':>6} {'titles':>9} {'empty':>6} {'ms/page':>8}"]
    for row in rows:
        s = summarize(row.scores)
        lines.append(f"{row.name:22} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                     f"{row.titles_right:4d}/{row.titled_pages:<4d} {row.empty:6d} {1000 * row.cpu / n_pages:8.1f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    ap.add_argument("--only", default="", help="comma-separated systems (default: all)")
    ap.add_argument("--per-page", action="store_true", help="F1 of every page for every system")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages where `archive` loses most")
    args = ap.parse_args()
    if not args.pages.is_dir():
        sys.exit(f"{args.pages}: no such directory of pages")
    pages = load_pages(args.pages)
    if not pages:
        sys.exit(f"{args.pages}: no page folder with source.html and expected.txt/expected.html")
    available = systems()
    wanted = [s for s in args.only.split(",") if s] or list(available)
    unknown = [w for w in wanted if w not in available]
    if unknown:
        sys.exit(f"unknown system(s) {', '.join(unknown)} (known: {', '.join(available)})")
    print(f"{len(pages)} pages from {args.pages}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    rows = [run_system(name, available[name], pages) for name in wanted]
    print(table(rows, len(pages)))
    import resource

    print(f"peak RSS of this process (every extractor loaded, all pages read): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if ENSEMBLE_STATS["pages"]:
        print("ensemble: " + ", ".join(f"{k} {v}" for k, v in ENSEMBLE_STATS.items()))
    for row in rows:
        for err in row.errors[:5]:
            print(f"  {row.name} error: {err}")
    if args.per_page:
        print(f"\n{'page':34} " + " ".join(f"{r.name[:11]:>11}" for r in rows))
        for i, page in enumerate(pages):
            print(f"{page.name:34} " + " ".join(f"{r.scores[i].f1:11.3f}" for r in rows))
    if args.worst and "archive" in wanted:
        arch = rows[wanted.index("archive")]
        best_other = [max(r.scores[i].f1 for r in rows if r.name != "archive") for i in range(len(pages))]
        gaps = sorted(range(len(pages)), key=lambda i: arch.scores[i].f1 - best_other[i])[: args.worst]
        print("\npages where `archive` trails the best single system most:")
        for i in gaps:
            print(f"  {pages[i].name:34} archive {arch.scores[i].f1:.3f}  best other {best_other[i]:.3f}")


if __name__ == "__main__":
    main()
