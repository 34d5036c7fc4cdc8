"""The hand-made archive of the query, replay, WACZ and browser tests (:func:`build_archive`).

Pages of a loopback site of the test's own (``support.site``), whose content changes between
fetches, are fetched over real sockets with httpx (raw body kept: gzip stays gzip), written with
the project's WarcWriter at chosen WARC-Dates, and indexed. Articles, syndication pairs and
versions rows are added through ``archive.index.open_db`` (tables with the contract columns are
created when the dedupe stage's schema has not landed yet).
"""
from __future__ import annotations

import datetime as dt
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.exchanges import fetch
from support.site import HTML, Site, page

from archive.index import open_db
from archive.index.captures import insert_captures
from archive.model import Capture
from archive.warc.writer import PreviousCapture, WarcWriter


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d%H%M%S")


@dataclass
class Archive:
    data_dir: Path
    captures: dict[str, Capture] = field(default_factory=dict)  # name -> capture
    bodies: dict[str, bytes] = field(default_factory=dict)      # name -> body as served (wire)
    urls: dict[str, str] = field(default_factory=dict)          # name -> url
    articles: dict[str, int] = field(default_factory=dict)      # name -> article id


COOKIE_SCRIPT = """
<p id="result">script did not run</p>
<script>
  var out = [];
  try { document.cookie = "probe=1"; out.push("cookie:" + document.cookie); }
  catch (e) { out.push("cookie-error:" + e.name); }
  document.getElementById("result").textContent = out.join(" ");
  fetch(ORIGIN + "/-/versions.json").then(function (r) { return r.text(); })
    .then(function (t) { document.getElementById("result").textContent += " fetch-ok:" + t.length; })
    .catch(function (e) { document.getElementById("result").textContent += " fetch-error:" + e.name; });
</script>
"""


def build_archive(data_dir: Path) -> Archive:
    """Two hosts (publisher 127.0.0.1, aggregator 127.0.0.2), captures at chosen times:

    - ``story``: original article (2025-01-01 00:00:00), recaptured unchanged (revisit, 01-03);
    - ``copy``: the aggregator's copy of it (2025-01-01 06:00:00), with an article + pair;
    - ``gz``: a gzip-encoded page; ``redirect``: a 302 to the story;
    - ``tie_a`` / ``tie_b``: one URL captured at 10:00:00 and 10:00:20 with different bodies;
    - ``changing_1`` / ``changing_2``: one URL on 01-01 and 01-02, different texts (+ versions row);
    - ``orphan``: a revisit whose original was never archived;
    - ``nm_1`` / ``nm_2``: a page, then a 304 answer to a conditional GET of it;
    - ``query``: a URL with a query string; ``chunked``: a chunked response with hop-by-hop headers;
    - ``cookie``: a page whose script reads document.cookie and fetches the archive origin.
    """
    arc = Archive(data_dir=data_dir)
    pub, agg = Site("127.0.0.1"), Site("127.0.0.2")
    with pub, agg, WarcWriter(data_dir / "warcs", "test", source="sample", crawl_id="crawl-1") as w:
        def capture(name: str, site: Site, path: str, when: str, status: int, headers: list[tuple[str, str]],
                    body: bytes, previous: Capture | None = None) -> Capture:
            site.pages[path] = (status, headers, body)
            ex = fetch(site.url(path), at(when))
            cap = w.write_exchange(ex, PreviousCapture.from_capture(previous) if previous else None)
            arc.captures[name] = cap
            arc.bodies[name] = ex.body
            arc.urls[name] = cap.url
            return cap

        story_html = page("Putin wants crisis to worsen", "<p>Western officials suspect Russia.</p>")
        story = capture("story", pub, "/news/putin-crisis", "20250101000000", 200,
                        [("Content-Type", HTML), ("Set-Cookie", "tracker=1"),
                         ("Content-Security-Policy", "default-src *")], story_html)
        capture("story_again", pub, "/news/putin-crisis", "20250103000000", 200,
                [("Content-Type", HTML)], story_html, previous=story)
        capture("copy", agg, "/topic/waexaminer/6-slug-putin-crisis", "20250101060000", 200,
                [("Content-Type", HTML)],
                page("NextImg:Putin wants crisis to worsen",
                     "<p>Western officials suspect Russia.</p><p>CLICK HERE TO READ MORE</p>"))
        gz_plain = page("Gzip page headline", "<p>compressed body</p>" * 50)
        capture("gz", pub, "/gz", "20250101010000", 200,
                [("Content-Type", HTML), ("Content-Encoding", "gzip")], gzip.compress(gz_plain, mtime=0))
        arc.bodies["gz_decoded"] = gz_plain
        capture("redirect", pub, "/old", "20250101020000", 302,
                [("Location", "/news/putin-crisis"), ("Content-Type", "text/plain")], b"moved")
        capture("query", pub, "/search?q=putin&page=2", "20250101050000", 200, [("Content-Type", HTML)],
                page("Search results for putin"))
        capture("chunked", pub, "/chunked", "20250101050000", 200,
                [("Content-Type", HTML), ("Transfer-Encoding", "chunked"), ("Keep-Alive", "timeout=5"),
                 ("X-Hop", "secret"), ("Connection", "X-Hop")],
                page("Chunked page", "<p>sent in pieces</p>" * 20))
        capture("nm_1", pub, "/nm", "20250101080000", 200, [("Content-Type", HTML), ("ETag", '"v1"')],
                page("Not modified later"))
        capture("nm_2", pub, "/nm", "20250102080000", 304, [("ETag", '"v1"')], b"")
        capture("tie_a", pub, "/tie", "20250101100000", 200, [("Content-Type", HTML)], page("tie A"))
        capture("tie_b", pub, "/tie", "20250101100020", 200, [("Content-Type", HTML)], page("tie B"))
        capture("changing_1", pub, "/changing", "20250101000000", 200, [("Content-Type", HTML)],
                page("Changing page", "<p>First version of the text.</p>"))
        capture("changing_2", pub, "/changing", "20250102000000", 200, [("Content-Type", HTML)],
                page("Changing page", "<p>Second version, corrected.</p>"))
        ghost = Capture(id="00000000-0000-0000-0000-000000000000", url=pub.url("/ghost"),
                        urlkey="", method="GET", timestamp="2024-12-31T00:00:00Z", status=200,
                        mime="text/html", payload_digest=None, record_type="response", warc_file="",
                        warc_offset=0, warc_length=0, source=None, crawl_id=None)
        orphan_body = page("Orphan page")
        from archive.warc.records import sha1_digest
        ghost.payload_digest = sha1_digest(orphan_body)
        capture("orphan", pub, "/orphan", "20250101030000", 200, [("Content-Type", HTML)], orphan_body,
                previous=ghost)
        capture("cookie", pub, "/cookie", "20250101040000", 200, [("Content-Type", HTML)],
                page("Cookie probe", COOKIE_SCRIPT.replace("ORIGIN", "window.ARCHIVE_ORIGIN"),
                     "<script>window.ARCHIVE_ORIGIN = location.origin;</script>"))
    db = open_db(data_dir)
    insert_captures(db, arc.captures.values())
    add_article_rows(db, arc)
    db.conn.close()
    return arc


