"""Reworded ("spinner") copies: the entity skeleton, the verification signals on real English
(a spun copy passes; another outlet's story with the same names, numbers and quote does not),
and the dedupe runs: method 'spinner', keys persisted, incremental, rerun adds nothing,
rebuild, worker processes, config checks."""
from __future__ import annotations

import dataclasses
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from archive.dedupe import keystore, spin
from archive.dedupe.normalize import tokens
from archive.dedupe.params import parse_params
from archive.dedupe.run import dedupe_with
from archive.dedupe.shingles import shingles, word_hash
from archive.dedupe.skelbatch import keys_batch
from archive.dedupe.skeleton import skeleton, spin_keys, words
from archive.dedupe.spin import TABLE
from archive.dedupe.spincheck import check_spin
from archive.errors import ConfigError
from archive.index import db_path, open_db
from support.news_texts import ORIGINAL, OTHER_OUTLET, SAME_STORY, SPUN

from support.synth import AGGREGATORS, insert_articles, planted

PARAMS = parse_params({"known_aggregators": [h for h, _ in AGGREGATORS]})


def _labels(*names: str) -> list[int]:
    return [word_hash(n) for n in names]


def test_skeleton_keeps_names_numbers_and_quotes_in_order():
    sk = skeleton('Police said Tuesday that 14 people were hurt. Officers closed Main Street.\n'
                  'Chief Ana Ruiz said: "We are still counting the cars." The Red Cross helped.')
    assert sk.labels == _labels("c:tuesday", "n:14", "c:main street", "c:ana ruiz",
                                "q:we are still counting the cars", "c:red cross")
    # sentence starts (Police, Officers, Chief, The) are not names; positions are word indexes
    assert sk.starts[:2] == [2, 4] and sk.ends[2] - sk.starts[2] == 2
    assert sk.starts == [2, 4, 10, 13, 16, 23] and sk.n_words == 26


def test_batch_keys_equal_the_reference_per_article():
    c = planted(n_originals=60, seed=9, spinners=5)
    texts = [a.text for a in c.articles]
    ids = list(range(1, len(texts) + 1))
    keys, kid = keys_batch(ids, texts, PARAMS)
    ref = sorted((k, i) for i, t in zip(ids, texts) for k in spin_keys(skeleton(t), PARAMS))
    assert sorted(zip(keys.tolist(), kid.tolist())) == ref
    assert 0 < len(ref) <= len(texts) * (PARAMS.spin_keys + PARAMS.spin_opening)


def test_spun_copy_passes_and_same_story_fails_on_real_english():
    # word shingles cannot see the spun copy: far below the containment check
    sa, sb = shingles(tokens(ORIGINAL), 5), shingles(tokens(SPUN), 5)
    shared = len(set(sa.tolist()) & set(sb.tolist()))
    assert shared / min(len(sa), len(sb)) < PARAMS.min_containment / 2
    # the spinner keys find it: they share their opening windows at least
    assert set(spin_keys(skeleton(ORIGINAL), PARAMS)) & set(spin_keys(skeleton(SPUN), PARAMS))
    spun = check_spin(ORIGINAL, SPUN, PARAMS)
    assert spun is not None and spun.passes(PARAMS)
    assert spun.skeleton >= 0.9 and spun.sentences >= 0.9 and spun.kept >= 0.3
    assert spun.cover_a > 0.95 and spun.cover_b > 0.95
    same = check_spin(ORIGINAL, SAME_STORY, PARAMS)
    assert same is None or not same.passes(PARAMS)
    # the trap: the names, numbers and quote are shared, but not their places
    assert same is not None and same.overlap >= 0.7 and same.skeleton < PARAMS.spin_min_skeleton
    # a truncated spun copy (its first three paragraphs) covers about half of the original
    half = check_spin(ORIGINAL, "\n".join(SPUN.split("\n")[:3]), PARAMS)
    assert half is not None and half.passes(PARAMS) and 0.35 < half.cover_a < 0.8


def _db(path):
    open_db(path).conn.close()
    return sqlite3.connect(db_path(path))


def _spin_pairs(conn):
    return {(c, o, k) for c, o, k in conn.execute(
        "SELECT a.capture_id, b.capture_id, s.kind FROM syndication s "
        "JOIN articles a ON a.id = s.copy_article_id JOIN articles b ON b.id = s.original_article_id "
        "WHERE s.method = 'spinner'")}


def _count(conn, table):
    return keystore.count(conn, table)


