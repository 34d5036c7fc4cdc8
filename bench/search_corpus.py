"""A large archive with the project's own schema, for bench/search.py.

Built once outside the repository (default /work/wt/bench-data/search-1m) and reused with
``--reuse``: on two shared cores a million articles take tens of minutes (the FTS index alone is
most of it). What it holds, all seeded:

- ``articles``: originals from 12 publishers and copies on 4 aggregators (and a few republished
  by another publisher); words drawn from a Zipf law (s = 1.07) over 50 000 pseudo-words, so a
  search term's document frequency spans the same classes as real English (a few words in
  almost every story, a long tail in a handful);
- ``captures``: one per article (a response record), in capture-time order as a crawl writes them;
- ``syndication``: one pair per copy (lag, kind, method as dedupe writes them);
- ``versions``: later captures of some originals; ``crawls``, ``fetch_errors``, ``digest_items``.

The FTS index is built in one ``rebuild`` after the rows (triggers dropped while filling, then
recreated exactly as sqlite-utils made them), which is the only difference from a crawled archive.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np

PUBLISHERS = [("www.washingtonexaminer.com", "Washington Examiner"), ("nypost.com", "New York Post"),
              ("pjmedia.com", "PJ Media"), ("www.washingtontimes.com", "The Washington Times"),
              ("www.capitolledger.com", "Capitol Ledger"), ("dailybeacon.org", "The Daily Beacon"),
              ("www.westernpost.net", "Western Post"), ("news.harborgazette.com", "Harbor Gazette"),
              ("www.plainsherald.com", "Plains Herald"), ("www.rivertribune.com", "River Tribune"),
              ("www.northstar.news", "Northstar News"), ("www.lakesidecourier.com", "Lakeside Courier")]
AGGREGATORS = ["am1.news", "agg-one.news", "www.aggtwo.net", "newsroll.example"]
VOCAB = 50_000
ZIPF_S = 1.07
COPY_SHARE = 0.27          # share of articles that are copies (≈ 266k pairs per million, as dedupe found)
VERSION_SHARE = 0.02
START = dt.datetime(2024, 1, 1)
DAYS = 365
BATCH = 5000


def vocabulary(rng: np.random.Generator) -> list[str]:
    """Pronounceable pseudo-words, distinct, shortest for the most frequent ranks (as in English)."""
    onsets = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
              "br", "cl", "dr", "fl", "gr", "pl", "st", "tr", "sh", "ch", "th"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
    codas = ["", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"]
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < VOCAB:
        syllables = 1 + min(3, len(words) // 4000) + int(rng.integers(0, 2))
        w = "".join(onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))]
                    + codas[rng.integers(len(codas))] for _ in range(syllables))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Builder:
    def __init__(self, conn: sqlite3.Connection, n: int, seed: int) -> None:
        self.conn, self.n = conn, n
        self.rng = np.random.default_rng(seed)
        self.words = vocabulary(self.rng)
        ranks = np.arange(1, VOCAB + 1, dtype=np.float64)
        p = ranks ** -ZIPF_S
        self.cdf = np.cumsum(p / p.sum())
        self.serial = 0
        self.article_id = 0
        self.originals: list[tuple[int, str, str, str, str, str]] = []  # recent (id, url, site, name, text, published)

    def text(self, n_words: int) -> str:
        ids = np.searchsorted(self.cdf, self.rng.random(n_words))
        ids = np.minimum(ids, VOCAB - 1)
        w = self.words
        out = [w[i] for i in ids.tolist()]
        for k in range(60, len(out), 60):
            out[k] = out[k] + ".\n" + out[k]
        return " ".join(out)

    def capture(self, url: str, when: dt.datetime, source: str) -> tuple[Any, ...]:
        from archive.urls import surt

        self.serial += 1
        cid = f"urn:uuid:{hashlib.md5(str(self.serial).encode()).hexdigest()}"
        day = when.strftime("%Y%m%d")
        return (cid, url, surt(url), "GET", _iso(when), 200, "text/html", f"sha1:{self.serial:032d}",
                "response", f"bench-{day}-00000.warc.gz", self.serial * 1000, 900, source,
                f"crawl-{source}-{day}")

    def batch(self, first_day: float, last_day: float, size: int) -> None:
        caps: list[tuple[Any, ...]] = []
        arts: list[tuple[Any, ...]] = []
        pairs: list[tuple[Any, ...]] = []
        versions: list[tuple[Any, ...]] = []
        rng = self.rng
        items = []
        for _ in range(size):
            when = START + dt.timedelta(days=float(rng.uniform(first_day, last_day)))
            roll = rng.random()
            if roll < COPY_SHARE and self.originals:
                items.append(("copy", when))
            elif roll < COPY_SHARE + VERSION_SHARE and self.originals:
                items.append(("version", when))
            else:
                items.append(("original", when))
        items.sort(key=lambda x: x[1])
        for kind, when in items:
            getattr(self, f"_{kind}")(when, caps, arts, pairs, versions)
        self._write(caps, arts, pairs, versions)

    def _article(self, cap: tuple[Any, ...], site: str, title: str, text: str, published: str | None,
                 publisher: str | None, original_url: str | None, sitename: str | None) -> tuple[Any, ...]:
        self.article_id += 1
        return (self.article_id, cap[0], cap[1], cap[12], site, title, None, published, None, text,
                text.count(" ") + 1, publisher, original_url, "en", sitename, cap[4],
                "canonical" if original_url else None, hashlib.sha1(text.encode()).hexdigest()[:16])

    def _original(self, when: dt.datetime, caps: list, arts: list, pairs: list, versions: list) -> None:
        site, name = PUBLISHERS[int(self.rng.zipf(1.6) - 1) % len(PUBLISHERS)]
        url = f"https://{site}/{when:%Y/%m/%d}/story-{self.serial + 1}"
        cap = self.capture(url, when, site.split(".")[-2])
        caps.append(cap)
        text = self.text(int(self.rng.integers(150, 450)))
        title = " ".join(text.split(" ")[:8]).replace(".\n", " ").capitalize()
        arts.append(self._article(cap, site, title, text, _iso(when - dt.timedelta(minutes=30)), None, None, name))
        self.originals.append((self.article_id, url, site, name, text, _iso(when - dt.timedelta(minutes=30))))
        if len(self.originals) > 20000:
            del self.originals[:10000]

    def _copy(self, when: dt.datetime, caps: list, arts: list, pairs: list, versions: list) -> None:
        rng = self.rng
        oid, ourl, osite, oname, otext, opub = self.originals[int(rng.integers(max(0, len(self.originals) - 3000),
                                                                               len(self.originals)))]
        on_agg = rng.random() < 0.9
        site = AGGREGATORS[int(rng.zipf(1.8) - 1) % len(AGGREGATORS)] if on_agg else \
            PUBLISHERS[int(rng.integers(len(PUBLISHERS)))][0]
        if site == osite:
            site = AGGREGATORS[0]
        kind = ["full", "full", "full", "truncated", "excerpt"][int(rng.integers(5))]
        text = otext if kind == "full" else otext[: len(otext) // (2 if kind == "truncated" else 5)]
        url = f"https://{site}/topic/{oname.split()[-1].lower()}/{self.serial + 1}-copy"
        cap = self.capture(url, when, site.split(".")[-2])
        caps.append(cap)
        arts.append(self._article(cap, site, "Copy: " + text[:40], text, None, oname, ourl, None))
        lag = int((when - dt.datetime.strptime(opub, "%Y-%m-%dT%H:%M:%SZ")).total_seconds())
        method = ["attribution", "exact", "minhash", "spinner"][int(rng.choice(4, p=[0.35, 0.17, 0.46, 0.02]))]
        pairs.append((self.article_id, oid, url, ourl, method, 0.9, 1.0, kind, lag, "second", "attribution",
                      "high", "- a paragraph the copy dropped" if kind != "full" else "", _iso(when)))

    def _version(self, when: dt.datetime, caps: list, arts: list, pairs: list, versions: list) -> None:
        oid, ourl, osite, oname, otext, opub = self.originals[int(self.rng.integers(len(self.originals)))]
        cap = self.capture(ourl, when, osite.split(".")[-2])
        caps.append(cap)
        text = otext + "\nUpdated: " + self.text(20)
        arts.append(self._article(cap, osite, "Updated story", text, opub, None, None, oname))
        versions.append((ourl, f"prev-{oid}", cap[0], oid, self.article_id, opub, cap[4], 0, 1,
                         "+ Updated: a paragraph"))

    def _write(self, caps: list, arts: list, pairs: list, versions: list) -> None:
        c = self.conn
        with c:
            c.executemany("INSERT INTO captures (id, url, urlkey, method, timestamp, status, mime, payload_digest, "
                          "record_type, warc_file, warc_offset, warc_length, source, crawl_id) "
                          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", caps)
            c.executemany("INSERT INTO articles (id, capture_id, url, source, site, title, author, published, "
                          "aggregator_date, text, word_count, original_publisher, original_url, language, "
                          "sitename, captured, attribution, text_hash) VALUES "
                          "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", arts)
            c.executemany("INSERT INTO syndication (copy_article_id, original_article_id, copy_url, original_url, "
                          "method, similarity, containment, kind, lag_seconds, lag_resolution, direction, "
                          "confidence, diff, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", pairs)
            c.executemany("INSERT INTO versions (url, from_capture_id, to_capture_id, from_article_id, "
                          "to_article_id, from_captured, to_captured, removed, added, diff) "
                          "VALUES (?,?,?,?,?,?,?,?,?,?)", versions)


def _side_tables(conn: sqlite3.Connection, rng: np.random.Generator) -> None:
    """Crawls (one per source and day), fetch errors (≈ 1 % of captures) and digest items."""
    with conn:
        conn.execute("INSERT INTO crawls (id, source, started, finished, pages, bytes, errors) "
                     "SELECT crawl_id, source, min(timestamp), max(timestamp), count(*), count(*) * 9000, 0 "
                     "FROM captures GROUP BY crawl_id")
        rows = conn.execute("SELECT crawl_id, url, timestamp FROM captures WHERE rowid % 97 = 0").fetchall()
        kinds = ["timeout", "connect", "dns", "http-5xx", "robots"]
        conn.executemany("INSERT OR IGNORE INTO fetch_errors (crawl_id, url, timestamp, error, detail) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [(c, u + "?retry", t, kinds[i % 5], "bench") for i, (c, u, t) in enumerate(rows)])
        conn.executemany("INSERT INTO digest_items (digest_url, capture_id, position, publisher, headline) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [("https://am1.news/topic/fq/digest", f"digest-{i // 10}", i % 10,
                           PUBLISHERS[i % len(PUBLISHERS)][1], f"Headline {i}") for i in range(20000)])


def build(data_dir: Path, n: int, seed: int = 5, log: Any = print) -> dict[str, Any]:
    """Fill ``DATA/archive.db`` with ``n`` articles (see the module doc); returns build figures."""
    from archive.index import db_path, open_db

    data_dir.mkdir(parents=True, exist_ok=True)
    if db_path(data_dir).exists():
        raise SystemExit(f"{db_path(data_dir)} exists: remove it or pass --reuse")
    db = open_db(data_dir)
    conn = db.conn
    conn.execute("PRAGMA cache_size = -400000")
    triggers = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                           "AND tbl_name = 'articles'")]
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='articles'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    t0 = time.monotonic()
    b = Builder(conn, n, seed)
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        b.batch(DAYS * done / n, DAYS * (done + size) / n, size)
        done += size
        if done % 100_000 == 0:
            log(f"  {done} articles in {time.monotonic() - t0:.0f} s")
    _side_tables(conn, b.rng)
    t1 = time.monotonic()
    log(f"rows written in {t1 - t0:.0f} s; building the FTS index")
    with conn:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        for sql in triggers:
            conn.execute(sql)
    t2 = time.monotonic()
    log(f"FTS index in {t2 - t1:.0f} s")
    conn.execute("ANALYZE")
    conn.close()
    return {"articles": n, "rows_seconds": round(t1 - t0), "fts_seconds": round(t2 - t1)}


def term_classes(data_dir: Path, per_class: int = 4) -> dict[str, list[str]]:
    """Search terms by document frequency: very common (≥ 90 % of articles: a word like "the"),
    common (50–80 %: the issue's "common word" had 700k hits in 1M), mid (0.5–3 %), rare (≤ 0.02 %)."""
    from archive.index import db_path

    conn = sqlite3.connect(str(db_path(data_dir)))
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, articles_fts, row)")
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        rows = conn.execute("SELECT term, doc FROM temp.vocab").fetchall()
    finally:
        conn.close()
    rows = [(t, d) for t, d in rows if t.isalpha() and len(t) >= 4]
    bands = {"very common": (0.9, 1.0), "common": (0.5, 0.8), "mid": (0.005, 0.03), "rare": (0.00005, 0.0002)}
    out: dict[str, list[str]] = {}
    for name, (lo, hi) in bands.items():
        picked = sorted((t for t, d in rows if lo * total <= d <= hi * total), key=lambda t: hashlib.md5(t.encode()).hexdigest())
        out[name] = picked[:per_class]
    return out


def load_or_build(data_dir: Path, n: int, reuse: bool, log: Any = print) -> dict[str, Any]:
    meta_path = data_dir / "bench-search.json"
    if reuse and meta_path.exists():
        info = dict(json.loads(meta_path.read_text()))
        if "very common" not in info.get("terms", {}):  # built before the term classes were split
            info["terms"] = term_classes(data_dir)
            meta_path.write_text(json.dumps(info, indent=1))
        return info
    info = build(data_dir, n, log=log)
    info["terms"] = term_classes(data_dir)
    meta_path.write_text(json.dumps(info, indent=1))
    return info
