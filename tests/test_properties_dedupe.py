"""Property tests: no dedupe text function raises on any text, and the batch (vectorised)
versions agree with their one-text references on any text. Hypothesis runs derandomized (the
same examples every run) with bounded example counts; the huge texts and the real pages'
texts are run as plain examples."""
from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.dedupe.batchtok import shingle_sets, shingle_sets_and_openings, tokenize
from archive.dedupe.diff import counts, flip, paragraph_diff
from archive.dedupe.direction import choose, parse_when
from archive.dedupe.lag import lag
from archive.dedupe.meta import Meta
from archive.dedupe.normalize import (host_key, name_key, name_variants, norm_hash, paragraphs,
                                      site_names, tokens, url_key)
from archive.dedupe.params import DedupeParams
from archive.dedupe.run import dedupe_with
from archive.dedupe.shingles import shingles
from archive.dedupe.sites import Sites
from archive.dedupe.sketch import sketch_texts
from archive.dedupe.skelbatch import keys_batch, skeletons
from archive.dedupe.skeleton import skeleton, spin_keys, words
from archive.dedupe.spincheck import check_spin
from archive.dedupe.verify import ATTRIBUTED, SAME_SITE, check_pairs, prose
from archive.index import db_path, open_db
from archive.model import Article

from support import realpages
from support.synth import insert_articles
from support.texts import any_text, pieced

P = DedupeParams(min_words=3, min_shared=2, excerpt_min_shared=3)
FAST = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(FAST, max_examples=25)


def _every_text_function(texts: list[str]) -> None:
    """Every per-text and batch function of dedupe on these texts (and pairs of them)."""
    for t in texts:
        toks = tokens(t)
        norm_hash(toks)
        paragraphs(t)
        shingles(toks, P.shingle_size)
        prose(t)
        sk = skeleton(t)
        # the check's word positions are the skeleton's: the same tokenising
        assert len(words(t)) == sk.n_words
        assert all(0 <= s < e <= sk.n_words for s, e in zip(sk.starts, sk.ends))
        spin_keys(sk, P)
    tk = tokenize(texts)
    assert [int(n) for n in tk.counts] == [len(tokens(t)) for t in texts]
    shingle_sets(texts, P.shingle_size)
    shingle_sets_and_openings(texts, P.shingle_size, (P.lede_words, P.excerpt_words))
    sketch_texts(list(range(1, len(texts) + 1)), texts, P)
    assert skeletons(texts) == [skeleton(t) for t in texts]
    keys_batch(list(range(1, len(texts) + 1)), texts, P)
    pairs = [(a, b, f) for a in range(len(texts)) for b in range(a + 1, len(texts))
             for f in (0, ATTRIBUTED | SAME_SITE)][:12]
    check_pairs(pairs, dict(enumerate(texts)), P)
    for a, b, _ in pairs[:6]:
        check_spin(texts[a], texts[b], P)
        d = paragraph_diff(texts[a], texts[b])
        counts(d)
        assert counts(flip(d)) == counts(d)[::-1]


@FAST
@given(any_text)
def test_tokens_skeleton_and_shingles_never_raise(text):
    _every_text_function([text])


@FAST
@given(st.lists(any_text, min_size=1, max_size=4))
def test_batches_agree_with_one_text_references(texts):
    _every_text_function(texts)


@FAST
@given(pieced, pieced)
def test_spinner_check_reads_any_pair_of_texts(a, b):
    check_spin(a, b, P)
    check_spin(a, a + " " + b, P)
    check_spin(a + "\n" + b, b + "\n" + a, P)


@FAST
@given(st.text(), st.text(), st.text(), st.text())
def test_urls_names_and_dates_never_raise(url, site, name, when):
    url_key(url)
    url_key("http://" + url)
    host_key(site)
    host_key("https://" + site)
    name_variants(name_key(name))
    site_names(site, name)
    parse_when(when)


def _meta(i: int, url: str, **kw) -> Meta:
    base = dict(id=i, capture_id=f"c{i}", url=url, site=None, sitename=None, published=None,
                aggregator_date=None, captured=None, original_url=None, original_publisher=None)
    base.update(kw)
    return Meta(**base)


