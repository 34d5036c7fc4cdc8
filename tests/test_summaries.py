"""The summary tables the feeds, the front page and ``daily_counts`` read, kept up to date with
``syndication``, ``articles`` and friends on a real SQLite file; the search index of recent
articles; user text made safe for FTS5."""
from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path
from typing import Any

import pytest


def add_articles(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[int]:
    ids = []
    for i, r in enumerate(rows):
        cap = r.get("capture_id") or f"cap-{conn.execute('SELECT count(*) FROM captures').fetchone()[0]}"
        when = r.get("captured", "2025-01-01T00:00:00Z")
        conn.execute("INSERT INTO captures (id, url, urlkey, timestamp, record_type, warc_file, warc_offset, "
                     "warc_length, source) VALUES (?, ?, ?, ?, 'response', 'f.warc.gz', 0, 1, ?)",
                     (cap, r["url"], r["url"], when, r.get("source", "s")))
        cur = conn.execute("INSERT INTO articles (capture_id, url, source, site, title, text, word_count, "
                           "original_publisher, sitename, captured) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                           (cap, r["url"], r.get("source", "s"), r["site"], r.get("title"), r.get("text", "x"),
                            r.get("publisher"), r.get("sitename"), when))
        ids.append(int(cur.lastrowid or 0))
    return ids


def add_pair(conn: sqlite3.Connection, copy: int, original: int, lag: int | None, created: str = "2025-01-02T00:00:00Z") -> int:
    cur = conn.execute("INSERT INTO syndication (copy_article_id, original_article_id, copy_url, original_url, method, "
                       "kind, lag_seconds, direction, confidence, diff, created) VALUES (?, ?, 'c', 'o', 'exact', "
                       "'full', ?, 'date', 'high', '', ?)", (copy, original, lag, created))
    return int(cur.lastrowid or 0)


@pytest.fixture
def db(data_dir: Path) -> Any:
    from archive.index import open_db

    d = open_db(data_dir)
    yield d
    d.conn.close()


def world(conn: sqlite3.Connection, n_copies: int, lags: list[int | None]) -> list[int]:
    """One original of Plains Herald, ``n_copies`` copies on agg.example; returns the pair ids."""
    with conn:
        (orig,) = add_articles(conn, [{"url": "https://herald.example/a", "site": "herald.example",
                                       "sitename": "Plains Herald"}])
        copies = add_articles(conn, [{"url": f"https://agg.example/{i}", "site": "agg.example",
                                      "captured": f"2025-01-0{1 + i % 5}T00:00:00Z"} for i in range(n_copies)])
        return [add_pair(conn, c, orig, lags[i % len(lags)]) for i, c in enumerate(copies)]


def test_edges_hold_copies_and_median_lag_and_follow_removed_pairs(db: Any) -> None:
    from archive.index import copies

    lags = [3600, 7200, None, 60, 86400 * 3]
    pairs = world(db.conn, 7, lags)
    st = copies.refresh(db)
    assert st.added == 7
    (edge,) = copies.edges(db.conn)
    known = [lags[i % 5] for i in range(7) if lags[i % 5] is not None]
    assert (edge["aggregator"], edge["publisher"], edge["copies"], edge["lag_known"]) == \
        ("agg.example", "Plains Herald", 7, len(known))
    assert edge["lag_median"] == statistics.median_low(known)
    assert edge["lag_1h"] == known.count(60) and edge["lag_more"] == 0 and edge["lag_2d"] == 0
    # dedupe drops two pairs (copy of a copy) and stores one new pair under a reused id
    with db.conn:
        db.conn.execute("DELETE FROM syndication WHERE id IN (?, ?)", (pairs[-1], pairs[0]))
        (extra,) = add_articles(db.conn, [{"url": "https://agg.example/new", "site": "agg.example"}])
        db.conn.execute("INSERT INTO syndication (id, copy_article_id, original_article_id, copy_url, original_url, "
                        "method, kind, lag_seconds, direction, confidence) VALUES (?, ?, 1, 'c', 'o', 'exact', "
                        "'full', 5, 'date', 'high')", (pairs[-1], extra))
    st = copies.refresh(db)
    assert (st.added, st.removed) == (1, 2)
    rows = db.conn.execute("SELECT pair_id, copy_article_id FROM copy_index ORDER BY pair_id").fetchall()
    assert rows == db.conn.execute("SELECT id, copy_article_id FROM syndication ORDER BY id").fetchall()
    (edge,) = copies.edges(db.conn)
    assert edge["copies"] == 6
    assert copies.refresh(db).added == 0  # nothing new: nothing done


def test_first_seen_survives_a_dedupe_rebuild(db: Any) -> None:
    from archive.index import copies
    from archive.index.syndication import clear

    world(db.conn, 3, [60])
    copies.refresh(db)
    seen = dict(db.conn.execute("SELECT tag, first_seen FROM copy_seen").fetchall())
    assert set(seen.values()) == {"2025-01-02T00:00:00Z"}  # when dedupe stored them
    pairs = db.conn.execute("SELECT copy_article_id, original_article_id FROM syndication").fetchall()
    clear(db)  # archive dedupe --rebuild: the same pairs again, created now, ids from 1
    with db.conn:
        for c, o in pairs:
            add_pair(db.conn, c, o, 60, created="2026-06-01T00:00:00Z")
    copies.refresh(db)
    assert dict(db.conn.execute("SELECT tag, first_seen FROM copy_seen").fetchall()) == seen
    assert db.conn.execute("SELECT count(*) FROM copy_index").fetchone()[0] == 3
    assert copies.first_seen_after(db.conn, "2026-01-01T00:00:00Z") == []  # not new to any watch