SYNDICATION_DDL = """
CREATE TABLE IF NOT EXISTS syndication (
    copy_article_id INTEGER NOT NULL, original_article_id INTEGER NOT NULL,
    copy_url TEXT NOT NULL, original_url TEXT NOT NULL, method TEXT NOT NULL,
    similarity REAL, containment REAL, kind TEXT NOT NULL, lag_seconds INTEGER,
    lag_resolution TEXT, direction TEXT, confidence TEXT, diff TEXT
);
CREATE TABLE IF NOT EXISTS versions (
    url TEXT NOT NULL, from_capture_id TEXT NOT NULL, to_capture_id TEXT NOT NULL, diff TEXT
);
"""


def _insert(db: Any, table: str, row: dict[str, Any]) -> int:
    cols = {c.name for c in db[table].columns}
    row = {k: v for k, v in row.items() if k in cols}
    with db.conn:
        cur = db.conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                              list(row.values()))
    return int(cur.lastrowid or 0)


def add_article_rows(db: Any, arc: Archive) -> None:
    db.executescript(SYNDICATION_DDL)

    def article(name: str, **kw: Any) -> None:
        cap = arc.captures[name]
        from archive.urls import host_of
        row = dict(capture_id=cap.id, url=cap.url, source=cap.source, site=host_of(cap.url),
                   title=None, author=None, published=None, aggregator_date=None, text="",
                   word_count=0, original_publisher=None, original_url=None, captured=cap.timestamp)
        row.update(kw)
        row["word_count"] = len(row["text"].split())
        arc.articles[name] = _insert(db, "articles", row)

    article("story", title="Putin wants crisis to worsen", text="Western officials suspect Russia.",
            published="2024-12-31T22:00:00Z", sitename="Washington Examiner")
    article("copy", title="Putin wants crisis to worsen",
            text="Western officials suspect Russia. CLICK HERE TO READ MORE",
            original_publisher="Washington Examiner", original_url=arc.urls["story"],
            aggregator_date="2025-01-01")
    article("changing_1", title="Changing page", text="First version of the text.")
    article("changing_2", title="Changing page", text="Second version, corrected.")
    article("gz", title="Gzip page headline", text="compressed body " * 50)
    _insert(db, "syndication", dict(
        copy_article_id=arc.articles["copy"], original_article_id=arc.articles["story"],
        copy_url=arc.urls["copy"], original_url=arc.urls["story"], method="attribution",
        similarity=0.91, containment=1.0, kind="full", lag_seconds=8 * 3600, lag_resolution="second",
        direction="attribution", confidence="high", diff="+ CLICK HERE TO READ MORE"))
    _insert(db, "versions", dict(url=arc.urls["changing_1"], from_capture_id=arc.captures["changing_1"].id,
                                 to_capture_id=arc.captures["changing_2"].id,
                                 diff="- First version of the text.\n+ Second version, corrected."))
