"""Atom feeds of new copies (datasette-atom through the archive's canned queries), read as a feed
reader reads them (feedparser) from an archive the real pipeline made over the sample web."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

import pytest
from support.datasette_client import archive_datasette, get

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def ds(pipeline_archive: dict[str, Any]) -> Any:
    return archive_datasette(pipeline_archive["data_dir"])


def pairs_of(data_dir: Path, publisher: str) -> list[tuple[str, str, str, str]]:
    """(copy url, original url, copy capture id, original capture id) of the publisher's pairs,
    straight from ``syndication`` and ``articles``."""
    with sqlite3.connect(data_dir / "archive.db") as conn:
        return conn.execute(
            "SELECT s.copy_url, s.original_url, c.capture_id, o.capture_id FROM syndication s "
            "JOIN articles c ON c.id = s.copy_article_id JOIN articles o ON o.id = s.original_article_id "
            "WHERE coalesce(c.original_publisher, o.sitename, o.site) = ?", (publisher,)).fetchall()


def parse_atom(body: bytes) -> Any:
    """The feed must be well-formed Atom: feedparser reads it without a "bozo" error, and the
    elements RFC 4287 requires are there (feed and entry id, title, updated)."""
    import feedparser
    from lxml import etree

    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    root = etree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for el in [root] + root.findall(f"{ATOM}entry"):
        for child in ("id", "title", "updated"):
            assert el.find(f"{ATOM}{child}") is not None and el.find(f"{ATOM}{child}").text, child
    return feed


def test_publisher_feed_has_one_entry_per_pair_with_working_links(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    data = pipeline_archive["data_dir"]
    expected = pairs_of(data, "Washington Examiner")
    assert len(expected) >= 10  # the sample web's aggregator copies a dozen or more Examiner stories
    r = get(ds, "/archive/new_copies.atom?publisher=Washington+Examiner")
    assert r.status_code == 200 and "xml" in r.headers["content-type"]
    feed = parse_atom(r.content)
    assert feed.feed.title == "New copies of a publisher: Washington Examiner"
    assert len(feed.entries) == len(expected)
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == len(ids)
    # each entry's id names both captures of its pair: stable across dedupe and reindex
    assert sorted(ids) == sorted(f"tag:syndication-archive,2025:pair:{c}/{o}" for _, _, c, o in expected)
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    copies = {cu for cu, _, _, _ in expected}
    for entry in feed.entries:
        link = entry.link
        assert link.startswith("http://localhost/-/replay/"), link  # absolute, on the archive
        replay = get(ds, urlsplit(link).path + (f"?{urlsplit(link).query}" if urlsplit(link).query else ""))
        assert replay.status_code == 200
        assert replay.headers["x-archive-capture-id"] in {c for _, _, c, _ in expected}
        assert any(link.endswith(u) for u in copies)
        html = entry.content[0].value
        assert html.count("http://localhost/-/replay/") == 2 and html.count("http://localhost/-/snapshot/") == 2
        assert "lag" in html and "What changed" in html


def test_feed_links_open_both_sides_replays(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    from lxml import html as lhtml

    feed = parse_atom(get(ds, "/archive/new_copies.atom?publisher=washington%20examiner").content)  # any case
    entry = feed.entries[0]
    hrefs = [a.get("href") for a in lhtml.fromstring(entry.content[0].value).iter("a")]
    replays = [h for h in hrefs if "/-/replay/" in h]
    captured = []
    for href in replays:
        parts = urlsplit(href)
        r = get(ds, parts.path + (f"?{parts.query}" if parts.query else ""))
        assert r.status_code == 200, href
        captured.append(r.headers["x-archive-capture-id"])
    assert len(set(captured)) == 2  # the copy and the original, two captures


def test_aggregator_feed_and_unknown_publisher(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    agg_host = pipeline_archive["web"].aggregator_url.split("//")[1]
    with sqlite3.connect(pipeline_archive["data_dir"] / "archive.db") as conn:
        on_agg = conn.execute("SELECT count(*) FROM syndication s JOIN articles c ON c.id = s.copy_article_id "
                              "WHERE c.site = ?", (agg_host,)).fetchone()[0]
    feed = parse_atom(get(ds, f"/archive/new_copies_on_aggregator.atom?aggregator={quote_plus(agg_host)}").content)
    assert len(feed.entries) == on_agg > 0
    assert feed.feed.title == f"New copies on an aggregator: {agg_host}"
    # nobody copied this publisher: an empty feed that still parses (datasette-atom alone answers 500)
    empty = get(ds, "/archive/new_copies.atom?publisher=Nobody+Gazette")
    assert empty.status_code == 200
    assert parse_atom(empty.content).entries == []


def test_versions_feed_lists_changes_of_a_url(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    with sqlite3.connect(pipeline_archive["data_dir"] / "archive.db") as conn:
        versions = conn.execute("SELECT url, from_capture_id, to_capture_id FROM versions").fetchall()
    feed = parse_atom(get(ds, "/archive/new_versions.atom").content)
    assert sorted(e.id for e in feed.entries) == sorted(
        f"tag:syndication-archive,2025:version:{f}/{t}" for _, f, t in versions)
    assert versions  # the sample web revised stories between the two rounds
    url = versions[0][0]
    # the URL as a user may type it (upper-case host): matched through its SURT key
    spelled = url.split("/", 3)
    spelled[2] = spelled[2].upper()
    one = parse_atom(get(ds, f"/archive/new_versions.atom?url={quote_plus('/'.join(spelled))}").content)
    assert {e.id for e in one.entries} == {f"tag:syndication-archive,2025:version:{f}/{t}"
                                          for u, f, t in versions if u == url}
    assert one.entries and all(e.link.startswith("http://localhost/-/replay/") for e in one.entries)


def test_feed_queries_answer_json_too(ds: Any) -> None:
    r = get(ds, "/archive/new_copies.json?publisher=Washington+Examiner&_shape=array")
    rows = r.json()
    assert rows and {"atom_id", "atom_title", "atom_updated", "atom_content_html", "atom_link",
                     "publisher", "aggregator", "lag_seconds"} <= set(rows[0])
    assert all(row["publisher"] == "Washington Examiner" for row in rows)