dates = st.one_of(st.none(), st.text(max_size=30), st.datetimes().map(lambda d: d.isoformat()),
                  st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2025-02-30",
                                   "2025-01-01", "2025-01-01T10:00:00Z", "1-1-1", "Z"]))


@FAST
@given(st.one_of(st.text(max_size=40), st.sampled_from(["[", "[::1", "a:99999", "x:y:z", "%zz", "@"])),
       st.text(max_size=40), dates, dates, dates, dates, st.one_of(st.none(), st.text()),
       st.floats(0, 1), st.floats(0, 1))
def test_direction_and_lag_never_raise(url_a, url_b, pub_a, pub_b, cap_a, agg_b, named, ca, cb):
    a = _meta(1, "https://" + url_a, published=pub_a, captured=cap_a, original_publisher=named)
    b = _meta(2, "https://" + url_b, published=pub_b, aggregator_date=agg_b, captured=cap_a,
              original_url="https://" + url_a)
    sites = Sites.from_params(dataclasses.replace(P, known_publishers=("x.example",), site_names=(("x.example", ("X",)),)))
    for x, y in ((a, b), (b, a)):
        d = choose(x, y, ca, cb, sites)
        assert {d.copy.id, d.original.id} == {1, 2} and d.confidence in ("high", "medium", "low", "none")
        lag(x, y)


articles = st.lists(st.tuples(any_text, st.sampled_from(["a.example", "b.example", "c.example", "a.example:81"]),
                              dates, dates, st.one_of(st.none(), st.sampled_from(["A", "B News", "C"]))),
                    min_size=1, max_size=8)


@SLOW
@given(articles)
def test_dedupe_over_any_set_of_articles_finishes(arts):
    """Any articles — empty, one word, garbage, odd dates — go through the whole run; none is
    recorded as failed (no step raised on them), and a second run adds nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        open_db(data).conn.close()
        conn = sqlite3.connect(db_path(data))
        rows = []
        for i, (text, host, pub, cap, named) in enumerate(arts):
            rows.append(Article(capture_id=f"p{i}", url=f"https://{host}/s/{i % 3}", source="p", site=host,
                                title=None, author=None, published=pub, aggregator_date=None, text=text,
                                word_count=len(text.split()), original_publisher=named, original_url=None,
                                sitename=None, captured=cap))
        insert_articles(conn, rows)
        stats = dedupe_with(data, P)
        again = dedupe_with(data, P)
        failed = conn.execute("SELECT COUNT(*) FROM dedupe_failures").fetchone()[0]
        conn.close()
    assert stats.new_articles == len(arts) and again.new_articles == 0 and again.pairs == 0
    assert failed == 0 and stats.failed == 0


def test_huge_and_degenerate_texts():
    """Two million characters, one word of 200 000 letters, a line of quotes, a number list."""
    big = ("Mayor Alice Brown said “the plan”, costing $40 million, was “a disgrace”. " * 30000)
    texts = [big, "x" * 200_000, "“" * 50_000, " ".join(str(i) for i in range(60_000)), "", "word"]
    _every_text_function(texts)
    assert check_spin(big, big[: len(big) // 2], P) is not None


@pytest.mark.skipif(not realpages.available(), reason="../shared/realpages is not beside the clone")
def test_the_real_pages_texts_and_sources():
    """Readability's 130 pages (English, French, Czech, Japanese, Chinese, Hebrew, Arabic ...):
    their texts, and their HTML sources read as text."""
    pages = realpages.real_pages()
    texts = [p.text for p in pages]
    for k in range(0, len(texts), 8):
        _every_text_function(texts[k:k + 8][:3])
    sources = [realpages.source_html(p.name)[:200_000] for p in pages[::10]]
    _every_text_function(sources[:4])
    sketch_texts(list(range(1, len(texts) + 1)), texts, P)
    assert skeletons(texts) == [skeleton(t) for t in texts]
