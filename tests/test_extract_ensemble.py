"""The extraction vote (archive/extract/: hidden, agreement, merge, ensemble, scoring) on small
pages and readings whose right answer is known by construction."""
from __future__ import annotations

import pytest

from archive.extract import extract_page
from archive.extract.agreement import Coverage, words
from archive.extract.candidates import Candidate
from archive.extract.ensemble import needs_readability
from archive.extract.hidden import drop_hidden
from archive.extract.htmlpage import parse_html
from archive.extract.merge import Ballot, merge
from archive.extract.scoring import score_page, summarize

STORY = [
    "The harbour authority approved a second container terminal on Tuesday after three years of hearings.",
    "Opponents said the dredging would disturb the estuary, and a coalition of fishing groups has promised an appeal.",
    "The terminal is expected to double the port's capacity by 2031, according to the authority's own forecast.",
    "Construction bids will be opened in the spring, and the first berth could be in use within four years.",
]
JUNK = "Sign up for our newsletter to get the latest stories in your inbox every morning"


def _cand(name: str, paras: list[str], tags: list[str] | None = None) -> Candidate:
    return Candidate(name, list(paras), tags=list(tags) if tags else ["p"] * len(paras))


def test_hidden_elements_are_removed_with_their_text_but_not_their_tail():
    tree = parse_html("<html><body><p>shown <span style='display: none'>secret one</span>tail</p>"
                      "<div hidden>secret two</div><div aria-hidden='true'>secret three</div>"
                      "<p style='visibility:hidden'>secret four</p><p style='color: red'>kept</p></body></html>")
    assert drop_hidden(tree) == 4
    text = tree.text_content()
    assert "secret" not in text and "shown tail" in text and "kept" in text


def test_a_hidden_body_is_not_dropped():
    tree = parse_html("<html><body style='display:none'><p>the whole page</p></body></html>")
    drop_hidden(tree)
    assert "the whole page" in tree.text_content()


def test_coverage_ignores_case_punctuation_and_paragraph_splits():
    cov = Coverage(["The harbour authority approved", "a second container terminal on Tuesday."])
    assert cov.covers(words("the Harbour authority approved a second container terminal on tuesday"))
    assert not cov.covers(words("a coalition of fishing groups has promised an appeal"))
    assert cov.covers(words("Tuesday")) and not cov.covers(words("Wednesday"))


def test_a_block_only_trafilatura_kept_is_dropped():
    base = _cand("trafilatura", [STORY[0], JUNK, *STORY[1:]])
    merged = merge(Ballot.of(base, _cand("resiliparse", STORY)), _cand("readability", STORY))
    assert merged.blocks == STORY and merged.dropped == 1


def test_a_list_is_kept_on_readabilitys_word_not_on_resiliparses():
    links = "Related: Port strike ends\nRelated: Ferry fares rise"
    base = _cand("trafilatura", [*STORY, links], ["p"] * 4 + ["list"])
    resi = _cand("resiliparse", [*STORY, "Related: Port strike ends", "Related: Ferry fares rise"])
    assert links not in merge(Ballot.of(base, resi), _cand("readability", STORY)).blocks
    kept = merge(Ballot.of(base, resi), _cand("readability", [*STORY, "Related: Port strike ends Related: Ferry fares rise"]))
    assert links in kept.blocks


def test_a_paragraph_trafilatura_missed_is_added_beside_its_neighbours_when_two_others_kept_it():
    base = _cand("trafilatura", [STORY[0], STORY[1], STORY[3]])
    merged = merge(Ballot.of(base, _cand("resiliparse", STORY)), _cand("readability", STORY))
    assert merged.blocks == STORY and merged.added == 1
    alone = merge(Ballot.of(base, _cand("resiliparse", [STORY[0], STORY[1], STORY[3]])), _cand("readability", STORY))
    assert STORY[2] not in alone.blocks  # readability alone is one vote of three


