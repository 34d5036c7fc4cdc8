"""Originals only from evidence: a crawl follows an off-host link as a page's original only when
the page names it (canonical/og:url, link text such as "Read the original at …") or, naming
none, links a known publisher's host. The sample web's copies also carry sponsor links, share
buttons, a nofollow ad, a sponsored "Read more" ad and related stories of other outlets (on a
third host, and one known publisher's original): the server's own request log shows none of
them fetched, and no syndication pair involves them."""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.attribution import DEFAULT_LINK_TEXT, PublisherHosts
from archive.config import load_config
from archive.fetch.discover import discover, html_links
from archive.fetch.originals import carries_url, pick_originals
from archive.sampleweb import SampleWeb
from archive.urls import canonicalize
from support.sources import write_sources

ROOT = Path(__file__).resolve().parent.parent
PUBLISHERS = PublisherHosts.from_table({
    "New York Post": {"hosts": ["nypost.com"]},
    "Washington Examiner": {"hosts": ["washingtonexaminer.com", "wex-cdn.example"]},
    "America One News": {"hosts": ["am1.news"]},
})


# ---------------------------------------------------------------------------- what a link claims

def kinds(html: str, page: str = "https://am1.news/usconservative/topic/nypost/6-slug-x") -> dict[str, str]:
    return {link.url: link.kind for link in html_links(html, page, requisites=False)}


def test_an_anchor_to_another_site_is_classed_by_its_rel_and_its_text():
    got = kinds("""<head><link rel="canonical" href="https://nypost.com/2025/06/20/a/">
        <meta property="og:url" content="https://nypost.com/2025/06/20/a/"></head><body>
        <a href="https://nypost.com/2025/06/20/b/" rel="nofollow">Read the <b>original</b> at New&nbsp;York Post</a>
        <a href="https://nypost.com/2025/06/20/c/">Continue&nbsp;
          reading</a>
        <a href="https://ads.example/1" rel="sponsored nofollow">Promoted: rates fall. Read more</a>
        <a href="https://forum.example/u/9" rel="ugc">Source: my blog</a>
        <a href="https://ads.example/2" rel="nofollow">Advertisement: gold</a>
        <a href="/usconservative/topic/nypost">Read more from this topic</a>
        <a href="https://ledger.example/x/1">Senate Republicans push drone budget</a></body>""")
    assert got == {
        "https://nypost.com/2025/06/20/a/": "canonical",
        "https://nypost.com/2025/06/20/b/": "source",  # nofollow alone says nothing: am1's own links carry it
        "https://nypost.com/2025/06/20/c/": "source",
        "https://ads.example/1": "sponsored",  # paid for, whatever its text says
        "https://forum.example/u/9": "sponsored",
        "https://ads.example/2": "page",
        "https://am1.news/usconservative/topic/nypost": "page",  # the page's own site: not classed
        "https://ledger.example/x/1": "page",
    }


def test_a_url_linked_twice_carries_its_strongest_claim_everywhere():
    """The engine keeps the first occurrence of a URL: a plain headline link before "Source"
    must not hide the claim, and a sponsored occurrence outweighs a text one."""
    links = html_links('<a href="https://n.example/a/1">Headline</a> <a href="https://n.example/a/1">Source</a>'
                       '<a href="https://s.example/p/2">Read more</a><a href="https://s.example/p/2" rel="sponsored">x</a>',
                       "https://agg.example/c/1", requisites=False)
    assert [(link.url, link.kind) for link in links] == [
        ("https://n.example/a/1", "source"), ("https://n.example/a/1", "source"),
        ("https://s.example/p/2", "sponsored"), ("https://s.example/p/2", "sponsored")]


def test_an_unclosed_anchor_lends_no_text_to_the_next_one_and_stays_linear():
    got = kinds('<a href="https://x.example/p/1">Headline <a href="https://y.example/p/2">Source</a>')
    assert got == {"https://x.example/p/1": "page", "https://y.example/p/2": "source"}
    # 50 000 unclosed anchors: each looks for its end within a bounded span, not to the page's end
    many = '<a href="https://z.example/p/1">' + "word " * 2 + "<a href=\"https://z.example/p/1\">" * 50_000
    assert set(kinds(many).values()) == {"page"}


# ---------------------------------------------------------------------------- which links are originals

