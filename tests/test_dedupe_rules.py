"""Direction, lag, diff, parameters, copies of copies, same-story non-copies and versions, each on
small hand-built cases (real SQLite files, the real runner)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import load_config
from archive.dedupe.diff import flip, paragraph_diff
from archive.dedupe.direction import choose
from archive.dedupe.lag import lag
from archive.dedupe.meta import Meta
from archive.dedupe.params import params_from_config, parse_params
from archive.dedupe.run import dedupe_with
from archive.dedupe.sites import Sites
from archive.errors import ConfigError
from archive.index import db_path, open_db

from support.synth import AGGREGATORS, PUBLISHERS, Generator, insert_articles

AGGS = tuple(h for h, _ in AGGREGATORS)
PARAMS = parse_params({"known_aggregators": list(AGGS)})


def meta(i: int, url: str, **kw) -> Meta:
    site = url.split("/")[2]
    base = dict(id=i, capture_id=f"c{i}", url=url, site=site, sitename=None, published=None,
                aggregator_date=None, captured="2025-01-05T00:00:00Z", original_url=None,
                original_publisher=None)
    base.update(kw)
    return Meta(**base)


def sites(**kw) -> Sites:
    return Sites.from_params(dataclasses.replace(PARAMS, **kw))


def test_direction_order():
    reg = sites()
    orig = meta(1, "https://www.washingtonexaminer.com/news/a", sitename="Washington Examiner",
                original_publisher="Washington Examiner",  # its own promo line names itself
                published="2025-01-02T10:00:00Z")
    by_url = meta(2, "https://am1.news/topic/x/6-slug-a", original_url="https://washingtonexaminer.com/news/a/")
    d = choose(orig, by_url, 0.9, 0.9, reg)
    assert (d.copy.id, d.how, d.confidence) == (2, "attribution", "high")
    by_name = meta(3, "https://www.plainsherald.com/a", original_publisher="The Washington Examiner",
                   published="2025-01-01T00:00:00Z")  # even with an earlier date
    d = choose(by_name, orig, 0.9, 0.9, reg)
    assert (d.copy.id, d.how) == (3, "attribution") and "Washington Examiner" in d.evidence
    on_agg = meta(4, "https://agg-one.news/topic/a", published="2025-01-01")
    d = choose(orig, on_agg, 0.5, 0.9, reg)
    assert (d.copy.id, d.how) == (4, "known-aggregator")
    later = meta(5, "https://www.westernpost.net/a", published="2025-01-03")
    d = choose(later, orig, 0.9, 0.9, reg)
    assert (d.copy.id, d.how, d.confidence) == (5, "date", "medium")  # one side only has a day
    # a registered publisher's page beats an earlier date on an unlisted site
    d = choose(later, orig, 0.9, 0.9, sites(known_publishers=("westernpost.net",)))
    assert (d.copy.id, d.how, d.confidence) == (1, "known-publisher", "high")


def test_no_evidence_is_unknown_and_a_capture_gap_is_low_evidence():
    reg = sites()
    a = meta(1, "https://one.example/a", captured="2025-01-05T00:00:00Z")
    b = meta(2, "https://two.example/b", captured="2025-01-05T00:20:00Z")
    d = choose(a, b, 0.95, 0.6, reg)  # 20 minutes apart: one crawl's order says nothing
    assert (d.how, d.confidence) == ("unknown", "none")
    assert d.copy.id == 1  # stored with the more contained text as the copy (the kind's reference)
    assert choose(a, b, 0.6, 0.95, reg).copy.id == 2
    b.captured = "2025-01-07T00:00:00Z"  # two days later
    d = choose(b, a, 0.95, 0.6, reg)
    assert (d.copy.id, d.how, d.confidence) == (2, "capture", "low")


def test_publisher_names_match_through_the_registry_and_plain_variants():
    wire = meta(1, "https://apnews.com/article/x")
    copy = meta(2, "https://dailyreposts.example/x", original_publisher="AP")
    assert choose(wire, copy, 0.9, 0.9, sites()).how == "unknown"  # "ap" is no name of apnews.com
    reg = sites(site_names=(("apnews.com", ("Associated Press", "AP")),))
    d = choose(wire, copy, 0.9, 0.9, reg)
    assert (d.copy.id, d.how) == (2, "attribution")
    bbc = meta(3, "https://www.bbc.co.uk/news/x")
    named = meta(4, "https://mirror.example/x", original_publisher="BBC News")
    assert choose(bbc, named, 0.9, 0.9, sites()).copy.id == 4  # bbc.co.uk answers to "BBC (News)"


def test_a_site_seen_as_the_copy_in_attributed_pairs_is_learned_as_an_aggregator():
    reg = sites(learn_min_pairs=3)
    a = meta(1, "https://original.example/x")
    b = meta(2, "https://reposter.example/x")
    assert choose(a, b, 0.9, 0.9, reg).how == "unknown"
    reg.stored = {"reposter.example": (2, 0)}
    reg.learn([("reposter.example", "elsewhere.example")])  # a third one this round
    d = choose(a, b, 0.9, 0.9, reg)
    assert (d.copy.id, d.how, d.confidence) == (2, "site-role", "medium")
    reg.stored = {"reposter.example": (5, 1)}  # an original now and then (a fifth): still learned
    reg.learn()
    assert choose(a, b, 0.9, 0.9, reg).how == "site-role"
    reg.stored = {"reposter.example": (3, 3)}  # as often an original as a copy: not an aggregator
    reg.learn()
    assert choose(a, b, 0.9, 0.9, reg).how == "unknown"


def test_lag_and_resolution():
    orig = meta(1, "https://p.example/a", published="2025-01-02T10:00:00Z")
    copy = meta(2, "https://agg-one.news/a", first_captured="2025-01-02T12:30:00Z")
    assert lag(copy, orig) == (9000, "second")
    # the aggregator dated it a day before the first capture: the day counts
    copy = meta(2, "https://agg-one.news/a", aggregator_date="2025-01-03",
                first_captured="2025-01-05T08:00:00Z")
    assert lag(copy, orig) == (86400, "day")
    # aggregator date on the capture's own day: the capture time is that day, to the second
    copy = meta(2, "https://agg-one.news/a", aggregator_date="2025-01-02",
                first_captured="2025-01-02T11:00:00Z")
    assert lag(copy, orig) == (3600, "second")
    dated = meta(1, "https://p.example/a", published="2024-12-30")
    copy = meta(2, "https://agg-one.news/a", first_captured="2025-01-02T23:00:00Z")
    assert lag(copy, dated) == (3 * 86400, "day")
    assert lag(copy, meta(1, "https://p.example/a")) == (None, None)


def test_paragraph_diff():
    old = "First para here.\nSecond para, kept.\nThird para goes."
    new = "FIRST para here!\nSecond para, kept.\nA caption the copy added.\nRead more at the source."
    d = paragraph_diff(old, new)
    assert d.splitlines() == ["- Third para goes.", "+ A caption the copy added.", "+ Read more at the source."]
    assert flip(d).splitlines() == ["+ Third para goes.", "- A caption the copy added.", "- Read more at the source."]
    assert paragraph_diff(old, old.upper()) == ""


def test_params_errors_name_file_and_field(tmp_path):
    def load(body: str):
        f = tmp_path / "s.toml"
        f.write_text(body)
        return params_from_config(load_config(f))

    p = load("[settings]\nknown_aggregators = ['Am1.news']\n[dedupe]\nknown_aggregators = ['agg.example']\n")
    assert p.known_aggregators == ("am1.news", "agg.example")
    for body, field in (("[dedupe]\nbandz = 3\n", "bandz"), ("[dedupe]\nbands = 10\n", "bands"),
                        ("[dedupe]\nmin_containment = 'high'\n", "min_containment"),
                        ("[dedupe]\nmin_containment = 1.5\n", "min_containment"),
                        ("[dedupe]\ntruncated_coverage = 0.9\n", "truncated_coverage")):
        with pytest.raises(ConfigError) as exc:
            load(body)
        assert f"s.toml: dedupe: {field}" in str(exc.value)


def _world(seed: int = 5):
    g = Generator(seed)
    topic = g.topic()
    when = g.base
    orig = g.original(topic, PUBLISHERS[0], when, date_only=False)
    full, _ = g.copy(orig, topic, "full", on_aggregator=True, attributed=False, edited=True, wrapped=True)
    part, _ = g.copy(orig, topic, "excerpt", on_aggregator=True, attributed=False, edited=False, wrapped=False)
    sibling = g.original(topic, PUBLISHERS[1], when, date_only=False)  # same names and quotes
    quote = next(line for line in orig.text.splitlines() if 'said: "' in line)
    lines = sibling.text.splitlines()
    lines.insert(2, quote)  # the very same quoted paragraph
    sibling = dataclasses.replace(sibling, text="\n".join(lines))
    return g, orig, full, part, sibling


def _pairs(conn):
    return {(a, b) for a, b in conn.execute(
        "SELECT c.capture_id, o.capture_id FROM syndication s JOIN articles c ON c.id = s.copy_article_id "
        "JOIN articles o ON o.id = s.original_article_id")}


def _db(path: Path):
    open_db(path).conn.close()
    return sqlite3.connect(db_path(path))


def test_copies_pair_with_original_never_with_each_other_or_the_sibling(tmp_path):
    g, orig, full, part, sibling = _world()
    quote = next(line for line in orig.text.splitlines() if 'said: "' in line)
    assert quote in sibling.text and orig.title != sibling.title
    conn = _db(tmp_path)
    insert_articles(conn, [sibling, part, orig, full])
    s = dedupe_with(tmp_path, PARAMS)
    assert _pairs(conn) == {(full.capture_id, orig.capture_id), (part.capture_id, orig.capture_id)}
    kinds = dict(conn.execute("SELECT c.capture_id, s.kind FROM syndication s JOIN articles c "
                              "ON c.id = s.copy_article_id"))
    assert kinds == {full.capture_id: "full", part.capture_id: "excerpt"}
    assert s.pairs == 2


def test_original_arriving_later_replaces_copy_of_copy(tmp_path):
    g, orig, full, part, sibling = _world(6)
    conn = _db(tmp_path)
    insert_articles(conn, [full, part])
    dedupe_with(tmp_path, PARAMS)
    assert len(_pairs(conn)) == 1  # the two copies, for want of their original
    insert_articles(conn, [orig, sibling])
    s = dedupe_with(tmp_path, PARAMS)
    assert _pairs(conn) == {(full.capture_id, orig.capture_id), (part.capture_id, orig.capture_id)}
    assert s.copy_of_copy_removed >= 1


def test_versions_of_one_url(tmp_path):
    g, orig, *_ = _world(7)
    same = dataclasses.replace(orig, capture_id="same", captured="2025-03-02T00:00:00Z",
                               text=orig.text.upper())
    edited = g.later_capture(same)
    conn = _db(tmp_path)
    insert_articles(conn, [orig, same, edited])
    s = dedupe_with(tmp_path, PARAMS)
    assert s.versions == 1 and s.pairs == 0
    rows = conn.execute("SELECT url, from_capture_id, to_capture_id, added, removed, diff FROM versions").fetchall()
    assert rows[0][:3] == (orig.url, "same", edited.capture_id)
    assert rows[0][3] == 2 and rows[0][4] == 1 and "+ Update:" in rows[0][5]
    # an older capture imported afterwards slots in front of the chain
    older = dataclasses.replace(orig, capture_id="older", captured="2025-01-01T00:00:00Z",
                                text=orig.text + "\nA paragraph the first version had and lost later on.")
    insert_articles(conn, [older])
    s = dedupe_with(tmp_path, PARAMS)
    chain = conn.execute("SELECT from_capture_id, to_capture_id FROM versions ORDER BY from_captured").fetchall()
    assert chain == [("older", orig.capture_id), ("same", edited.capture_id)]
    assert s.pairs == 0


def test_cli_summary_and_config_error(tmp_path):
    data = tmp_path / "data"
    conn = _db(data)
    _, orig, full, part, sibling = _world(8)
    insert_articles(conn, [orig, full, part, sibling])
    cfg = tmp_path / "s.toml"
    cfg.write_text("[settings]\nknown_aggregators = ['agg-one.news', 'aggtwo.net']\n[dedupe]\nmin_containment = 0.5\n")
    exe = Path(sys.executable).with_name("archive")
    out = subprocess.run([str(exe), "dedupe", "--data", str(data), "--config", str(cfg)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("dedupe: 4 new articles")
    assert "2 pairs" in out.stdout
    cfg.write_text("[dedupe]\nbands = 7\n")
    out = subprocess.run([str(exe), "dedupe", "--data", str(data), "--config", str(cfg)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "dedupe: bands: must divide num_perm" in out.stderr
    assert "Traceback" not in out.stderr


def test_exact_copy_despite_nbsp_case_and_punctuation(tmp_path):
    g, orig, *_ = _world(9)
    copy = dataclasses.replace(orig, capture_id="copy", url="https://agg-one.news/topic/x/6-slug-copy",
                               site="agg-one.news", sitename="Agg One", published=None,
                               captured="2025-03-09T10:00:00Z",
                               text=orig.text.replace(" ", "\xa0", 40).upper().replace(".", " ."))
    conn = _db(tmp_path)
    insert_articles(conn, [orig, copy])
    dedupe_with(tmp_path, PARAMS)
    rows = conn.execute("SELECT method, kind, direction, containment, diff FROM syndication").fetchall()
    assert rows == [("exact", "full", "known-aggregator", 1.0, "")]


def test_a_site_learned_later_decides_its_earlier_pairs_as_a_single_run_would(tmp_path):
    """Run 1 sees two attributed copies on a reposting site and one it does not attribute
    (direction unknown); run 2 brings a third attributed copy: the site is learned as an
    aggregator, and the stored unknown pair is re-oriented and decided by it, as one run over
    everything decides it."""
    from archive.model import Article

    g = Generator(21)
    originals = []
    for k in range(4):
        text = "\n".join(g.story(g.topic()))
        originals.append(Article(capture_id=f"o{k}", url=f"https://outlet{k}.example/story", source="t",
                                 site=f"outlet{k}.example", title="t", author=None, published=None,
                                 aggregator_date=None, text=text, word_count=len(text.split()),
                                 original_publisher=None, original_url=None, sitename=f"Outlet{k}",
                                 captured="2025-01-01T00:00:00Z"))

    def copy(k: int, named: bool) -> Article:
        o = originals[k]
        text = "Reposter | News\n" + o.text + "\nShared by Reposter"  # the copy holds more: a guess would flip it
        return Article(capture_id=f"c{k}", url=f"https://reposter.example/p/{k}", source="t", site="reposter.example",
                       title="t", author=None, published=None, aggregator_date=None, text=text,
                       word_count=len(text.split()), original_publisher=f"Outlet{k}" if named else None,
                       original_url=None, sitename=None, captured="2025-01-01T00:10:00Z",
                       attribution="attribution-line" if named else None)

    first = originals + [copy(0, True), copy(1, True), copy(3, False)]
    later = [copy(2, True)]

    def directions(conn):
        return {(c, o, d) for c, o, d in conn.execute(
            "SELECT a.capture_id, b.capture_id, s.direction FROM syndication s "
            "JOIN articles a ON a.id = s.copy_article_id JOIN articles b ON b.id = s.original_article_id")}

    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        open_db(d).conn.close()
    ca, cb = sqlite3.connect(db_path(a)), sqlite3.connect(db_path(b))
    insert_articles(ca, first)
    dedupe_with(a, PARAMS)
    assert ("c3", "o3", "site-role") not in directions(ca)
    assert {(c, o, d) for c, o, d in directions(ca) if "c3" in (c, o)} == {("o3", "c3", "unknown")}  # stored
    # the other way round: the copy holds more text, so the original is the more contained one
    insert_articles(ca, later)
    s2 = dedupe_with(a, PARAMS)
    assert s2.redecided == 1
    insert_articles(cb, first + later)
    dedupe_with(b, PARAMS)
    assert ("c3", "o3", "site-role") in directions(ca)
    assert directions(ca) == directions(cb)