def test_daily_stats_count_new_rows_and_recount_after_a_rebuild(db: Any) -> None:
    from archive.index import copies, daily

    world(db.conn, 5, [60])
    copies.refresh(db)
    first = daily.refresh(db)
    assert first.rows_counted == 6 + 6  # every capture and article of the archive (1 original, 5 copies)

    def table() -> dict[tuple[str, str], tuple[int, int, int]]:
        return {(s, d): (p, a, c) for s, d, p, a, c in
                db.conn.execute("SELECT source, day, pages, articles, copies FROM daily_stats")}
    expected_pages = dict(db.conn.execute("SELECT substr(timestamp, 1, 10), count(*) FROM captures GROUP BY 1").fetchall())
    assert {d: v[0] for (s, d), v in table().items()} == expected_pages
    assert sum(v[2] for v in table().values()) == 5
    with db.conn:  # new rows on a new day
        add_articles(db.conn, [{"url": "https://herald.example/b", "site": "herald.example",
                                "captured": "2025-02-01T10:00:00Z"}])
    st = daily.refresh(db)
    assert not st.recounted and st.rows_counted == 2  # one capture, one article
    assert table()[("s", "2025-02-01")][:2] == (1, 1)
    with db.conn:  # reindex replaced captures (new rowids): the sums no longer agree
        db.conn.execute("DELETE FROM captures WHERE timestamp LIKE '2025-01-01%'")
    assert daily.refresh(db).recounted
    assert table()[("s", "2025-01-01")][0] == 0  # its articles are still there, its captures are not
    assert sum(v[0] for v in table().values()) == db.conn.execute("SELECT count(*) FROM captures").fetchone()[0]


def test_recent_search_index_keeps_the_newest_window(db: Any) -> None:
    from archive.index import recent

    with db.conn:
        ids = add_articles(db.conn, [{"url": f"https://x.example/{i}", "site": "x.example", "title": f"t{i}",
                                      "text": f"word{i} common"} for i in range(30)])
    assert recent.refresh(db, window=10) == 10
    held = [r[0] for r in db.conn.execute("SELECT rowid FROM articles_recent_fts ORDER BY rowid")]
    assert held == ids[-10:]
    with db.conn:
        more = add_articles(db.conn, [{"url": f"https://x.example/n{i}", "site": "x.example",
                                       "text": "common"} for i in range(4)])
    assert recent.refresh(db, window=10) == 4
    held = [r[0] for r in db.conn.execute("SELECT rowid FROM articles_recent_fts WHERE articles_recent_fts "
                                          "MATCH 'common' ORDER BY rowid")]
    assert held == (ids + more)[-10:]
    with db.conn:  # articles rebuilt: fewer rows, ids reused
        db.conn.execute("DELETE FROM articles")
        again = add_articles(db.conn, [{"url": "https://x.example/z", "site": "x.example", "text": "fresh"}])
    recent.refresh(db, window=10)
    assert [r[0] for r in db.conn.execute("SELECT rowid FROM articles_recent_fts")] == again


@pytest.mark.parametrize("text, expected", [
    ("covid-19", '"covid-19"'), ("don't", '"don\'t"'), ("U.S.", '"U.S."'),
    ('climate "sea level"', '"climate" "sea level"'), ('say "hi', '"say" "hi"'),
    ("AND OR NEAR(", '"AND" "OR" "NEAR("'), ("", ""), ("  ", ""), ('"', ""), ("-- ;", ""),
])
def test_user_text_becomes_a_query_fts5_accepts(text: str, expected: str) -> None:
    from archive.index.fts import fts_query

    assert fts_query(text) == expected
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter')")
    conn.execute("INSERT INTO t VALUES ('covid 19 in the U.S.: don''t say hi, AND climate sea level OR near')")
    if expected:
        hits = conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expected,)).fetchone()[0]
        assert hits == 1  # parses, and finds the row holding those words


def test_refresh_all_counts_new_copies_per_source_and_day(db: Any) -> None:
    from archive.index.summaries import refresh_all

    world(db.conn, 5, [60])
    first = refresh_all(db)
    assert first["copies"].added == 5 and not first["copies"].checked_all
    with db.conn:
        new = add_articles(db.conn, [{"url": f"https://agg.example/late{i}", "site": "agg.example", "source": "late",
                                      "captured": "2025-03-01T08:00:00Z"} for i in range(2)])
        for c in new:
            add_pair(db.conn, c, 1, 120)
    again = refresh_all(db)
    assert again["copies"].added == 2 and again["copies"].source_days == {("late", "2025-03-01")}
    assert not again["daily"].recounted
    copies = dict(((s, d), n) for s, d, n in db.conn.execute("SELECT source, day, copies FROM daily_stats"))
    assert copies[("late", "2025-03-01")] == 2 and sum(copies.values()) == 7