def _stored(conn):
    """Every stored (spin key, article id), from all the runs of the spinner key store."""
    return sorted((int(k), int(i)) for kb, ib in conn.execute(f"SELECT keys, ids FROM {TABLE}")
                  for k, i in zip(np.frombuffer(kb, "<i8"), np.frombuffer(ib, "<i4")))


@pytest.fixture(scope="module")
def corpus():
    return planted(n_originals=150, seed=11, spinners=16)


def test_spinner_pairs_incremental_rerun_and_rebuild(tmp_path, corpus):
    spun = {t.copy for t in corpus.pairs if t.spinner}
    truth = {(t.copy, t.original, t.kind) for t in corpus.pairs if t.spinner}
    conn = _db(tmp_path)
    # run 1 without the spun copies, run 2 adds them: found against the stored spin keys
    insert_articles(conn, [a for a in corpus.articles if a.capture_id not in spun])
    s1 = dedupe_with(tmp_path, PARAMS)
    assert s1.pairs_by_method.get("spinner", 0) == 0 and not _spin_pairs(conn)
    keys1 = _count(conn, TABLE)
    assert keys1 > 0
    insert_articles(conn, [a for a in corpus.articles if a.capture_id in spun])
    s2 = dedupe_with(tmp_path, PARAMS)
    assert s2.new_articles == len(spun)
    found = _spin_pairs(conn)
    # no false pair, no wrong kind or direction; one truncated and wrapped copy keeps only four
    # of the original's entities and its key windows all hold a wrapper line's names: missed
    assert found <= truth and len(found) >= len(truth) - 1
    assert s2.pairs_by_method == {"spinner": len(found)}
    keys2 = _count(conn, TABLE)
    assert keys1 < keys2 <= keys1 + len(spun) * (PARAMS.spin_keys + PARAMS.spin_opening)
    # a rerun adds nothing
    again = dedupe_with(tmp_path, PARAMS)
    assert (again.new_articles, again.candidates, again.pairs) == (0, 0, 0)
    assert _count(conn, TABLE) == keys2 and _spin_pairs(conn) == found
    # a rebuild recomputes the same state, with no stale keys left behind
    keystore.add(conn, np.array([1], dtype=np.int64), np.array([999999], dtype=np.int64), TABLE)
    conn.commit()
    assert _count(conn, TABLE) == keys2 + 1
    dedupe_with(tmp_path, PARAMS, rebuild=True)
    assert _count(conn, TABLE) == keys2 and _spin_pairs(conn) == found
    # the same as one run over everything, and spinner rows carry their own signals
    one = tmp_path / "one"
    one.mkdir()
    c2 = _db(one)
    insert_articles(c2, corpus.articles)
    dedupe_with(one, PARAMS)
    assert _spin_pairs(c2) == found and _count(c2, TABLE) == keys2
    for cont, found_by, diff in c2.execute("SELECT containment, found, diff FROM syndication "
                                           "WHERE method = 'spinner'"):
        assert cont < PARAMS.min_containment and found_by == "spinner" and diff.startswith("- ")


def test_worker_processes_give_the_same_spin_keys_and_pairs(tmp_path, monkeypatch):
    c = planted(n_originals=430, seed=13, spinners=12)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    ca, cb = _db(a), _db(b)
    insert_articles(ca, c.articles)
    insert_articles(cb, c.articles)
    dedupe_with(a, PARAMS)
    monkeypatch.setattr(spin, "_PART", 2)  # the few spinner candidates are checked in the workers too
    sb = dedupe_with(b, dataclasses.replace(PARAMS, workers=2, parallel_min=0))
    assert sb.candidates_by_source["spinner"] > 2 * 2
    # 1 051 representatives: the sketch workers compute their spin keys with the band keys
    assert sb.representatives >= 1000
    assert _spin_pairs(ca) == _spin_pairs(cb) and len(_spin_pairs(ca)) >= 11
    assert len(_stored(ca)) > 1000 and _stored(ca) == _stored(cb)


def test_spinner_config(tmp_path, corpus):
    with pytest.raises(ConfigError, match="spin_min_kept"):
        parse_params({"spin_min_kept": 1.5})
    with pytest.raises(ConfigError, match="spin_window"):
        parse_params({"spin_window": -1})
    with pytest.raises(ConfigError, match="spin_min_shared_keys"):
        parse_params({"spin_min_shared_keys": 0})
    # spin_window is a hashing field: stored with the LSH state, a change needs --rebuild
    conn = _db(tmp_path)
    insert_articles(conn, corpus.articles)
    dedupe_with(tmp_path, PARAMS)
    assert dict(conn.execute("SELECT name, value FROM dedupe_params"))["spin_window"] == "3"
    off = dataclasses.replace(PARAMS, spin_window=0)
    with pytest.raises(ConfigError, match="spin_window.*--rebuild"):
        dedupe_with(tmp_path, off)
    dedupe_with(tmp_path, off, rebuild=True)
    assert not _spin_pairs(conn) and _count(conn, TABLE) == 0


