"""Planted pairs: ≥ 2 000 generated articles, 5 publishers, 2 aggregators, copies full /
truncated / excerpt, edited, boilerplate-wrapped, a third unattributed; same-topic non-copies
sharing names and quotes; spinner copies reported apart. Figures are printed (-s to see them)."""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter, defaultdict

import pytest

from archive.dedupe.params import parse_params
from archive.dedupe.run import dedupe_with
from archive.index import db_path, open_db

from support.synth import AGGREGATORS, insert_articles, planted

AGGS = tuple(h for h, _ in AGGREGATORS)


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("planted")
    corpus = planted()
    open_db(data).conn.close()
    conn = sqlite3.connect(db_path(data))
    insert_articles(conn, corpus.articles)
    p = parse_params({"known_aggregators": list(AGGS)})
    stats = dedupe_with(data, p)
    conn.row_factory = sqlite3.Row
    ids = {r["capture_id"]: r["id"] for r in conn.execute("SELECT id, capture_id FROM articles")}
    rows = [dict(r) for r in conn.execute("SELECT * FROM syndication")]
    versions = [dict(r) for r in conn.execute("SELECT * FROM versions")]
    yield corpus, ids, rows, versions, stats
    conn.close()


def _when(value: str | None) -> tuple[dt.datetime, bool] | None:
    if not value:
        return None
    if len(value) <= 10:
        d = dt.date.fromisoformat(value)
        return dt.datetime(d.year, d.month, d.day), False
    return dt.datetime.fromisoformat(value.replace("Z", "")), True


def _lag_within_what_was_seen(found: dict, t, copy, orig) -> bool:
    """Held against the generator's own record of when the copy went up (``Truth.appeared``),
    not against the lag rule: a lag in seconds lies between the copy's real delay and the delay
    to its first capture (the archive cannot see it earlier, nor need longer); a lag in days is
    whole days within a day of the real delay (a day-only date on either side)."""
    got, res = found["lag_seconds"], found["lag_resolution"]
    pub, appeared, captured = _when(orig.published), _when(t.appeared), _when(copy.captured)
    if pub is None:
        return got is None and res is None
    assert appeared is not None and captured is not None
    real = (appeared[0] - pub[0]).total_seconds()
    if res == "second":
        return pub[1] and real <= got <= (captured[0] - pub[0]).total_seconds()
    if res == "day":
        return got % 86400 == 0 and abs(got - real) < 2 * 86400
    return False


def test_planted_pairs(planted_run):
    corpus, ids, rows, versions, stats = planted_run
    arts = {a.capture_id: a for a in corpus.articles}
    assert len(corpus.articles) >= 2000
    assert len({a.site for a in corpus.articles if a.site not in AGGS}) >= 4
    assert {a.site for a in corpus.articles} >= set(AGGS)
    truth = {(ids[t.copy], ids[t.original]): t for t in corpus.pairs}
    main = {k: t for k, t in truth.items() if not t.spinner}
    assert sum(1 for t in main.values() if not t.attributed) >= len(main) / 4
    found = {(r["copy_article_id"], r["original_article_id"]): r for r in rows}
    unordered = {frozenset(k): k for k in found}

    def hit(k):
        return unordered.get(frozenset(k))

    # recall by kind / modifier / attribution, on non-spinner copies
    groups: dict[str, list[bool]] = defaultdict(list)
    for k, t in main.items():
        ok = hit(k) is not None
        groups[f"kind={t.kind}"].append(ok)
        groups["edited" if t.edited else "unedited"].append(ok)
        groups["wrapped" if t.wrapped else "unwrapped"].append(ok)
        groups["attributed" if t.attributed else "no attribution"].append(ok)
        groups["all"].append(ok)
    print()
    for g, oks in sorted(groups.items()):
        print(f"recall {g:16s} {sum(oks) / len(oks):.4f} ({sum(oks)}/{len(oks)})")
    spin = [hit(k) is not None for k, t in truth.items() if t.spinner]
    spin_recall = sum(spin) / len(spin)
    print(f"recall spinner copies  {spin_recall:.4f} ({sum(spin)}/{len(spin)}) — floor 0.9")

    truth_unordered = {frozenset(k) for k in truth}
    good = [k for k in found if frozenset(k) in truth_unordered]
    bad = [k for k in found if frozenset(k) not in truth_unordered]
    precision = len(good) / max(1, len(found))
    by_method = Counter(found[k]["method"] for k in found)
    wrong_by_method = Counter(found[k]["method"] for k in bad)
    for m in sorted(by_method):
        print(f"pairs method={m:12s} {by_method[m]:5d}  false {wrong_by_method[m]}")
    by_kind = Counter(found[k]["kind"] for k in found)
    print("pairs by kind", dict(by_kind), "by direction", dict(Counter(found[k]["direction"] for k in found)))
    kind_ok = [found[k]["kind"] == truth[k].kind for k in good if k in truth]
    print(f"kind right {sum(kind_ok) / max(1, len(kind_ok)):.4f}")
    right = [k in truth for k in good]
    lag_ok = []
    for k in good:
        if k not in truth:
            continue
        t = truth[k]
        lag_ok.append(_lag_within_what_was_seen(found[k], t, arts[t.copy], arts[t.original]))
    recall = sum(groups["all"]) / len(groups["all"])
    print(f"recall {recall:.4f} precision {precision:.4f} original right {sum(right) / len(right):.4f} "
          f"lag within what was seen {sum(lag_ok) / len(lag_ok):.4f}")
    print("stats", stats.summary(), "candidates", stats.candidates_by_source,
          "oversized buckets", stats.oversized_buckets, "copy-of-copy dropped", stats.copy_of_copy_removed)
    assert recall >= 0.98
    assert spin_recall >= 0.9  # measured 1.0 (60/60): reworded copies found by the entity skeleton
    assert Counter(found[k]["method"] for k in found if k in truth and truth[k].spinner) == {"spinner": sum(spin)}
    assert precision >= 0.99
    assert sum(right) / len(right) >= 0.99
    assert all(lag_ok)
    assert sum(kind_ok) / len(kind_ok) >= 0.95
    # two copies of one original are never paired with each other
    copies = {ids[t.copy] for t in corpus.pairs}
    assert not [k for k in found if k[0] in copies and k[1] in copies]
    # diffs: a wrapped copy added its boilerplate lines; a truncated one removed paragraphs
    for k in good:
        t = truth.get(k)
        if t and t.wrapped and not t.spinner:
            assert any(line.startswith("+ ") for line in found[k]["diff"].splitlines())
        if t and t.kind == "truncated":
            assert any(line.startswith("- ") for line in found[k]["diff"].splitlines())


def test_planted_versions(planted_run):
    corpus, ids, rows, versions, stats = planted_run
    want = {(a, b) for a, b in corpus.versions}
    got = {(v["from_capture_id"], v["to_capture_id"]) for v in versions}
    assert got == want
    for v in versions:
        assert "+ Update:" in v["diff"]
    # later captures of one URL are versions, never syndication pairs
    later = {ids[b] for _, b in corpus.versions}
    assert not [r for r in rows if r["copy_article_id"] in later or r["original_article_id"] in later]
