"""One bad article costs its own work, never the run: a step that raises on an article's text
(sketching, verification, the spinner check, the direction) records the article in
``dedupe_failures`` with the step and the error, skips it, and every other pair is still found.
The faults are injected where the step reads the article (monkeypatched), on a real SQLite file
and the real runner."""
from __future__ import annotations

import sqlite3

import pytest

from archive.dedupe import decide, run, spincheck, work
from archive.dedupe.params import parse_params
from archive.index import db_path, open_db

from support.synth import AGGREGATORS, insert_articles, planted

PARAMS = parse_params({"known_aggregators": [h for h, _ in AGGREGATORS]})
POISON = "POISONWORD"


@pytest.fixture(scope="module")
def corpus():
    c = planted(n_originals=120, seed=5, spinners=6)
    arts = {a.capture_id: a for a in c.articles}
    # one copy carries a word the injected faults react to
    victim = next(t for t in c.pairs if not t.spinner and t.kind == "full")
    arts[victim.copy].text += f"\nThe last line holds {POISON} for the fault injection."
    return c, victim


def _run(tmp_path, corpus):
    c, victim = corpus
    open_db(tmp_path).conn.close()
    conn = sqlite3.connect(db_path(tmp_path))
    insert_articles(conn, c.articles)
    stats = run.dedupe_with(tmp_path, PARAMS)
    ids = {cid: i for i, cid in conn.execute("SELECT id, capture_id FROM articles")}
    pairs = {frozenset(p) for p in conn.execute("SELECT copy_article_id, original_article_id FROM syndication")}
    failures = conn.execute("SELECT article_id, stage, error FROM dedupe_failures").fetchall()
    conn.close()
    truth = {frozenset((ids[t.copy], ids[t.original])) for t in c.pairs}
    others = {frozenset((ids[t.copy], ids[t.original])) for t in c.pairs if t.copy != victim.copy and not t.spinner}
    return stats, pairs, failures, ids[victim.copy], truth, others


def _raise_on_poison(fn, texts_at):
    def wrapped(*args, **kw):
        if any(POISON in t for t in texts_at(args)):
            raise ValueError("injected fault")
        return fn(*args, **kw)
    return wrapped


def test_a_text_that_breaks_sketching_is_recorded_and_gets_no_keys(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(work, "sketch_texts", _raise_on_poison(work.sketch_texts, lambda a: a[1]))
    stats, pairs, failures, victim, truth, others = _run(tmp_path, corpus)
    assert (victim, "sketch") in {(a, s) for a, s, _ in failures} and stats.failed == 1
    assert "injected fault" in failures[0][2]
    assert len(others & pairs) / len(others) >= 0.98  # everything else is found as usual


def test_a_pair_that_breaks_verification_is_recorded_and_skipped(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(work, "check_pairs", _raise_on_poison(
        work.check_pairs, lambda a: [a[1].get(i, "") for p in a[0] for i in p[:2]]))
    stats, pairs, failures, victim, truth, others = _run(tmp_path, corpus)
    assert victim in {a for a, s, _ in failures if s == "verify"}
    assert len(others & pairs) / len(others) >= 0.98


def test_a_pair_that_breaks_the_spinner_check_or_the_direction_is_recorded(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(spincheck, "check_spin", _raise_on_poison(spincheck.check_spin, lambda a: a[:2]))

    def choose(a, b, *rest):
        if victim_id[0] in (a.id, b.id):
            raise OverflowError("injected fault")
        return real_choose(a, b, *rest)

    real_choose = decide.choose
    victim_id = [None]
    c, victim = corpus
    # the victim's id is its insertion position + 1 (a fresh table)
    victim_id[0] = 1 + [a.capture_id for a in c.articles].index(victim.copy)
    monkeypatch.setattr(decide, "choose", choose)
    stats, pairs, failures, victim_db, truth, others = _run(tmp_path, corpus)
    assert victim_db == victim_id[0]
    assert (victim_db, "direction") in {(a, s) for a, s, _ in failures}
    assert not [p for p in pairs if victim_db in p]  # its pairs are skipped, not guessed
    assert len(others & pairs) / len(others) >= 0.98
