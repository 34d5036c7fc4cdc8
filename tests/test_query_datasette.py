"""Datasette with the archive's metadata and plugin, through Datasette's own test client:
canned queries, facets, full-text search, replay links, charts, read-only database."""
from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from archive.datasette_plugin.app import load_metadata, make_datasette
from support.paths import ROOT
from support.query_archive import Archive
from support.datasette_client import META, get


@pytest.fixture(scope="module")
def ds(arc: Archive) -> Any:
    return make_datasette(arc.data_dir, load_metadata(META, arc.data_dir))


def rows(ds: Any, query: str, **params: str) -> list[dict[str, Any]]:
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    r = get(ds, f"/archive/{query}.json?_shape=array&{qs}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_plugin_loaded_through_entry_point(ds: Any) -> None:
    r = get(ds, "/-/plugins.json")
    names = [p["name"] for p in r.json()]
    assert any("syndication-archive" in n or "archive" == n for n in names), names


def test_syndicated_copies_of_a_publisher(ds: Any, arc: Archive) -> None:
    found = rows(ds, "syndicated_copies", publisher="Examiner")
    assert len(found) == 1
    row = found[0]
    assert row["publisher"] == "Washington Examiner"
    assert row["copy_url"] == arc.urls["copy"] and row["original_url"] == arc.urls["story"]
    assert row["lag_seconds"] == 8 * 3600 and row["lag_hours"] == 8.0
    assert row["kind"] == "full" and row["method"] == "attribution"
    assert row["replay"] == f"/-/replay/20250101060000/{arc.urls['copy']}"
    assert rows(ds, "syndicated_copies", publisher="New York Post") == []
    assert len(rows(ds, "syndicated_copies", publisher="")) == 1


def test_lag_distribution_per_aggregator(ds: Any, arc: Archive) -> None:
    found = rows(ds, "lag_distribution")
    assert len(found) == 1
    row = found[0]
    assert row["aggregator"].startswith("127.0.0.2:")
    assert row["copies"] == 1 and row["6-24 h"] == 1 and row["< 1 h"] == 0
    assert row["min_lag_seconds"] == row["max_lag_seconds"] == 8 * 3600


def test_captures_of_a_url_over_time(ds: Any, arc: Archive) -> None:
    # a spelling variant (upper-case host, default path) matches through surt()
    url = arc.urls["tie_a"].replace("http://", "HTTP://")
    found = rows(ds, "captures_of_url", url=url)
    assert [r["timestamp"] for r in found] == ["2025-01-01T10:00:00Z", "2025-01-01T10:00:20Z"]
    assert [r["id"] for r in found] == [arc.captures["tie_a"].id, arc.captures["tie_b"].id]
    assert found[0]["replay"] == f"/-/replay/20250101100000/{arc.urls['tie_a']}"
    story = rows(ds, "captures_of_url", url=arc.urls["story"])
    assert [r["record_type"] for r in story] == ["response", "revisit"]


def test_what_changed_between_versions(ds: Any, arc: Archive) -> None:
    found = rows(ds, "url_changes", url=arc.urls["changing_1"])
    assert len(found) == 1
    row = found[0]
    assert row["from_time"] == "2025-01-01T00:00:00Z" and row["to_time"] == "2025-01-02T00:00:00Z"
    assert "Second version" in row["diff"]
    assert rows(ds, "url_changes", url=arc.urls["story"]) == []


def test_per_source_daily_counts(ds: Any, arc: Archive) -> None:
    with sqlite3.connect(arc.data_dir / "archive.db") as conn:
        conn.execute("INSERT INTO fetch_errors (crawl_id, url, timestamp, error) VALUES "
                     "('crawl-1', 'http://127.0.0.1:9/', '2025-01-01T07:00:00Z', 'connect')")
        conn.execute("INSERT OR IGNORE INTO crawls (id, source, started) VALUES ('crawl-1', 'sample', "
                     "'2025-01-01T00:00:00Z')")
    # daily_counts reads a summary the pipeline refreshes after each run (the watch stage)
    from archive.index import daily, open_db

    db = open_db(arc.data_dir)
    daily.refresh(db)
    db.conn.close()
    found = {r["day"]: r for r in rows(ds, "daily_counts", source="sample")}
    day1 = found["2025-01-01"]
    pages_day1 = sum(1 for c in arc.captures.values() if c.timestamp.startswith("2025-01-01"))
    assert day1["pages"] == pages_day1
    assert day1["articles"] == 4 and day1["copies"] == 1 and day1["errors"] == 1
    assert found["2025-01-02"]["articles"] == 1 and found["2025-01-03"]["pages"] == 1
    assert rows(ds, "daily_counts", source="nobody") == []


def test_facets_and_full_text_search(ds: Any) -> None:
    # no facet is computed unasked on the big tables (0.3-1 s each at a million rows), nor
    # suggested (2-3 s); any column still facets on request
    for table in ("articles", "captures", "syndication"):
        r = get(ds, f"/archive/{table}.json")
        assert r.json()["facet_results"] == {} and r.json()["suggested_facets"] == [], table
    r = get(ds, "/archive/articles.json?_facet=site&_facet=original_publisher")
    assert {"site", "original_publisher"} <= set(r.json()["facet_results"])
    r = get(ds, "/archive/articles.json?_search=putin&_shape=array")
    titles = {row["title"] for row in r.json()}
    assert titles == {"Putin wants crisis to worsen"}
    # rows added later reach the index (FTS triggers)
    r = get(ds, "/archive/articles.json?_search=corrected&_shape=array")
    assert [row["text"] for row in r.json()] == ["Second version, corrected."]


def test_replay_links_in_tables(ds: Any, arc: Archive) -> None:
    html = get(ds, "/archive/captures?_size=100").text
    links = set(re.findall(r'class="archive-replay" href="([^"]+)"', html))
    assert f"/-/replay/20250101000000/{arc.urls['story']}" in links
    assert f"/-/replay/20250101100020/{arc.urls['tie_b']}" in links
    html = get(ds, "/archive/articles").text
    assert f'href="/-/replay/20250101060000/{arc.urls["copy"]}"' in html
    html = get(ds, "/archive/syndication").text
    assert f'href="/-/replay/99991231235959/{arc.urls["story"]}"' in html
    r = get(ds, f"/-/replay/99991231235959/{arc.urls['story']}")
    assert r.headers["x-archive-capture-id"] == arc.captures["story_again"].id  # the latest
    html = get(ds, f"/archive/captures_of_url?url={arc.urls['story']}").text
    assert f'<a href="/-/replay/20250103000000/{arc.urls["story"]}">replay</a>' in html


def test_charts_page(ds: Any) -> None:
    r = get(ds, "/-/archive-charts")
    assert r.status_code == 200
    html = r.text
    assert html.count('class="archive-chart ') == 2
    # inside Datasette's page frame: its header with the menu, and its footer
    assert '<header><nav>' in html and '<footer' in html and 'class="nav-menu"' in html
    assert 'data-series="Washington Examiner" data-count="1"' in html
    assert 'data-day="2025-01-01"' in html
    assert 'data-label="6–12 h" data-count="1"' in html
    assert 'data-label="0–1 h" data-count="0"' in html


def test_database_is_read_only(ds: Any, arc: Archive) -> None:
    db = ds.get_database("archive")
    with sqlite3.connect(arc.data_dir / "archive.db") as conn:
        before = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        asyncio.run(db.execute_write("DELETE FROM captures"))
    with sqlite3.connect(arc.data_dir / "archive.db") as conn:
        assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == before > 0
    # Datasette's own _internal database stays writable (it must be, or Datasette breaks)
    assert get(ds, "/-/databases.json").status_code == 200


def test_metadata_has_titles_and_descriptions() -> None:
    import yaml

    meta = yaml.safe_load(META.read_text())
    tables = meta["databases"]["archive"]["tables"]
    for name in ("captures", "articles", "syndication", "versions", "digest_items", "crawls"):
        assert tables[name]["title"] and tables[name]["columns"], name
    queries = meta["databases"]["archive"]["queries"]
    assert {"syndicated_copies", "lag_distribution", "captures_of_url", "url_changes",
            "daily_counts"} <= set(queries)
    assert not any(q.get("write") for q in queries.values())
    assert tables["articles"]["fts_table"] == "articles_fts"


def test_replay_route_mentioned_paths_are_not_files(tmp_path: Path) -> None:
    # the plugin's data dir comes from the metadata, not from the request
    meta = load_metadata(META, tmp_path)
    assert meta["plugins"]["archive"]["data_dir"] == str(tmp_path.resolve())


def test_pinned_datasette_version() -> None:
    # canned queries, facets and FTS live in metadata.yml only in 0.65; 1.0 moved them
    import datasette.version

    assert datasette.version.__version__ == "0.65.5"
    assert '"datasette==0.65.5"' in (ROOT / "pyproject.toml").read_text()