def test_a_repeated_paragraph_trafilatura_dropped_comes_back():
    twice = [STORY[0], STORY[1], STORY[0], STORY[2]]
    base = _cand("trafilatura", [STORY[0], STORY[1], STORY[2]])  # trafilatura drops the repeat
    merged = merge(Ballot.of(base, _cand("resiliparse", twice)), _cand("readability", twice))
    assert merged.blocks == twice


def test_lines_the_rules_drop_take_no_part_in_the_vote():
    header = "THE DAILY AGGREGATOR\nJun 8, 2023 |"
    base = _cand("trafilatura", [header, *STORY])
    resi = _cand("resiliparse", ["back", "topic", *STORY])
    skip = {"THE DAILY AGGREGATOR", "Jun 8, 2023 |", "back", "topic"}.__contains__
    ballot = Ballot.of(base, resi, skip)
    assert not needs_readability(ballot)  # the only disagreement is in lines the rules drop
    assert merge(ballot, None).blocks == [header, *STORY]  # kept for the rules to remove


def test_a_promo_line_the_rules_name_stays_whatever_the_vote():
    promo = "CLICK HERE TO READ MORE FROM THE HARBOUR GAZETTE"
    base = _cand("trafilatura", [*STORY, promo])
    ballot = Ballot.of(base, _cand("resiliparse", STORY), keep=lambda line: line.startswith("CLICK HERE"))
    assert promo in merge(ballot, _cand("readability", STORY)).blocks
    unprotected = Ballot.of(base, _cand("resiliparse", STORY))
    assert promo not in merge(unprotected, _cand("readability", STORY)).blocks


def test_readability_runs_only_when_its_vote_can_change_the_text():
    agreed = Ballot.of(_cand("trafilatura", STORY), _cand("resiliparse", STORY))
    assert not needs_readability(agreed)
    extra = Ballot.of(_cand("trafilatura", STORY), _cand("resiliparse", [*STORY, JUNK]))
    assert needs_readability(extra)
    lonely = Ballot.of(_cand("trafilatura", [*STORY, JUNK]), _cand("resiliparse", STORY))
    assert needs_readability(lonely)
    listed = Ballot.of(_cand("trafilatura", STORY, ["p", "p", "p", "list"]), _cand("resiliparse", STORY))
    assert needs_readability(listed)


def test_one_extractor_failing_never_loses_the_page():
    base = _cand("trafilatura", STORY)
    failed = Candidate("resiliparse", error="RuntimeError: boom")
    merged = merge(Ballot.of(base, failed), Candidate("readability"))
    assert merged.blocks == STORY and not merged.disagree


def test_readings_that_agree_on_nothing_are_a_disagreement_not_a_text():
    base = _cand("trafilatura", [JUNK])
    merged = merge(Ballot.of(base, _cand("resiliparse", STORY[:2])), _cand("readability", STORY[2:]))
    assert merged.blocks == [] and merged.disagree


def test_hidden_text_never_reaches_an_article():
    body = "".join(f"<p>{p}</p>" for p in STORY)
    html = (f"<html><head><title>Terminal approved</title></head><body><article><h1>Terminal approved</h1>{body}"
            "<div style='display:none'><p>Secret subscriber-only teaser that readers never see on the page</p></div>"
            "</article></body></html>").encode()
    res = extract_page(html, url="https://news.example/a", headers=[("Content-Type", "text/html")], rules=None,
                       captured="2025-01-01T00:00:00Z")
    assert res.article is not None
    assert "Secret" not in res.article.text and all(p in res.article.text for p in STORY)


def test_shingle_scores_follow_the_benchmark_definition():
    ref = "a b c d e f"                 # shingles abcd bcde cdef
    assert score_page(ref, ref).f1 == 1.0
    half = score_page(ref, "a b c d e x")  # abcd bcde | bcdx: tp 2, fp 1, fn 1
    assert half.precision == pytest.approx(2 / 3) and half.recall == pytest.approx(2 / 3)
    empty = score_page(ref, "")
    assert empty.precision is None and empty.recall == 0.0
    total = summarize([score_page(ref, ref), empty])
    assert total.precision == 1.0 and total.recall == 0.5 and total.f1 == pytest.approx(2 / 3)
