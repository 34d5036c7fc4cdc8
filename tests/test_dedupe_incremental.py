"""Incremental and idempotent: counts prove that a rerun adds nothing and that 100 new articles
cost 100 articles' work, not a rebuild; the stored hashing parameters guard the LSH state."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from archive.dedupe import keystore
from archive.dedupe.params import parse_params
from archive.dedupe.run import dedupe_with
from archive.errors import ConfigError
from archive.index import db_path, open_db

from support.synth import AGGREGATORS, insert_articles, planted

PARAMS = parse_params({"known_aggregators": [h for h, _ in AGGREGATORS]})


@pytest.fixture(scope="module")
def corpus():
    c = planted(n_originals=260, seed=3, spinners=10)
    assert len(c.articles) > 600
    return c


def _db(path):
    open_db(path).conn.close()
    return sqlite3.connect(db_path(path))


def _pairs(conn):
    return {(c, o, m, k, lag, res, d) for c, o, m, k, lag, res, d in conn.execute(
        "SELECT a.capture_id, b.capture_id, s.method, s.kind, s.lag_seconds, s.lag_resolution, s.direction "
        "FROM syndication s JOIN articles a ON a.id = s.copy_article_id "
        "JOIN articles b ON b.id = s.original_article_id")}


def _count(conn, table):
    if table == "dedupe_keys":  # the LSH state: (key, article) entries of the stored runs
        return keystore.count(conn)
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_rerun_adds_nothing_and_100_new_cost_100(tmp_path, corpus):
    conn = _db(tmp_path)
    # articles arrive in capture order (a URL's representative is its first capture processed)
    ordered = sorted(corpus.articles, key=lambda a: a.captured)
    first, rest = ordered[:-100], ordered[-100:]
    insert_articles(conn, first)
    s1 = dedupe_with(tmp_path, PARAMS)
    assert s1.new_articles == len(first) and s1.pairs > 100
    keys1, pairs1, state1 = _count(conn, "dedupe_keys"), _pairs(conn), _count(conn, "dedupe_state")
    assert keys1 == s1.lsh_inserts and state1 == len(first)

    again = dedupe_with(tmp_path, PARAMS)
    assert (again.new_articles, again.sketches, again.lsh_inserts, again.candidates, again.pairs,
            again.versions) == (0, 0, 0, 0, 0, 0)
    assert _pairs(conn) == pairs1 and _count(conn, "dedupe_keys") == keys1

    insert_articles(conn, rest)
    s2 = dedupe_with(tmp_path, PARAMS)
    assert s2.new_articles == 100
    old_urls = {a.url for a in first}
    new_urls = {a.url for a in rest if a.url not in old_urls}
    assert s2.representatives == len(new_urls) and s2.later_captures == 100 - len(new_urls)
    assert s2.sketches == len(new_urls)  # every synthetic text is long enough to be sketched
    new_keys = conn.execute("SELECT SUM(keys) FROM dedupe_state WHERE article_id IN "
                            "(SELECT id FROM articles ORDER BY id DESC LIMIT 100)").fetchone()[0]
    assert s2.lsh_inserts == new_keys == _count(conn, "dedupe_keys") - keys1
    assert _count(conn, "dedupe_state") == len(corpus.articles)

    # the same result as one run over everything
    one = tmp_path / "one"
    one.mkdir()
    c2 = _db(one)
    insert_articles(c2, corpus.articles)
    dedupe_with(one, PARAMS)
    assert _pairs(conn) == _pairs(c2)
    assert _count(conn, "versions") == _count(c2, "versions") == len(corpus.versions)


def test_worker_processes_give_the_same_pairs(tmp_path, corpus):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    ca, cb = _db(a), _db(b)
    insert_articles(ca, corpus.articles)
    insert_articles(cb, corpus.articles)
    # small rounds: the pipeline plans and sketches rounds ahead of the one being written, and
    # later captures of one URL fall in other rounds than its first; the same rounds in one
    # process give the same result
    dedupe_with(a, dataclasses.replace(PARAMS, batch=150))
    sb = dedupe_with(b, dataclasses.replace(PARAMS, workers=2, parallel_min=0, batch=150))
    assert sb.pairs > 100 and sb.rounds >= 4
    assert _pairs(ca) == _pairs(cb)
    assert _count(ca, "dedupe_keys") == _count(cb, "dedupe_keys")
    assert _count(ca, "dedupe_state") == _count(cb, "dedupe_state") == len(corpus.articles)
    assert _count(ca, "versions") == _count(cb, "versions") == len(corpus.versions)
    assert (sb.representatives, sb.later_captures) == (
        cb.execute("SELECT COUNT(*) FROM dedupe_state WHERE role = 'rep'").fetchone()[0],
        cb.execute("SELECT COUNT(*) FROM dedupe_state WHERE role = 'version'").fetchone()[0])


def test_changed_hashing_needs_rebuild(tmp_path, corpus):
    conn = _db(tmp_path)
    insert_articles(conn, corpus.articles[:200])
    dedupe_with(tmp_path, PARAMS)
    stored = dict(conn.execute("SELECT name, value FROM dedupe_params"))
    assert stored["bands"] == "16" and "ALGORITHM_VERSION" in stored["algorithm"]
    other = dataclasses.replace(PARAMS, bands=32)
    with pytest.raises(ConfigError, match="bands.*--rebuild"):
        dedupe_with(tmp_path, other)
    # thresholds are not hashing parameters: they may change between runs
    dedupe_with(tmp_path, dataclasses.replace(PARAMS, min_containment=0.6))
    s = dedupe_with(tmp_path, other, rebuild=True)
    assert s.new_articles == 200
    assert dict(conn.execute("SELECT name, value FROM dedupe_params"))["bands"] == "32"


def test_boilerplate_buckets_are_skipped_across_runs(tmp_path):
    """A paragraph shared by more articles than max_bucket is boilerplate: neither the first run
    nor a later one pairs through it, and the later run does not join its stored members."""
    from support.synth import PUBLISHERS, Generator

    g = Generator(21)
    boiler = "Subscribe to our newsletter for the stories that matter most to you each morning today."
    arts = []
    for i in range(12):
        a = g.original(g.topic(), PUBLISHERS[i % 5], g.base, date_only=False)
        arts.append(dataclasses.replace(a, text=a.text + "\n" + boiler))
    p = dataclasses.replace(PARAMS, max_bucket=5, min_shared_keys=1)
    conn = _db(tmp_path)
    insert_articles(conn, arts[:8])
    s1 = dedupe_with(tmp_path, p)
    insert_articles(conn, arts[8:])
    s2 = dedupe_with(tmp_path, p)
    assert s1.oversized_buckets >= 1 and s2.oversized_buckets >= 1
    assert s1.pairs == s2.pairs == 0 and _count(conn, "syndication") == 0
    assert s2.candidates == 0
