"""How a page names its original (clue order and edge cases) and where `published` comes from."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import load_config
from archive.extract import SiteRules, extract_page, load_rules

ROOT = Path(__file__).resolve().parent.parent
BODY = "".join(f"<p>Paragraph {i}: the council voted on the ferry subsidy, and riders said the fares were too high "
               f"for a daily commute across the harbor.</p>" for i in range(6))


@pytest.fixture(scope="module")
def rs():
    return load_rules(load_config(ROOT / "config" / "sources.toml"))


def _page(head: str = "", body_extra: str = "", header: str = "") -> bytes:
    return (f"<html><head><title>T</title>{head}</head><body>{header}<main>{BODY}</main>{body_extra}"
            f"</body></html>").encode()


def _run(rs, html: bytes, url: str, rules: str | None):
    res = extract_page(html, url=url, headers=[("Content-Type", "text/html; charset=utf-8")],
                       rules=rs.get(rules), captured="2025-01-01T00:00:00Z", publishers=rs.publishers)
    assert res.article is not None
    return res.article


AM1 = "https://am1.news/usconservative/topic/nypost/6-slug-ferry"


def test_canonical_beats_everything_and_self_canonical_is_no_clue(rs):
    a = _run(rs, _page('<link rel="canonical" href="https://pjmedia.com/news/2024/ferry-n1">'), AM1, "am1")
    assert (a.attribution, a.original_publisher, a.original_url) == ("canonical", "PJ Media",
                                                                    "https://pjmedia.com/news/2024/ferry-n1")
    b = _run(rs, _page(f'<link rel="canonical" href="{AM1}">'), AM1, "am1")
    assert (b.attribution, b.original_publisher, b.original_url) == ("slug", "New York Post", None)


def test_link_clue_needs_original_wording_or_a_known_publisher(rs):
    sponsor = '<p><a href="https://qwiket.com/fantasy">Sponsor: QWIKET fantasy sports</a></p>'
    a = _run(rs, _page(body_extra=sponsor), AM1, "am1")
    assert a.attribution == "slug"  # an off-site sponsor link is no clue
    known = '<p><a href="https://nypost.com/2024/01/02/metro/ferry/">Ferry vote delayed</a></p>'
    b = _run(rs, _page(body_extra=known), AM1, "am1")
    assert (b.attribution, b.original_url) == ("link", "https://nypost.com/2024/01/02/metro/ferry/")
    worded = '<p><a href="https://smallpaper.example/ferry-vote" rel="nofollow">Source: Harbor Gazette</a></p>'
    c = _run(rs, _page(body_extra=worded), "https://am1.news/usconservative/topic/misc/6-slug-x", "am1")
    assert (c.attribution, c.original_url) == ("link", "https://smallpaper.example/ferry-vote")
    assert c.original_publisher == "smallpaper.example"  # unknown publisher: its host, never the aggregator


def test_a_known_publisher_from_a_later_clue_beats_a_bare_host(rs):
    redirect = '<p><a href="https://l.example/r/123">Read the original at New York Post</a></p>'
    a = _run(rs, _page(body_extra=redirect), "https://am1.news/usconservative/topic/misc/6-slug-x", "am1")
    assert (a.attribution, a.original_publisher) == ("link", "New York Post")


def test_original_on_another_host_of_the_same_publisher_is_self(rs):
    html = _page('<link rel="canonical" href="https://www.nypost.com/2024/01/02/metro/ferry/">'
                 '<meta property="article:published_time" content="2024-01-02T08:30:00-05:00">')
    a = _run(rs, html, "https://nypost.com/2024/01/02/metro/ferry/amp/", "new-york-post")
    assert (a.attribution, a.original_publisher, a.original_url) == ("self", "New York Post", None)
    assert a.published == "2024-01-02T13:30:00Z"  # converted to UTC, to the second


def test_unknown_site_without_rules_keeps_no_publisher_but_uses_canonical(rs):
    a = _run(rs, _page(), "https://blog.example/post/1", None)
    assert (a.original_publisher, a.attribution) == (None, None)
    b = _run(rs, _page('<meta property="og:url" content="https://www.washingtonexaminer.com/x/1/story/">'),
             "https://blog.example/post/1", None)
    assert (b.attribution, b.original_publisher) == ("og:url", "Washington Examiner")


def test_published_falls_back_to_trafilatura_and_htmldate(rs):
    # no date metadata at all: the date in the URL path (htmldate) is the story's
    a = _run(rs, _page(), "https://nypost.com/2024/03/07/metro/ferry/", "new-york-post")
    assert a.published == "2024-03-07"
    # the aggregator never trusts the page's date metadata: it is its own date
    b = _run(rs, _page('<meta property="article:published_time" content="2024-03-09T10:00:00Z">'), AM1, "am1")
    assert b.published is None


def test_page_date_equal_to_the_aggregator_date_is_dropped():
    rules = SiteRules.from_dict("agg", {"role": "aggregator", "page_dates": True,
                                        "aggregator_date": r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) \|$"})
    html = _page('<meta property="article:published_time" content="2025-06-20T07:00:00Z">',
                 header="<p>Jun 20, 2025 \xa0|</p>")
    res = extract_page(html, url="https://agg.example/a", headers=[], rules=rules, captured="x")
    assert res.article is not None
    assert (res.article.aggregator_date, res.article.published) == ("2025-06-20", None)
    assert any("aggregator's own date" in n for n in res.notes)


def test_sitename_is_never_the_originals(rs):
    # no og:site_name on the copy; trafilatura would name the canonical's site: not taken
    html = _page('<link rel="canonical" href="https://www.washingtonexaminer.com/a/1/story/">')
    a = _run(rs, html, "https://copies.example/story", None)
    assert a.attribution == "canonical" and a.sitename != "washingtonexaminer.com"
    assert a.site == "copies.example" and a.url == "https://copies.example/story"
