"""Titles are headlines (issue 17, item 3): am1 copies served as the site shows them, as plain
lines with no ``<title>`` and no ``<h1>``, built from the real seed's lines (its header lines keep
their non-breaking spaces). The title is the headline rule's, else the ``NextImg:`` line, else the
first line after the header that no rule drops — never the site's name, its date line or counter."""
from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

from archive.config import load_config
from archive.extract import extract_page, load_rules
from archive.extract.text import normalize_space

ROOT = Path(__file__).resolve().parent.parent
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_254017601a7dd3c7.txt"
SEED = SHARED_SEED if SHARED_SEED.exists() else ROOT / "tests" / "eval" / "seed_000.txt"
URL = ("https://am1.news/usconservative/topic/waexaminer/"
       "6-slug-israel-war-russia-s-ties-to-hamas-fuel-western-suspicions-that-putin-wants-crisis-to-worsen")
HEADLINE = "Israel war: Russia's ties to Hamas fuel Western suspicions that Putin wants crisis to worsen"
FIRST_PARAGRAPH = "Russian President Vladimir Putin wants Israel’s war with Hamas to lead to a worse crisis"
# what a copy's title must never be: the aggregator's own lines, written out here
NOT_TITLES = ("THE AMERICA ONE NEWS", "0", "back", "topic", "| Remer,MN")


@pytest.fixture(scope="module")
def am1():
    ruleset = load_rules(load_config(ROOT / "config" / "sources.toml"))
    return ruleset, ruleset.get("am1")


def _seed_lines() -> list[str]:
    return [ln for ln in SEED.read_text(encoding="utf-8").split("\n") if ln.strip()]


def _page(lines: list[str], markup: str) -> bytes:
    if markup == "p":
        body = "\n".join(f"<p>{escape(ln, quote=False)}</p>" for ln in lines)
    elif markup == "div":
        body = "\n".join(f"<div>{escape(ln, quote=False)}</div>" for ln in lines)
    else:  # one block, lines broken by <br>
        body = "<div>" + "<br>\n".join(escape(ln, quote=False) for ln in lines) + "</div>"
    html = f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n{body}\n</body></html>"
    return html.encode("utf-8")


def _variant(kind: str) -> list[str]:
    lines = _seed_lines()
    if kind == "no-nextimg":
        lines = [ln for ln in lines if not ln.startswith("NextImg:")]
    elif kind == "older-header":
        # an older am1 page: another date line, and the outlet and story-date lines after `topic`
        lines = ["Jun 8, 2023 \xa0|" if ln.startswith("Jun 20, 2025") else ln for ln in lines]
        at = lines.index("topic")
        lines[at + 1:at + 1] = ["NY Post", "New York Post", "19 Dec 2023"]
    return lines


def _title(am1, lines: list[str], markup: str) -> str | None:
    ruleset, rules = am1
    res = extract_page(_page(lines, markup), url=URL, headers=[("Content-Type", "text/html; charset=utf-8")],
                       rules=rules, captured="2025-06-21T00:00:00Z", publishers=ruleset.publishers)
    assert res.article is not None, res.skipped
    return res.article.title


def test_seed_header_lines_keep_their_nbsp():
    lines = _seed_lines()
    assert "Jun 20, 2025 \xa0| \xa0" in lines and "back\xa0\xa0" in lines


@pytest.mark.parametrize("markup", ["p", "div", "br"])
@pytest.mark.parametrize("kind", ["seed", "older-header"])
def test_nextimg_line_is_the_title_without_any_headline_element(am1, kind, markup):
    title = _title(am1, _variant(kind), markup)
    assert normalize_space(title or "") == HEADLINE


@pytest.mark.parametrize("markup", ["p", "div", "br"])
def test_without_nextimg_the_first_undropped_line_after_the_header_is_the_title(am1, markup):
    title = _title(am1, _variant("no-nextimg"), markup)
    assert title is not None and title.startswith(FIRST_PARAGRAPH)


@pytest.mark.parametrize("markup", ["p", "div", "br"])
@pytest.mark.parametrize("kind", ["seed", "no-nextimg", "older-header"])
def test_title_is_never_a_line_the_rules_drop_nor_the_site_name(am1, kind, markup):
    _, rules = am1
    title = normalize_space(_title(am1, _variant(kind), markup) or "")
    assert title and title not in NOT_TITLES
    assert not rules.is_dropped(title)
    assert not title.endswith("|") and not title.startswith("Sponsor:")
    assert "Gehrke" not in title  # the byline line is not a headline either


def test_a_title_element_naming_only_the_site_is_passed_over(am1):
    ruleset, rules = am1
    html = _page(_variant("no-nextimg"), "p").replace(
        b"<head>", b"<head><title>THE AMERICA ONE NEWS</title><meta property=\"og:site_name\" "
                   b"content=\"THE AMERICA ONE NEWS\">")
    res = extract_page(html, url=URL, headers=[("Content-Type", "text/html; charset=utf-8")], rules=rules,
                       captured="2025-06-21T00:00:00Z", publishers=ruleset.publishers)
    assert res.article is not None and res.article.title.startswith(FIRST_PARAGRAPH)