def test_named_originals_are_followed_and_known_hosts_only_when_nothing_is_named():
    page = "https://am1.news/usconservative/topic/nypost/6-slug-x"
    named = [("https://nypost.com/2025/06/20/a/", "canonical"), ("https://ledger.example/2025/b", "source"),
             ("https://washingtonexaminer.com/policy/1/related", "page"), ("https://ledger.example/c/3", "page")]
    assert pick_originals(page, named, PUBLISHERS) == {"https://nypost.com/2025/06/20/a/",
                                                       "https://ledger.example/2025/b"}
    unnamed = [("https://washingtonexaminer.com/policy/1/item", "page"), ("https://nypost.com/2025/x/", "page"),
               ("https://ledger.example/c/3", "page")]
    assert pick_originals(page, unnamed, PUBLISHERS) == {"https://washingtonexaminer.com/policy/1/item",
                                                         "https://nypost.com/2025/x/"}
    assert pick_originals(page, unnamed, PublisherHosts()) == set()  # no [publishers] table: no evidence


def test_share_intents_ads_front_pages_and_the_own_publisher_are_never_originals():
    page = "https://washingtonexaminer.com/policy/9/story"
    q = "https%3A%2F%2Fwashingtonexaminer.com%2Fpolicy%2F9%2Fstory"
    links = [(f"https://share.example/sharer?u={q}", "source"),  # "Share via Email": text matches, a share intent
             (f"https://x.example/intent?url={q.replace('%', '%25')}", "source"),  # encoded twice
             ("https://r.example/out?to=//nypost.com/2025/a", "page"),
             ("https://nypost.com/2025/06/20/paid/", "sponsored"),
             ("https://nypost.com/", "source"),  # "READ MORE FROM …" pointing at a front page
             ("https://wex-cdn.example/policy/9/story", "canonical"),  # the page's own publisher, other host
             ("https://washingtonexaminer.com/policy/9/story-2", "source")]  # its own host
    assert pick_originals(page, links, PUBLISHERS) == set()
    assert carries_url(f"https://share.example/sharer?u={q}") and not carries_url("https://nypost.com/a?id=3&s=x")
    # a query alone makes an article address (/?p=123), a front page does not
    assert pick_originals(page, [("https://blog.example/?p=123", "source")], PUBLISHERS) == {
        "https://blog.example/?p=123"}


def test_crawl_and_extract_read_one_link_text_and_one_host_table():
    """Extraction's default link text and host table are the crawl's (archive/attribution.py),
    so the crawl follows what extraction will credit."""
    from archive.config import SiteRules
    from archive.extract.rules import load_rules

    assert SiteRules(name="any").link_text.pattern == DEFAULT_LINK_TEXT
    config = load_config(ROOT / "config" / "sources.toml")
    hosts, names = PublisherHosts.from_config(config), load_rules(config).publishers
    assert hosts.entries
    urls = ["https://www.washingtonexaminer.com/policy/1/x", "https://nypost.com/2025/a/", "https://am1.news/x",
            "http://127.0.0.2:8602/pjmedia/columns/5/x", "http://127.0.0.2:9/watimes/news/1/y",
            "http://127.0.0.2:8602/about", "https://sub.pjmedia.com/a", "https://ledger.example/a"]
    assert [hosts.publisher_of(u) for u in urls] == [names.by_url(u) for u in urls]


# ---------------------------------------------------------------------------- the sample web, crawled

@dataclass
class TopicCrawl:
    sw: SampleWeb
    data: Path
    config: Any
    requested: dict[str, set[str]]  # role -> absolute URLs the servers answered

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()


def _config(tmp: Path, name: str, start: str, scope: str, rules_file: str) -> Path:
    """A one-source config; ``rules_file`` "" leaves out the rules file and its [publishers]."""
    source = {"start": [start], "scope": [scope], "depth": 2, "follow_original": True, "delay": 0,
              "per_host": 4, "ssrf_guard": False, **({"rules": "am1"} if rules_file else {})}
    return write_sources(tmp / f"{name}.toml", {name: source}, rules_file=rules_file)


def _requested(sw: SampleWeb, start: int) -> dict[str, set[str]]:
    bases = {"aggregator": sw.aggregator_url, "publisher": sw.publisher_url, "others": sw.others_url}
    out: dict[str, set[str]] = {role: set() for role in bases}
    for r in sw.request_log[start:]:
        out[r.role].add(bases[r.role] + r.path)
    return out