def test_state_from_the_row_per_key_spin_layout_is_refused(tmp_path, corpus):
    """Spin keys made before the sorted-run store (params without this layout's spin_key) are
    refused with the --rebuild message; the rebuild then stores the keys as runs."""
    conn = _db(tmp_path)
    insert_articles(conn, corpus.articles[:200])
    dedupe_with(tmp_path, PARAMS)
    keys = _count(conn, TABLE)
    assert keys > 0
    conn.execute("UPDATE dedupe_params SET value = 'spin-skeleton-v1' WHERE name = 'spin_key'")
    conn.commit()
    with pytest.raises(ConfigError, match="spin_key.*spin-skeleton-v1.*--rebuild"):
        dedupe_with(tmp_path, PARAMS)
    conn.execute("DELETE FROM dedupe_params WHERE name = 'spin_key'")
    conn.commit()
    with pytest.raises(ConfigError, match="spin_key.*--rebuild"):
        dedupe_with(tmp_path, PARAMS)
    dedupe_with(tmp_path, PARAMS, rebuild=True)
    assert _count(conn, TABLE) == keys


def test_hostile_texts_stay_bounded():
    """A page of one repeated number (the worst case of the entity alignment), unbalanced quotes,
    no entities at all: keys and checks come back (no hang, no error)."""
    numbers = " ".join(["7"] * 120_000)
    sk = skeleton(numbers)
    assert len(sk.labels) == 120_000 and len(set(sk.labels)) == 1
    assert len(spin_keys(sk, PARAMS)) == 1  # every window is the same
    c = check_spin(numbers, numbers + " 7", PARAMS)
    assert c is not None and c.matched == 1000  # aligned on the first MAX_ENTITIES only
    odd = 'He said "this never ends. Mr Smith left' * 500
    assert skeleton(odd).n_words == len(odd.split())
    assert check_spin("no names here at all.", "none here either.", PARAMS) is None
    assert keys_batch([1, 2], ["", "lower case only"], PARAMS)[0].size == 0


# a small real-English thesaurus, as a spinner would use it (two entries give two words)
THESAURUS = {
    "wants": "desires", "war": "conflict", "lead": "result", "worse": "deeper", "officials": "authorities",
    "member": "participant", "states": "nations", "close": "careful", "watch": "eye", "relationship": "bond",
    "recent": "latest", "helped": "aided", "fuel": "feed", "suspicions": "doubts", "factors": "elements",
    "burgeoning": "growing", "military": "armed", "alliance": "partnership", "statements": "remarks",
    "accusing": "blaming", "provoking": "triggering", "attack": "assault", "likewise": "also",
    "perception": "impression", "sees": "views", "opportunity": "opening", "despite": "notwithstanding",
    "stated": "declared", "said": "stated", "hosted": "received", "multiple": "several",
    "occasions": "instances", "including": "such as", "defended": "justified", "contacts": "links",
    "legitimate": "lawful", "observers": "watchers", "priorities": "goals", "doubt": "question",
    "potential": "capacity", "regarded": "seen", "doubtful": "unlikely", "suspect": "believe",
    "favoring": "preferring", "thinks": "believes", "primarily": "mainly", "exploit": "use",
    "anger": "fury", "bombardment": "shelling", "current": "present", "embrace": "welcome",
    "scenario": "situation", "considers": "deems", "troublesome": "problematic", "allies": "partners",
    "boasted": "bragged", "terrorist": "militant", "organization": "group", "massacred": "killed",
    "people": "individuals", "unprecedented": "unmatched", "rampage": "spree", "southern": "south",
    "deny": "reject", "supplying": "providing", "weapons": "arms", "ammunition": "munitions",
    "attributed": "credited", "allegation": "claim", "governments": "administrations",
    "delivers": "gives", "speech": "address", "interest": "benefit", "conflicts": "clashes",
    "interview": "conversation", "outlet": "channel", "produce": "make", "added": "noted",
    "translation": "rendering", "hastened": "hurried", "offered": "gave", "similar": "comparable",
    "assessment": "evaluation", "advantage": "benefit", "expert": "specialist", "former": "ex",
}


