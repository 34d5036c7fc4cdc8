"""Excerpts and teasers: a page made of an original's opening paragraphs followed by its own
unrelated text (a list of the site's headlines) is paired as an ``excerpt``; with two originals
on one topic it pairs with the one whose opening it holds; two teasers of one site, sharing
only the site's headline list, are not paired. Real SQLite files, the real runner."""
from __future__ import annotations

import sqlite3

from archive.dedupe.params import parse_params
from archive.dedupe.run import dedupe_with
from archive.index import db_path, open_db
from archive.model import Article

from support.synth import Generator, insert_articles

P = parse_params({})


def _art(i: int, url: str, paras: list[str]) -> Article:
    text = "\n".join(paras)
    return Article(capture_id=f"e{i}", url=url, source="t", site=url.split("/")[2], title="t", author=None,
                   published=None, aggregator_date=None, text=text, word_count=len(text.split()),
                   original_publisher=None, original_url=None, sitename=None, captured="2025-01-01T00:00:00Z")


def _stories(n: int, seed: int = 3) -> tuple[Generator, list[list[str]]]:
    g = Generator(seed)
    return g, [g.story(g.topic(), paragraphs=(8, 12)) for _ in range(n)]


def _headlines(g: Generator, n: int, words: int = 7) -> list[str]:
    return [" ".join(w.capitalize() for w in g.words.draw(words)) for _ in range(n)]


def _pairs(tmp_path, arts: list[Article]) -> dict[tuple[str, str], tuple[str, str]]:
    open_db(tmp_path).conn.close()
    conn = sqlite3.connect(db_path(tmp_path))
    insert_articles(conn, arts)
    dedupe_with(tmp_path, P)
    out = {(c, o): (k, d) for c, o, k, d in conn.execute(
        "SELECT a.url, b.url, s.kind, s.direction FROM syndication s JOIN articles a ON a.id = s.copy_article_id "
        "JOIN articles b ON b.id = s.original_article_id")}
    conn.close()
    return out


def test_a_teaser_of_the_opening_and_unrelated_headlines_is_an_excerpt(tmp_path):
    g, (a, other) = _stories(2)
    teaser = a[:2] + ["More from the site"] + _headlines(g, 14)
    got = _pairs(tmp_path, [_art(1, "https://paper.example/a", a), _art(2, "https://paper.example/b", other),
                            _art(3, "https://teasers.example/a", teaser)])
    assert got == {("https://teasers.example/a", "https://paper.example/a"): ("excerpt", "unknown")}


def test_with_two_originals_on_one_topic_the_teaser_pairs_with_the_one_whose_opening_it_holds(tmp_path):
    g, (a, b_own) = _stories(2, seed=4)
    # B, another story on the topic, carries A's first paragraphs inside its own text (so the
    # teaser shares three paragraph openings with B too: a candidate, and it verifies)
    b = b_own[:3] + a[:3] + b_own[3:]
    teaser = a[:3] + _headlines(g, 6)
    got = _pairs(tmp_path, [_art(1, "https://one.example/a", a), _art(2, "https://two.example/b", b),
                            _art(3, "https://teasers.example/a", teaser)])
    assert ("https://teasers.example/a", "https://one.example/a") in got
    assert not [k for k in got if "teasers.example" in k[0] + k[1] and "two.example" in k[0] + k[1]]


def test_teasers_of_one_site_sharing_its_headline_list_are_not_paired(tmp_path):
    g, stories = _stories(4, seed=5)
    listing = _headlines(g, 20, words=9)
    arts = [_art(i, f"https://paper{i}.example/s", s) for i, s in enumerate(stories)]
    # short ledes (the first paragraph, or two when it has under 40 words) and a long list:
    # the list is most of each teaser and half of its opening (shared with the site's other
    # teasers: containment 0.5-0.7, opening share 0.4-0.5 between two teasers)
    arts += [_art(10 + i, f"https://teasers.example/{i}", s[:1 if len(s[0].split()) >= 40 else 2] + listing[i:i + 16])
             for i, s in enumerate(stories)]
    got = _pairs(tmp_path, arts)
    assert not [k for k in got if k[0].startswith("https://teasers") and k[1].startswith("https://teasers")]
    assert {(f"https://teasers.example/{i}", f"https://paper{i}.example/s") for i in range(4)} <= set(got)
