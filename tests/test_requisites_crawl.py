"""Page requisites in real crawls of a loopback site of this test's own: 100 article pages share
one stylesheet (which ``@import``s another with a web font and a background image) and one
logo; each page also has its own photo (``srcset``). Every shared resource is fetched once per
crawl however many pages use it; a second crawl stores revisits for the unchanged ones (with and
without validators); a CDN host is only fetched when the source names it in
``requisite_hosts``; resources over ``requisite_max_size`` are truncated; ``requisites =
false`` fetches none. The requisite finder (:mod:`archive.fetch.requisites`) agrees with what
the crawler stored."""
from __future__ import annotations

import collections
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from archive.fetch import crawl
from archive.fetch.requisites import requisites_of
from support.db import query as _rows
from support.requisite_site import PAGES, RequisiteSite, site_config, story_page


@pytest.fixture(scope="module")
def site() -> Iterator[RequisiteSite]:
    with RequisiteSite() as s:
        yield s


def _crawl_counting(site: RequisiteSite, config: Any, data: Path, name: str) -> tuple[Any, collections.Counter[str]]:
    before = collections.Counter(site.hits)
    stats = crawl(config, data, source=name)
    after = collections.Counter(site.hits)
    after.subtract(before)
    return stats, +after


@pytest.fixture(scope="module")
def two_crawls(site: RequisiteSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any], list[collections.Counter[str]]]:
    tmp = tmp_path_factory.mktemp("req")
    cdn_host = site.cdn.split("//", 1)[1]
    config = site_config(tmp, site, "shared", requisite_hosts=[cdn_host], requisite_max_size=1024)
    data = tmp / "data"
    stats, hits = [], []
    for _ in range(2):
        s, h = _crawl_counting(site, config, data, "shared")
        stats.append(s)
        hits.append(h)
        time.sleep(1.1)
    return data, stats, hits


SHARED = ["/static/site.css", "/static/base.css", "/static/bg.png", "/static/font.woff2",
          "/static/logo.png", "/cdn/pixel.png"]


def test_a_resource_used_by_100_pages_is_fetched_once_per_crawl(two_crawls: Any) -> None:
    data, stats, hits = two_crawls
    for h in hits:
        assert sum(1 for p in h if p.startswith("/story/")) == PAGES
        for path in SHARED:
            assert h[path] == 1, (path, h[path])
    crawl1 = stats[0].id
    for path in SHARED:
        rows = _rows(data, "SELECT record_type, status FROM captures WHERE crawl_id = ? AND url LIKE ?",
                     crawl1, "%" + path)
        assert rows == [("response", 200)], (path, rows)
    # every page's own photos (both srcset candidates)
    (photos,) = _rows(data, "SELECT count(*) FROM captures WHERE crawl_id = ? AND url LIKE '%/img/%'", crawl1)[0]
    assert photos == 2 * PAGES


def test_second_crawl_stores_revisits_for_unchanged_requisites(two_crawls: Any, site: RequisiteSite) -> None:
    """Unchanged requisites are not stored twice: by default (``conditional_get`` off) every
    requisite is fetched in full, with validators or without, and becomes an
    identical-payload-digest revisit that replays the first crawl's bytes."""
    from archive.index import open_db
    from archive.replay import replay_capture
    from archive.index.captures import row_to_capture

    data, stats, _ = two_crawls
    crawl2 = stats[1].id
    kinds = {}
    db = open_db(data, readonly=True)
    try:
        for path in SHARED:
            cur = db.conn.execute("SELECT * FROM captures WHERE crawl_id = ? AND url LIKE ?", [crawl2, "%" + path])
            cols = [d[0] for d in cur.description]
            rows = [row_to_capture(dict(zip(cols, r))) for r in cur.fetchall()]
            assert len(rows) == 1, (path, rows)
            cap = rows[0]
            kinds[path] = (cap.record_type, cap.status)
            assert (cap.record_type, cap.status) == ("revisit", 200), (path, kinds[path])
            replay = replay_capture(db, data, cap)
            assert b"".join(replay.decoded_payload()) == site.body(path)[0], path
    finally:
        db.conn.close()
    assert kinds["/static/base.css"] == ("revisit", 200)  # no validators
    assert kinds["/static/site.css"] == ("revisit", 200)  # an ETag, but no If-None-Match sent


def test_requisites_over_the_size_limit_are_truncated(two_crawls: Any) -> None:
    data, stats, _ = two_crawls
    rows = _rows(data, "SELECT truncated, content_length FROM captures WHERE crawl_id = ? AND url LIKE '%/img/%-640.png'",
                 stats[0].id)
    assert len(rows) == PAGES and all(t == "length" for t, _ in rows), rows[:3]
    small = _rows(data, "SELECT truncated FROM captures WHERE crawl_id = ? AND url LIKE '%/img/%-320.png'",
                  stats[0].id)
    assert len(small) == PAGES and all(t is None for (t,) in small)


def test_the_finder_names_what_the_crawler_stored(two_crawls: Any, site: RequisiteSite) -> None:
    data, stats, _ = two_crawls
    url = f"{site.base}/story/7"
    found = {r.url for r in requisites_of(story_page(7, site.cdn), url, "text/html")}
    css = {r.url for r in requisites_of(site.body("/static/site.css")[0], f"{site.base}/static/site.css", "text/css")}
    css |= {r.url for r in requisites_of(site.body("/static/base.css")[0], f"{site.base}/static/base.css", "text/css")}
    stored = {u for (u,) in _rows(data, "SELECT url FROM captures WHERE crawl_id = ?", stats[0].id)}
    assert found | css <= stored, (found | css) - stored


def test_cdn_host_needs_requisite_hosts_and_requisites_can_be_off(site: RequisiteSite, tmp_path: Path) -> None:
    config = site_config(tmp_path, site, "nocdn")
    _, hits = _crawl_counting(site, config, tmp_path / "a", "nocdn")
    assert hits["/static/logo.png"] == 1 and hits["/cdn/pixel.png"] == 0
    config = site_config(tmp_path, site, "off", requisites=False)
    _, hits = _crawl_counting(site, config, tmp_path / "b", "off")
    assert sum(1 for p in hits if p.startswith("/story/")) == PAGES
    assert not [p for p in hits if p.startswith(("/static/", "/img/", "/cdn/"))], hits


def test_originals_one_hop_out_of_scope_get_their_requisites(site: RequisiteSite, tmp_path: Path) -> None:
    """``follow_original`` fetches each story's original on the other host (one hop, its links
    not followed); its stylesheet chain and images on that host come too, once each."""
    config = site_config(tmp_path, site, "orig").sources["orig"]
    import dataclasses

    from archive.config import Config

    base = site_config(tmp_path, site, "orig")
    cfg: Config = dataclasses.replace(base, sources={"orig": dataclasses.replace(config, follow_original=True, depth=2)})
    crawl(cfg, tmp_path / "data", source="orig")
    cdn = site.cdn
    urls = [u for (u,) in _rows(tmp_path / "data", "SELECT url FROM captures WHERE url LIKE ?", cdn + "%")]
    assert sum(1 for u in urls if "/story/" in u) == PAGES
    for path in ("/static/site.css", "/static/base.css", "/static/font.woff2", "/static/logo.png"):
        assert urls.count(cdn + path) == 1, path
    assert sum(1 for u in urls if "/img/" in u) == 2 * PAGES
    assert not [u for u in urls if u.rstrip("/") == cdn]  # the original's own page links: not followed
