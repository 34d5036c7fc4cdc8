"""Search through the real Datasette app: the front page's ranked search (``search_articles``)
across the archive for rare words and over the recent-articles index for common ones, and the
articles table's ``?_search=`` bounded to the newest 1,000 matches."""
from __future__ import annotations

from typing import Any

import pytest
from support.datasette_client import archive_datasette, get

N = 2600  # more articles with "harbor" than the 2,000 matches that switch ranking to the recent index


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """2,600 articles, all with "harbor" in the text; every 100th also in its title; two with the
    rare word "zeppelin" (one in its title, one far older in its text only)."""
    from archive.index import open_db

    data = tmp_path_factory.mktemp("search") / "data"
    db = open_db(data)
    rows = []
    for i in range(N):
        title = f"Harbor report {i}" if i % 100 == 0 else f"Report {i}"
        text = f"The harbor story number {i} tells of ships and tides. " * (1 + i % 3)
        if i in (5, N - 7):
            text += " A zeppelin passed."
        if i == N - 7:
            title = "Zeppelin over the harbor"
        rows.append((f"cap-{i}", f"https://pub.example/{i}", "pub.example", title, text,
                     f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"))
    with db.conn:
        db.conn.executemany("INSERT INTO articles (capture_id, url, site, title, text, word_count, captured) "
                            "VALUES (?, ?, ?, ?, ?, 10, ?)", [r[:5] + (r[5],) for r in rows])
    db.conn.close()
    return archive_datasette(data)


def test_common_word_is_ranked_title_first_among_recent_articles(ds: Any) -> None:
    found = get(ds, "/archive/search_articles.json?q=harbor&_shape=array").json()
    assert len(found) == 20
    # 27 articles have the word in their title (title words weigh five times): the 20 shown
    assert all("harbor" in r["title"].lower() for r in found)
    scores = [r["relevance"] for r in found]
    assert scores == sorted(scores, reverse=True)
    assert "[[harbor]]" in found[0]["snippet"].lower()


def test_rare_word_is_ranked_across_the_whole_archive(ds: Any) -> None:
    found = get(ds, "/archive/search_articles.json?q=zeppelin&_shape=array").json()
    assert [r["title"] for r in found] == ["Zeppelin over the harbor", "Report 5"]
    assert "[[zeppelin]]" in found[1]["snippet"].lower()


def test_table_search_covers_the_newest_thousand_matches(ds: Any) -> None:
    r = get(ds, "/archive/articles.json?_search=harbor&_size=100")
    body = r.json()
    assert body["filtered_table_rows_count"] == 1000
    ids = [row[0] if isinstance(row, list) else row["id"] for row in body["rows"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == N  # newest first
    assert "newest 1,000 matches" in body["human_description_en"]
    html = get(ds, "/archive/articles?_search=covid-19+don't+U.S.").text  # not FTS5 syntax: no error
    assert "newest 1,000 matches" in html and 'value="covid-19 don&#39;t U.S."' in html
    rare = get(ds, "/archive/articles.json?_search=zeppelin&_shape=array").json()
    assert sorted(r["title"] for r in rare) == ["Report 5", "Zeppelin over the harbor"]
