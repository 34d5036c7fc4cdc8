"""Planted pairs from real text (``tests/support/realplanted.py``: Readability's pages as
originals; full, truncated, teaser, edited and reworded copies on five copy sites; same-topic
stories of other outlets as negatives; direction evidence planted per copy, or none). The
floors are the synthetic planted test's, on real English. Figures are printed (-s to see them)."""
from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict

import pytest

from archive.dedupe.params import parse_params
from archive.dedupe.run import dedupe_with
from archive.index import db_path, open_db

from support import realpages
from support.realplanted import build
from support.synth import insert_articles

pytestmark = pytest.mark.skipif(not realpages.available(), reason="../shared/realpages is not beside the clone")


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("planted-real")
    corpus = build(seed=11)
    open_db(data).conn.close()
    conn = sqlite3.connect(db_path(data))
    insert_articles(conn, corpus.articles)
    p = parse_params({"known_publishers": corpus.registered})
    stats = dedupe_with(data, p)
    conn.row_factory = sqlite3.Row
    ids = {r["capture_id"]: r["id"] for r in conn.execute("SELECT id, capture_id FROM articles")}
    rows = [dict(r) for r in conn.execute("SELECT * FROM syndication")]
    failures = conn.execute("SELECT COUNT(*) FROM dedupe_failures").fetchone()[0]
    yield corpus, ids, rows, stats, failures
    conn.close()


def _group_of(corpus, ids, originals_only=False):
    copies = {t.copy for t in corpus.pairs}
    by_id = {ids[cid]: g for cid, g in corpus.groups.items() if not (originals_only and cid in copies)}
    return lambda i: by_id.get(i)


def test_real_text_pairs_meet_the_planted_floors(real_run):
    corpus, ids, rows, stats, failures = real_run
    group = _group_of(corpus, ids)
    original_group = _group_of(corpus, ids, originals_only=True)
    found = {(r["copy_article_id"], r["original_article_id"]): r for r in rows}
    by_copy: dict[int, list[int]] = defaultdict(list)
    for c, o in found:
        by_copy[c].append(o)
        by_copy[o].append(c)

    originals_per_group = Counter(original_group(i) for i in {ids[t.original] for t in corpus.pairs})
    shared_text = {g for g, n in originals_per_group.items() if n > 1}

    def hit(t):
        """The copy is paired with its original; a copy of a text other originals share (the
        Lorem-ipsum cases) with any page of that text."""
        c, o = ids[t.copy], ids[t.original]
        if original_group(o) in shared_text:
            return [x for x in by_copy.get(c, []) if group(x) == group(o)]
        return [x for x in by_copy.get(c, []) if x == o]

    main = [t for t in corpus.pairs if t.how != "reworded"]
    per_how: dict[str, list[bool]] = defaultdict(list)
    for t in corpus.pairs:
        per_how[t.how].append(bool(hit(t)))
    print()
    for how, oks in sorted(per_how.items()):
        print(f"recall {how:10s} {sum(oks) / len(oks):.3f} ({sum(oks)}/{len(oks)})")
    recall = sum(bool(hit(t)) for t in main) / len(main)

    # a found pair is false unless it joins a copy to its original or two pages of one text
    truth = {frozenset((ids[t.copy], ids[t.original])) for t in corpus.pairs}
    false = [k for k in found if frozenset(k) not in truth
             and not (group(k[0]) is not None and group(k[0]) == group(k[1]))]
    precision = 1 - len(false) / max(1, len(found))
    for k in false:
        print("false pair", found[k]["copy_url"], found[k]["original_url"], found[k]["method"], found[k]["kind"])

    # direction: right wherever some evidence exists; unknown where none does
    right, unknown_ok = [], []
    kinds = []
    for t in corpus.pairs:
        c, o = ids[t.copy], ids[t.original]
        r = found.get((c, o)) or found.get((o, c))
        if r is None:
            continue
        kinds.append(r["kind"] == t.kind or (not t.kind and r["kind"] in ("truncated", "excerpt")))
        if t.evidence == "none":
            unknown_ok.append(r["direction"] == "unknown" and r["confidence"] == "none")
        else:
            right.append(r["original_article_id"] == o and r["direction"] != "unknown")
    teasers = [t for t in corpus.pairs if t.how == "teaser"]
    # teasers holding under a quarter of an original no other original shares: paired with
    # it, the teaser as the copy, as excerpts
    teaser_kind = [(found.get((ids[t.copy], ids[t.original])) or {}).get("kind") == "excerpt"
                   for t in teasers if original_group(ids[t.original]) not in shared_text and t.kind == "excerpt"]
    print(f"recall {recall:.3f} (reworded apart) precision {precision:.3f} ({len(false)} false of {len(found)}) "
          f"original right {sum(right) / max(1, len(right)):.3f} ({sum(right)}/{len(right)} with evidence) "
          f"unknown where no evidence {sum(unknown_ok)}/{len(unknown_ok)} kind right {sum(kinds)}/{len(kinds)} "
          f"teasers as planted {sum(teaser_kind)}/{len(teaser_kind)}")
    print("by direction", dict(Counter(r["direction"] for r in rows)), "by evidence planted",
          dict(Counter(t.evidence for t in corpus.pairs)), "negatives", corpus.negatives)
    print(stats.summary())
    assert len(main) >= 130 and corpus.negatives >= 10 and len(teasers) >= 20
    assert failures == 0
    assert recall >= 0.98
    assert precision >= 0.99
    assert sum(right) / len(right) >= 0.99
    assert all(unknown_ok) and len(unknown_ok) >= 5
    assert sum(teaser_kind) / len(teaser_kind) >= 0.95 and len(teaser_kind) >= 15
    reworded = per_how["reworded"]
    assert sum(reworded) / len(reworded) >= 0.3  # reported apart: measured 0.38-0.65 over seeds 11-18