@pytest.fixture(scope="module")
def topic(tmp_path_factory: pytest.TempPathFactory):
    """The waexaminer topic crawled with follow_original and the shipped [publishers] table."""
    from archive.fetch import crawl

    tmp = tmp_path_factory.mktemp("originals")
    with SampleWeb(articles=40, seed=1) as sw:
        agg = sw.aggregator_url
        cfg = load_config(_config(tmp, "topic", f"{agg}/usconservative/topic/waexaminer",
                                  agg.split("//")[1] + "/usconservative/topic/waexaminer",
                                  str(ROOT / "config" / "rules.toml")))
        crawl(cfg, tmp / "data", source="topic")
        yield TopicCrawl(sw, tmp / "data", cfg, _requested(sw, 0))


def _crawled_copies(tc: TopicCrawl) -> list[Any]:
    """Copies captured less deep than the source's depth (2): their links were due for a look."""
    depth = dict(tc.rows("SELECT url, depth FROM captures"))
    return [s for s in tc.sw.truth() if any(depth.get(u, 2) < 2 for u in s.copy_urls)]


def test_every_crawled_copy_carries_decoys_the_crawl_discovered(topic):
    """Not vacuous: the copies' bodies hold every decoy link, and discovery finds each one."""
    copies = _crawled_copies(topic)
    assert len(copies) >= 10
    for s in copies:
        links = {canonicalize(link.url) for link in discover(topic.sw.body(s.copy_url), s.copy_url,
                                                              "text/html; charset=utf-8", None)}
        assert len(s.decoy_links) >= 9 and {canonicalize(u) for u in s.decoy_links} <= links, s.copy_url


def test_no_decoy_is_fetched_and_the_third_host_sees_no_request(topic):
    copies = _crawled_copies(topic)
    assert topic.requested["others"] == set()  # not even robots.txt: no URL there was ever due
    decoys = {u for s in copies for u in s.decoy_links}
    known_related = {u for u in decoys if u.startswith(topic.sw.publisher_url)}
    assert known_related  # related stories of other known outlets, on the publisher's host
    assert not decoys & (topic.requested["publisher"] | topic.requested["others"])
    assert not topic.rows("SELECT url FROM frontier WHERE url LIKE ?", topic.sw.others_url + "%")


def test_each_copy_s_named_original_is_fetched_by_whichever_evidence_it_has(topic):
    copies = _crawled_copies(topic)
    fetched = topic.requested["publisher"]
    by_text_only = [s for s in copies if not s.canonical and not s.og_url]
    by_head = [s for s in copies if s.canonical or s.og_url]
    assert by_text_only and by_head  # both kinds of evidence are exercised
    for s in copies:
        assert s.original_url in fetched, s.copy_url
        assert s.copy_link in fetched, s.copy_url  # the "Read the original"/"Continue reading" link
    # every original the crawl took was named by the copy it came from
    named = {s.copy_url: {s.original_url, s.copy_link} for s in copies} | {
        u: {s.original_url, s.copy_link} for s in copies for u in s.copy_urls}
    rows = topic.rows("SELECT url, via FROM frontier WHERE kind LIKE 'original%'")
    assert rows and all(url in named.get(via, set()) for url, via in rows), rows


def test_no_syndication_pair_involves_a_decoy(topic):
    from archive.dedupe import run_dedupe
    from archive.extract import run_extract

    run_extract(topic.data, topic.config, workers=1, batch_size=32)
    run_dedupe(topic.data, topic.config)
    truth = topic.sw.truth()
    # the crawled copies' decoys (another topic's copy may relate a waexaminer original, rightly fetched)
    decoys = {u for s in _crawled_copies(topic) for u in s.decoy_links}
    original_of = {u: s.original_url for s in truth for u in s.copy_urls}
    pairs = topic.rows("SELECT c.url, o.url FROM syndication JOIN articles c ON c.id = copy_article_id "
                       "JOIN articles o ON o.id = original_article_id")
    articles = {u for (u,) in topic.rows("SELECT url FROM articles")}
    assert len(pairs) >= len(_crawled_copies(topic)) >= 10
    assert not articles & decoys
    assert all(original_of.get(c) == o for c, o in pairs), pairs
    assert not {u for pair in pairs for u in pair} & decoys


