"""Site rules as data: validation errors name file/block/field; the shipped blocks load; names
of publishers normalise; whitespace normalisation covers the NBSP variants the real pages use."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.attribution import Publishers
from archive.config import load_config
from archive.errors import ConfigError
from archive.extract import SiteRules, extract_page, load_rules
from archive.extract.text import normalize_space, normalize_text, text_hash, word_count

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ruleset():
    return load_rules(load_config(ROOT / "config" / "sources.toml"))


@pytest.mark.parametrize("block, field, words", [
    ({"colour": "red"}, "colour", "unknown field"),
    ({"drop_lines": ["(unclosed"]}, "drop_lines", "not a valid regular expression"),
    ({"aggregator_date": r"^\d+$"}, "aggregator_date", "(?P<date>"),
    ({"promo": "READ MORE FROM .+"}, "promo", "(?P<publisher>"),
    ({"role": "copier"}, "role", "aggregator"),
    ({"original_from": ["canonical", "telepathy"]}, "original_from", "unknown clue"),
    ({"headline": {"xpath": "//img[@alt"}}, "headline", "not a valid XPath"),
    ({"slugs": ["waexaminer"]}, "slugs", "slug ="),
    ({"byline_within": -1}, "byline_within", ">= 0"),
    ({"hosts": "a:b:c"}, "hosts", "host"),
])
def test_bad_block_names_file_block_field(block, field, words):
    with pytest.raises(ConfigError) as info:
        SiteRules.from_dict("mysite", block, "config/rules.toml")
    msg = str(info.value)
    assert msg.startswith(f"config/rules.toml: rules.mysite: {field}: "), msg
    assert words in msg
    assert info.value.field == field


def test_bad_block_in_a_config_file_is_reported_on_load(tmp_path):
    (tmp_path / "sources.toml").write_text('[settings]\nrules_file = "rules.toml"\n')
    (tmp_path / "rules.toml").write_text("[rules.x]\nsource_lines = '^(\\d+ [A-Z][a-z]{2})$'\n")
    with pytest.raises(ConfigError) as info:
        load_rules(load_config(tmp_path / "sources.toml"))
    assert "rules.toml: rules.x: source_lines:" in str(info.value)


def test_design_md_inline_promo_form_is_accepted():
    r = SiteRules.from_dict("x", {"original_from": ["canonical", "promo:READ MORE FROM (?P<publisher>.+)$", "slug"]})
    assert r.original_from == ("canonical", "promo", "slug")
    assert r.promo[0].search("CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER")


def test_shipped_rules_load(ruleset):
    assert {"am1", "sample-publisher", "washington-examiner", "new-york-post", "pj-media",
            "washington-times"} <= set(ruleset.rules)
    am1 = ruleset.rules["am1"]
    assert am1.is_aggregator and not am1.page_dates
    assert ruleset.by_host("https://am1.news/usconservative/topic/nypost/6-slug-x").name == "am1"
    assert ruleset.by_host("https://www.nypost.com/2024/01/01/x/").name == "new-york-post"
    assert ruleset.by_host("http://127.0.0.2:40123/watimes/news/1/x").name == "sample-publisher"
    assert ruleset.by_host("http://127.0.0.1:40123/usconservative/topic/x") is None  # needs --rules am1
    assert ruleset.by_host("https://example.org/") is None


@pytest.mark.parametrize("spelling", ["THE WASHINGTON EXAMINER", "Washington Examiner", "washingtonexaminer.com",
                                      "www.washingtonexaminer.com", "the washington examiner.", "waexaminer"])
def test_publisher_spellings_normalise(ruleset, spelling):
    assert ruleset.publishers.canonical(spelling) == "Washington Examiner"


def test_publisher_lookup_by_url(ruleset):
    p = ruleset.publishers
    assert p.canonical("NY Post") == p.canonical("New York Post") == "New York Post"
    assert p.canonical("WA Times") == "The Washington Times"
    assert p.by_url("http://127.0.0.2:8602/pjmedia/columns/5/x") == "PJ Media"
    assert p.by_url("http://127.0.0.2:8602/about") is None
    assert p.canonical("THE DAILY SOMETHING") == "The Daily Something"  # unknown: tidied, kept
    assert Publishers().canonical("example.com") == "example.com"


def test_publishers_table_errors_name_the_block():
    with pytest.raises(ConfigError) as info:
        Publishers.from_dict({"X": {"aliases": "one"}}, "rules.toml")
    assert "rules.toml: publishers.X: aliases:" in str(info.value)


def test_whitespace_normalisation_of_real_header_lines():
    assert normalize_space("back\xa0\xa0") == "back"
    assert normalize_space("Jun 20, 2025 \xa0|") == "Jun 20, 2025 |"
    assert normalize_space("Jun\xa0\u202f20,\t2025\xa0\xa0 |\u2009") == "Jun 20, 2025 |"
    assert normalize_space("\ufeff\u3000topic\u200b ") == "topic"
    assert normalize_text("a\xa0 b\n\n \n c ") == "a b\nc"
    assert text_hash("A  b\xa0c\n\nd") == text_hash("a b c\nd")
    assert word_count("Russia’s war isn't over, U.S. says") == 6


def test_a_new_site_is_only_a_block():
    """A made-up aggregator, rules only: its header, date and slug handled with no code."""
    rules = SiteRules.from_dict("daily", {
        "role": "aggregator", "hosts": ["daily.example"], "header_end": "^---$",
        "drop_lines": ["^DAILY WIRE-ISH$"], "aggregator_date": r"^Posted (?P<date>\d{4}-\d{2}-\d{2})$",
        "slugs": {"nyp": "New York Post"}, "original_from": ["slug"], "page_dates": False})
    body = "".join(f"<p>{x}</p>" for x in ["DAILY WIRE-ISH", "Posted 2024-03-02", "---"] +
                   [f"Paragraph {i} of the story tells what the council did and why it matters." for i in range(5)])
    html = f"<html><head><meta property='article:published_time' content='2024-03-02'></head><body>{body}</body></html>"
    res = extract_page(html.encode(), url="https://daily.example/nyp/story-1", headers=[], rules=rules,
                       captured="2024-03-02T10:00:00Z")
    a = res.article
    assert a is not None and a.text.startswith("Paragraph 0") and "DAILY" not in a.text and "Posted" not in a.text
    assert (a.aggregator_date, a.published, a.original_publisher, a.attribution) == ("2024-03-02", None,
                                                                                    "New York Post", "slug")
    assert a.site == "daily.example" and a.url == "https://daily.example/nyp/story-1"


def test_design_md_headline_selector_form():
    from archive.config import css_to_xpath

    r = SiteRules.from_dict("x", {"headline": {"html": 'img[alt^="NextImg:"]/@alt', "strip_prefix": "NextImg:"}})
    assert r.headline is not None and r.headline.xpath == '//img[starts-with(@alt, "NextImg:")]/@alt'
    assert css_to_xpath('meta[property="og:title"]/@content') == '//meta[@property="og:title"]/@content'
    assert css_to_xpath("h1") == "//h1"
    html = b'<html><body><p>x</p><img alt="NextImg:Big news today" src="a.png"><p>' + b"word " * 40 + b"</p></body></html>"
    res = extract_page(html, url="https://a.example/s", headers=[], rules=r, captured="2025-01-01T00:00:00Z")
    assert res.article is not None and res.article.title == "Big news today"
    with pytest.raises(ConfigError) as info:
        SiteRules.from_dict("x", {"headline": {"html": "div > img:first-child"}})
    assert "rules.x: headline:" in str(info.value)