def _spin_real(text: str) -> str:
    """Swap thesaurus words outside quotes (a spinner keeps quotes), keeping punctuation."""
    import re

    out = []
    for line in text.split("\n"):
        parts = re.split("([\"“”])", line)
        inside = False
        for k, part in enumerate(parts):
            if part in ('"', "“", "”"):
                inside = not inside
                continue
            if not inside:
                parts[k] = re.sub(r"\b[a-z]+\b", lambda m: THESAURUS.get(m.group(), m.group()), part)
        out.append("".join(parts))
    return "\n".join(out)


def _seed_body() -> str:
    lines = [ln.strip() for ln in (Path(__file__).parent / "eval" / "seed_000.txt").read_text().splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("NextImg:")) + 1
    end = next(i for i, ln in enumerate(lines) if ln.startswith("CLICK HERE"))
    return "\n".join(ln for ln in lines[start:end] if ln)


def test_real_article_spun_with_a_thesaurus_and_another_outlets_story():
    sys.path.insert(0, str(Path(__file__).parent / "eval"))
    from stories import NYPOST, PJMEDIA, WATIMES

    body = _seed_body()  # the Washington Examiner story in the real America One News copy
    spun = _spin_real(body)
    assert spun != body and len(spun.split()) > len(body.split())  # "such as": one phrase longer
    c = check_spin(body, spun, PARAMS)
    assert c is not None and c.passes(PARAMS) and c.matched >= 30
    assert set(spin_keys(skeleton(body), PARAMS)) & set(spin_keys(skeleton(spun), PARAMS))
    other = check_spin(body, OTHER_OUTLET, PARAMS)
    assert other is None or not other.passes(PARAMS)
    assert not set(spin_keys(skeleton(body), PARAMS)) & set(spin_keys(skeleton(OTHER_OUTLET), PARAMS))
    # unrelated real stories never pass against each other or against the Examiner's
    texts = [body, spun, OTHER_OUTLET, ORIGINAL, SAME_STORY] + [
        "\n".join(s["paragraphs"]) for s in (NYPOST, PJMEDIA, WATIMES)]
    for x in range(len(texts)):
        for y in range(x + 1, len(texts)):
            r = check_spin(texts[x], texts[y], PARAMS)
            passed = r is not None and r.passes(PARAMS)
            assert passed == ((x, y) == (0, 1)), (x, y, r)  # only the spun pair


# British style: the full stop or comma after the closing quote, and a quote glued to a word
GLUED = """Mayor Karen Ellis called the bridge plan “a disgrace”. Commissioner David Ortiz said it was “the only way”, and the council agreed.
The Oregon Department of Transportation put the cost at $45 million; Ellis said,“We cannot wait.”
Engineers found the cracks in March. Ortiz called the repairs “overdue”, and the work starts in June.
About 50,000 vehicles cross the Morrison Bridge each day, “more than ever”, officials said."""
GLUED_SPUN = """Mayor Karen Ellis termed the bridge proposal “a disgrace”. Commissioner David Ortiz stated it was “the only way”, and the board concurred.
The Oregon Department of Transportation set the expense at $45 million; Ellis stated,“We cannot wait.”
Specialists noticed the fractures in March. Ortiz termed the fixes “overdue”, and the job begins in June.
Roughly 50,000 cars cross the Morrison Bridge each day, “more than ever”, authorities stated."""


def test_quotes_glued_to_words_keep_the_check_on_the_skeletons_words():
    """The crash on real news pages: a quote glued to punctuation or a word (“a disgrace”.,
    said,“We) is a word boundary for the skeleton and was none for the check's word list, so
    entity positions ran past its end (IndexError in check_spin). Both now read the same words."""
    for text in (GLUED, GLUED_SPUN, GLUED * 40):
        assert len(words(text)) == skeleton(text).n_words
    c = check_spin(GLUED * 3, GLUED_SPUN * 3, PARAMS)
    assert c is not None and c.passes(PARAMS)
    assert check_spin(GLUED_SPUN, GLUED, PARAMS) is not None


def test_a_run_over_glued_quotes_pairs_the_spun_copy(tmp_path):
    from archive.model import Article

    def art(i, url, text):
        return Article(capture_id=f"g{i}", url=url, source="t", site=url.split("/")[2], title="t", author=None,
                       published=None, aggregator_date=None, text=text, word_count=len(text.split()),
                       original_publisher=None, original_url=None, sitename=None, captured="2025-01-01T00:00:00Z")

    conn = _db(tmp_path)
    insert_articles(conn, [art(1, "https://news.example/a", GLUED * 3), art(2, "https://spun.example/a", GLUED_SPUN * 3)])
    stats = dedupe_with(tmp_path, PARAMS)
    assert stats.failed == 0
    assert [r[0] for r in conn.execute("SELECT method FROM syndication")] == ["spinner"]
