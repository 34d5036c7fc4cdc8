"""Put pages into a data directory the way a crawl does: a WARC written by the archive's own
writer, the capture rows in the index, and the crawl row (with its rules and seeds)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from archive.index import open_db
from archive.index.captures import insert_captures, upsert_crawl
from archive.model import Capture, CrawlStats, Exchange, iso, utcnow
from archive.warc.writer import WarcWriter

Page = tuple[str, list[tuple[str, str]], bytes]  # url, response headers, body as served


def write_pages(data_dir: Path, pages: Iterable[Page], *, crawl_id: str = "crawl-1", source: str = "seed",
                rules: str | None = None, seeds: list[str] | None = None, status: int = 200) -> list[Capture]:
    data_dir = Path(data_dir)
    caps: list[Capture] = []
    with WarcWriter(data_dir / "warcs", "test", source=source, crawl_id=crawl_id) as writer:
        for url, headers, body in pages:
            ex = Exchange(url=url, method="GET", request_headers=[("User-Agent", "test")], status=status,
                          reason="OK" if status == 200 else "Other", response_headers=list(headers),
                          body=body, started=utcnow())
            caps.append(writer.write_exchange(ex))
    db = open_db(data_dir)
    try:
        insert_captures(db, caps)
        upsert_crawl(db, CrawlStats(id=crawl_id, source=source, started=iso(utcnow()), finished=iso(utcnow()),
                                    pages=len(caps), rules=rules, seeds=seeds or []))
    finally:
        db.conn.close()
    return caps
