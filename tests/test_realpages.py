"""Real pages through the whole pipeline: Mozilla Readability's test pages (130 real and
synthetic pages, Apache-2.0, in ../shared) written as a WARC, then ``archive import``,
``archive extract`` and ``archive dedupe`` as a user runs them, with floors against bare
trafilatura on the same HTML (scored the news-extraction benchmarks' way)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archive.extract.scoring import score_page, shingles, summarize
from archive.extract.text import normalize_space
from support.realpages import READABILITY_PAGES, readability_pages, write_warc
from support.db import query

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "sources.toml"

pytestmark = pytest.mark.skipif(
    not READABILITY_PAGES.is_dir(),
    reason=f"{READABILITY_PAGES} is absent: the real pages live in ../shared beside the clone")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    pages = readability_pages()
    tmp = tmp_path_factory.mktemp("realpages")
    warc = write_warc(tmp / "readability-pages.warc.gz", pages)
    data = tmp / "data"
    steps = {
        "import": _cli("import", "--no-process", "--data", str(data), "--config", str(CONFIG), str(warc)),
        "extract": _cli("extract", "--data", str(data), "--config", str(CONFIG)),
        "dedupe": _cli("dedupe", "--data", str(data), "--config", str(CONFIG)),
    }
    return pages, data, steps


@pytest.fixture(scope="module")
def bare(run):
    """bare trafilatura on the same HTML: ``bare_extraction`` text (comments out) and title."""
    import trafilatura

    pages = run[0]
    out = {}
    for page in pages:
        doc = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
        out[page.url] = ((doc.text or "") if doc else "", (doc.title or None) if doc else None)
    return out


def _articles(data: Path) -> dict[str, tuple[str, str | None]]:
    return {url: (text, title) for url, text, title in query(data, "SELECT url, text, title FROM articles")}


def test_import_extract_dedupe_exit_zero(run):
    pages, data, steps = run
    for name, proc in steps.items():
        print(f"\narchive {name}: exit {proc.returncode}; {proc.stdout.strip()[-300:]}")
        assert proc.returncode == 0, (name, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, (name, proc.stderr[-2000:])
    assert query(data, "SELECT count(*) FROM captures WHERE record_type = 'response'")[0][0] == len(pages)


def test_every_page_is_an_article_or_a_recorded_skip(run):
    pages, data, _ = run
    arts = _articles(data)
    skips = {url: detail for url, detail in query(
        data, "SELECT c.url, d.detail FROM extract_done d JOIN captures c ON c.id = d.capture_id "
              "WHERE d.outcome = 'skipped'")}
    errors = query(data, "SELECT url, error FROM extract_errors")
    print(f"\n{len(arts)} articles, {len(skips)} skipped, {len(errors)} errors of {len(pages)} pages")
    assert errors == []
    missing = [p.name for p in pages if p.url not in arts and p.url not in skips]
    assert missing == []
    assert all(detail for detail in skips.values())
    assert len(arts) >= 0.95 * len(pages)


def test_text_f1_is_at_least_bare_trafilatura(run, bare):
    pages, data, _ = run
    arts = _articles(data)
    ours = summarize(score_page(p.reference, arts.get(p.url, ("", None))[0]) for p in pages)
    base = summarize(score_page(p.reference, bare[p.url][0]) for p in pages)
    print(f"\nReadability pages ({len(pages)}), 4-gram shingle scores: archive P {ours.precision:.3f} "
          f"R {ours.recall:.3f} F1 {ours.f1:.3f}; bare trafilatura P {base.precision:.3f} "
          f"R {base.recall:.3f} F1 {base.f1:.3f}")
    assert ours.f1 >= base.f1
    assert ours.f1 >= 0.95


def test_titles_are_no_worse_than_bare_trafilatura(run, bare):
    pages, data, _ = run
    arts = _articles(data)
    titled = [p for p in pages if p.title]

    def right(title: str | None, want: str) -> bool:
        return normalize_space(title or "") == normalize_space(want)

    ours = sum(right(arts.get(p.url, ("", None))[1], p.title or "") for p in titled)
    base = sum(right(bare[p.url][1], p.title or "") for p in titled)
    print(f"\ntitles equal to the expected one: archive {ours}/{len(titled)}, bare trafilatura {base}/{len(titled)}")
    assert ours >= base


def test_dedupe_pairs_only_pages_that_share_their_text(run):
    """The synthetic pages share one Lorem-ipsum text (true duplicates); real articles do not."""
    pages, data, _ = run
    ref = {p.url: p.reference for p in pages}
    pairs = query(data, "SELECT copy_url, original_url FROM syndication")
    print(f"\n{len(pairs)} syndication pairs among the real pages")
    assert pairs, "the Lorem-ipsum pages repeat one text: dedupe should pair some of them"
    for a, b in pairs:
        sa, sb = shingles(ref[a]), shingles(ref[b])
        small = min(sum(sa.values()), sum(sb.values()))
        shared = sum((sa & sb).values())
        assert small and shared / small >= 0.5, (a, b, round(shared / max(small, 1), 3))
