"""The front page (``/``) of an archive the real pipeline made: the who-copies-whom graph, the
newest copies with replay and snapshot links to both sides, the search box; the machinery
tables hidden; and the page as headless Chromium draws it."""
from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from lxml import html as lhtml
from support.datasette_client import META, archive_datasette, get

@pytest.fixture(scope="module")
def ds(pipeline_archive: dict[str, Any]) -> Any:
    return archive_datasette(pipeline_archive["data_dir"])


def sql(data_dir: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / "archive.db") as conn:
        return conn.execute(query, args).fetchall()


def machinery_tables(data_dir: Path) -> set[str]:
    """Tables the metadata marks hidden that this archive has (the archive's own machinery)."""
    import yaml

    tables = yaml.safe_load(META.read_text())["databases"]["archive"]["tables"]
    present = {r[0] for r in sql(data_dir, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t for t, c in tables.items() if (c or {}).get("hidden")} & present


def test_graph_has_an_edge_per_pair_of_sites_with_copies_and_median_lag(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    import statistics

    data = pipeline_archive["data_dir"]
    rows = sql(data, "SELECT c.site, coalesce(c.original_publisher, o.sitename, o.site), s.lag_seconds "
                     "FROM syndication s JOIN articles c ON c.id = s.copy_article_id "
                     "JOIN articles o ON o.id = s.original_article_id")
    expected: dict[tuple[str, str], list[int]] = {}
    for site, pub, lag in rows:
        expected.setdefault((site, pub), []).append(lag)
    page = lhtml.fromstring(get(ds, "/").text)
    edges = page.xpath("//svg[contains(@class, 'archive-graph')]//g[contains(@class, 'edge')]")
    drawn = {(e.get("data-aggregator"), e.get("data-publisher")): e for e in edges}
    assert set(drawn) == set(expected)
    for key, lags in expected.items():
        e = drawn[key]
        assert int(e.get("data-copies")) == len(lags)
        known = sorted(x for x in lags if x is not None)
        assert int(e.get("data-median-lag")) == statistics.median_low(known)
        widths = [float(p.get("stroke-width")) for p in e.iter("{*}path", "path")]
        assert widths and widths[0] > 1.5
    nodes = {n.get("data-name") for n in page.xpath("//g[contains(@class, 'node')]")}
    assert {a for a, _ in expected} | {p for _, p in expected} <= nodes
    # a publisher node links to its copies (and from there, its feed)
    link = page.xpath("//a[.//g[contains(@class, 'publisher') and @data-name='Washington Examiner']]/@href")
    assert link and get(ds, link[0]).status_code == 200 and "new_copies" in link[0]


def test_newest_copies_link_to_both_sides_replay_and_snapshot(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    data = pipeline_archive["data_dir"]
    total = sql(data, "SELECT count(*) FROM syndication")[0][0]
    newest_copy = sql(data, "SELECT c.url FROM syndication s JOIN articles c ON c.id = s.copy_article_id "
                            "ORDER BY c.captured DESC, s.id DESC LIMIT 1")[0][0]
    page = lhtml.fromstring(get(ds, "/").text)
    rows = page.xpath("//table[contains(@class, 'newest')]/tbody/tr")
    assert len(rows) == min(20, total)
    replays = rows[0].xpath(".//a[contains(@class, 'archive-replay')]/@href")
    snaps = rows[0].xpath(".//a[contains(@class, 'archive-snapshot')]/@href")
    assert len(replays) == 2 and len(snaps) == 2
    assert unquote(replays[0]).endswith(newest_copy)
    captured = set()
    for href in replays:
        r = get(ds, href)
        assert r.status_code == 200
        captured.add(r.headers["x-archive-capture-id"])
    assert len(captured) == 2


def test_search_box_finds_articles_by_relevance(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    page = lhtml.fromstring(get(ds, "/").text)
    form = page.xpath("//form[@role='search']")[0]
    assert form.get("action") == "/archive/search_articles" and form.xpath(".//input[@name='q']")
    title = sql(pipeline_archive["data_dir"], "SELECT title FROM articles WHERE title IS NOT NULL "
                                              "ORDER BY id LIMIT 1")[0][0]
    words = " ".join(title.split()[:4])
    r = get(ds, f"/archive/search_articles.json?q={words}&_shape=array")
    found = r.json()
    assert found and len(found) <= 20 and found[0]["title"] == title  # title words weigh most
    assert "[[" in found[0]["snippet"] and found[0]["replay"].startswith("/-/replay/")
    html = get(ds, f"/archive/search_articles?q={words}").text
    assert "<mark>" in html
    # text that is not FTS5 syntax is searched, never a 400 or 500
    for q in ("covid-19", "don't", "U.S.", '"', "AND", "NEAR(", "", "   ", "a OR"):
        r = get(ds, f"/archive/search_articles.json?q={q}&_shape=array")
        assert r.status_code == 200, (q, r.text)


def test_no_machinery_table_on_the_front_page_or_table_lists(ds: Any, pipeline_archive: dict[str, Any]) -> None:
    data = pipeline_archive["data_dir"]
    hidden = machinery_tables(data)
    assert {"frontier", "extract_done", "dedupe_state", "copy_index", "watch_deliveries"} <= hidden
    front = get(ds, "/").text
    text = lhtml.fromstring(front).text_content()
    for name in hidden | {"captures"}:
        assert not re.search(rf"\b{name}\b", text), name
        assert f"/archive/{name}\"" not in front, name
    listed = set(re.findall(r'href="/archive/([a-z_]+)"', get(ds, "/archive").text))
    assert not hidden & listed
    assert {"articles", "syndication"} <= listed
    # still queryable
    assert get(ds, "/archive/frontier.json").status_code == 200
    # every table an archive has is either described for readers or hidden as machinery
    import yaml

    described = {t for t, c in yaml.safe_load(META.read_text())["databases"]["archive"]["tables"].items()
                 if (c or {}).get("title")}
    present = {r[0] for r in sql(data, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'")}
    hidden_by_datasette = set(asyncio.run(ds.get_database("archive").hidden_table_names()))
    assert present <= described | hidden_by_datasette, present - described - hidden_by_datasette


@pytest.mark.browser
def test_front_page_in_chromium_shows_graph_newest_copies_and_search(ds: Any, tmp_path: Path) -> None:
    from support.browser import chromium
    from support.screenshots import shots_dir
    from support.served import ServedApp

    shots = shots_dir(tmp_path)
    with ServedApp(ds.app()) as served, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(served.base + "/")
        graph = page.locator("svg.archive-graph")
        box = graph.bounding_box()
        assert box and box["width"] > 600 and box["height"] > 100
        assert page.locator("svg.archive-graph g.edge").count() >= 1
        assert page.locator("table.newest tbody tr").count() >= 10
        assert page.locator("header nav details.nav-menu").count() == 1  # Datasette's own frame
        page.screenshot(path=str(shots / "front-page.png"), full_page=True)
        page.fill("input[name=q]", "refinery")
        page.click("input[type=submit]")
        page.wait_for_url("**/archive/search_articles?q=refinery")
        assert page.locator("table.rows-and-columns tbody tr").count() >= 1
        assert page.locator("mark").count() >= 1