def test_digest_originals_are_followed_by_the_known_publisher_hosts_alone(tmp_path):
    """A digest page names no original by text or canonical: its items' links to a known
    publisher's host are the evidence. Without a [publishers] table nothing is followed."""
    from archive.fetch import crawl

    with SampleWeb(articles=40, seed=1) as sw:
        agg = sw.aggregator_url
        start, scope = f"{agg}/usconservative/topic/fq", agg.split("//")[1] + "/usconservative/topic/fq"
        linked = {i.link for d in sw.truth().digests for i in d.items if i.link.startswith(sw.publisher_url)}
        assert linked
        got = {}
        for name, rules_file in (("known", str(ROOT / "config" / "rules.toml")), ("unknown", "")):
            mark = len(sw.request_log)
            crawl(load_config(_config(tmp_path, name, start, scope, rules_file)), tmp_path / name, source=name)
            got[name] = _requested(sw, mark)
    pages = {u for u in got["known"]["publisher"] if not re.search(r"/static/|/robots\.txt|favicon", u)}
    assert pages == linked
    assert got["known"]["others"] == set() and got["unknown"]["others"] == set()
    assert not {u for u in got["unknown"]["publisher"] if "/static/" not in u and not u.endswith("robots.txt")}


def test_a_malformed_publishers_table_is_an_error_naming_the_block(tmp_path):
    from archive.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        PublisherHosts.from_table({"X": {"hosts": ["nypost.com:http"]}}, "rules.toml")
    assert "rules.toml: publishers.X: hosts:" in str(info.value)
    (tmp_path / "rules.toml").write_text('publishers = "nypost.com"\n')
    (tmp_path / "sources.toml").write_text('[sources.s]\nstart = ["https://am1.news/"]\n')
    with pytest.raises(ConfigError, match=r"rules\.toml: publishers: must be tables"):
        load_config(tmp_path / "sources.toml")


def test_a_rules_block_s_own_link_text_decides_what_the_crawl_follows(tmp_path):
    """A site whose pages credit their source as "Credit: …": with the default link_text the
    crawl does not follow that link; with a rules block saying so it does; a pattern that does
    not compile is refused by name before any fetch."""
    from archive.errors import ConfigError
    from archive.fetch import CrawlOptions, crawl
    from support.tiny import TinyServer, html, text

    import threading

    original = TinyServer({"/story": text("<html><p>the story</p></html>", ctype="text/html")}, host="127.0.0.2")
    threading.Thread(target=original.serve_forever, daemon=True).start()
    page = ('<html><body><p>A copied story.</p>'
            f'<a href="{original.url}/story">Credit: The Outlet</a></body></html>')
    copier = TinyServer({"/": html("/copy"), "/copy": text(page, ctype="text/html")})
    threading.Thread(target=copier.serve_forever, daemon=True).start()
    try:
        fetched = {}
        for name, pattern in (("default", None), ("credit", r"(?i)\bcredit\b")):
            rules = f"[rules.{name}]\n" + (f"link_text = '{pattern}'\n" if pattern else 'role = "aggregator"\n')
            (tmp_path / f"{name}.toml").write_text(
                f'[settings]\nrules_file = ""\n\n[sources.s]\nstart = ["{copier.url}/"]\ndepth = 2\n'
                f'scope = ["{copier.url.split("//")[1]}"]\nfollow_original = true\nssrf_guard = false\n'
                f'requisites = false\ndelay = 0\nrules = "{name}"\n\n{rules}')
            before = original.counts.get("/story", 0)
            crawl(load_config(tmp_path / f"{name}.toml"), tmp_path / name, source="s", options=CrawlOptions(fetchers=1))
            fetched[name] = original.counts.get("/story", 0) - before
        assert fetched == {"default": 0, "credit": 1}
        (tmp_path / "bad.toml").write_text(
            (tmp_path / "credit.toml").read_text().replace(r"(?i)\bcredit\b", "(credit"))
        with pytest.raises(ConfigError, match=r"rules\.credit: link_text: '\(credit' is not a valid regular expression"):
            crawl(load_config(tmp_path / "bad.toml"), tmp_path / "bad", source="s", options=CrawlOptions(fetchers=1))
        assert not (tmp_path / "bad" / "warcs").exists() or not any((tmp_path / "bad" / "warcs").glob("*.warc.gz"))
    finally:
        for srv in (original, copier):
            srv.shutdown()
            srv.server_close()
