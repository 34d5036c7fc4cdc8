"""Attribution lines, the first evidence of direction for copies nobody wrote rules for
(``archive/extract/attribution.py``): the phrasings copy sites use name the outlet; headlines,
menus, photo credits and bylines of people name none; an outlet's own lines name nothing; and
through the extraction stage a copy page gets that outlet as its original publisher."""
from __future__ import annotations

import pytest

from archive.extract import extract_page
from archive.extract.attribution import find, in_lines

NAMING = [
    ("Source: Reuters", "Reuters"), ("SOURCE: REUTERS.", "REUTERS"), ("via The Verge", "The Verge"),
    ("Courtesy of CNN", "CNN"), ("© Provided by Business Insider Inc", "Business Insider"),
    ("Read more: CNN", "CNN"), ("Read the full story at The Guardian", "The Guardian"),
    ("Continue reading on BBC News", "BBC News"), ("Read more at Reuters", "Reuters"),
    ("This article originally appeared on Business Insider.", "Business Insider"),
    ("Originally published by The Conversation", "The Conversation"),
    ("It first appeared in The Atlantic and is republished here with permission.", "The Atlantic"),
    ("Republished with permission from AP", "AP"), ("Source: https://www.bbc.co.uk/news/123", "bbc.co.uk"),
    ("WASHINGTON (Reuters) - The Senate voted on Tuesday", "Reuters"), ("(CNN) — A plan to impeach", "CNN"),
    ("By Reuters Staff", "Reuters"), ("By Jane Doe, Associated Press", "Associated Press"),
    ("By Jane Doe · Reuters", "Reuters"), ("Posted by reuters_feed", "reuters"),
]
NAMING_NOTHING = ["Read more about the new phone here", "Read more: Trump Says He Will Run Again Next Year",
                  "View All", "Source Code", "See You Yesterday", "Read More", "See more",
                  "Photo: Getty Images", "By Jane Doe", "By Jane Doe, Senior Writer", "By Jane Doe and John Roe",
                  "Sources: AP, Reuters", "Share this story", "Related: City council delays its vote"]


@pytest.mark.parametrize("line,outlet", NAMING)
def test_a_phrasing_copy_sites_use_names_the_outlet(line, outlet):
    assert [a.publisher for a in in_lines([line])][:1] == [outlet]


@pytest.mark.parametrize("line", NAMING_NOTHING)
def test_other_short_lines_name_no_outlet(line):
    assert list(in_lines([line])) == []


def test_an_outlets_own_lines_name_nothing():
    assert find(["(CNN) — The story starts here.", "Read more from CNN"], url="https://edition.cnn.com/x") == []
    assert find(["Source: BBC News"], url="https://www.bbc.co.uk/news/1") == []
    assert [a.publisher for a in find(["Source: BBC News"], url="https://mirror.example/1")] == ["BBC News"]
    assert find(["By Reuters Staff"], url="https://x.example/a", site_name="Reuters") == []


def _page(extra: str, author: str = "") -> bytes:
    body = "".join(f"<p>Paragraph {i}: the council voted on the ferry subsidy, and riders said the fares were "
                   f"too high for a daily commute across the harbor.</p>" for i in range(6))
    meta = f'<meta name="author" content="{author}">' if author else ""
    return (f"<html><head><title>Ferry vote</title>{meta}</head><body><article>{body}{extra}</article>"
            f"<footer><nav><a href='/'>Home</a></nav></footer></body></html>").encode()


@pytest.mark.parametrize("extra,author,outlet", [
    ('<p class="source">Source: <a href="https://www.reuters.com/x">Reuters</a></p>', "", "Reuters"),
    ("<p>This story originally appeared on The Harbor Gazette.</p>", "", "The Harbor Gazette"),
    ("", "cnn_feed", "cnn"),
])
def test_a_copy_page_gets_the_named_outlet_as_its_original_publisher(extra, author, outlet):
    res = extract_page(_page(extra, author), url="https://copysite.example/news/1",
                       headers=[("Content-Type", "text/html; charset=utf-8")], rules=None,
                       captured="2025-01-01T00:00:00Z")
    assert res.article is not None
    assert (res.article.original_publisher, res.article.attribution) == (outlet, "attribution-line")


def test_a_page_without_attribution_lines_names_no_publisher():
    res = extract_page(_page(""), url="https://copysite.example/news/1",
                       headers=[("Content-Type", "text/html; charset=utf-8")], rules=None,
                       captured="2025-01-01T00:00:00Z")
    assert res.article is not None and res.article.original_publisher is None


def test_a_read_more_line_linking_to_the_article_names_it_by_its_url():
    line = '<p>Read more: <a href="https://smallpaper.example/2025/ferry-vote-delayed">Ferry vote delayed again</a></p>'
    res = extract_page(_page(line), url="https://copysite.example/news/1",
                       headers=[("Content-Type", "text/html; charset=utf-8")], rules=None,
                       captured="2025-01-01T00:00:00Z")
    assert res.article is not None
    assert (res.article.original_url, res.article.original_publisher, res.article.attribution) == (
        "https://smallpaper.example/2025/ferry-vote-delayed", "smallpaper.example", "attribution-line")
    # a link to the site's own pages, or to a site's front page, names no article
    for href in ("https://copysite.example/news/2", "https://smallpaper.example/"):
        res = extract_page(_page(f'<p>Read more: <a href="{href}">Ferry vote delayed again</a></p>'),
                           url="https://copysite.example/news/1", headers=[("Content-Type", "text/html")],
                           rules=None, captured="2025-01-01T00:00:00Z")
        assert res.article is not None and res.article.original_url is None
