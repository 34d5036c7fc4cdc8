"""Tables of the dedupe stage.

``syndication``   one row per copy → original pair (contract columns first);
``versions``      changes between consecutive captures of one URL (its own module,
                  :mod:`archive.index.versions`, made and cleared with these);
``dedupe_state``  every article dedupe has processed (its role, URL key, text hash, size);
``dedupe_key_runs`` the persisted LSH state: MinHash band keys, opening-words band keys and
                  paragraph anchors as sorted runs of (key, article) per key range (made and
                  read by ``archive.dedupe.keystore``), so each run only adds the new articles' keys;
``dedupe_spin_runs`` entity-skeleton keys of reworded ("spinner") copies, sorted runs in the
                  same layout (``archive.dedupe.spin`` through the key store);
``dedupe_params`` the hashing parameters and library versions the keys were made with;
``dedupe_failures`` an article a dedupe step raised on (the step skipped it; the run went on);
``dedupe_sites``  per site, the pairs decided by attribution it was the copy and the original of
                  (counted as pairs are added: the learned site roles read this small table, not
                  a join over ``syndication`` and ``articles``).

The two key tables are created by the dedupe modules that own their layout; ``clear`` empties
them when they exist. (``dedupe_keys``, one row per key, was the layout before the key runs: no
longer created; an old archive's is left as it was and ignored.)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import versions

if TYPE_CHECKING:
    import sqlite3
    from typing import Any, Iterable, Sequence

    import sqlite_utils

TABLES = ("syndication", "dedupe_state", "dedupe_key_runs", "dedupe_spin_runs", "dedupe_params",
          "dedupe_failures", "dedupe_sites")


def ensure_schema(db: "sqlite_utils.Database") -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS syndication (
            id INTEGER PRIMARY KEY,
            copy_article_id INTEGER NOT NULL,
            original_article_id INTEGER NOT NULL,
            copy_url TEXT NOT NULL,
            original_url TEXT NOT NULL,
            method TEXT NOT NULL,            -- attribution, exact, minhash, spinner
            similarity REAL,                 -- Jaccard of the word-shingle sets
            containment REAL,                -- share of the shorter text's shingles in the longer
            kind TEXT NOT NULL,              -- full, truncated, excerpt
            lag_seconds INTEGER,
            lag_resolution TEXT,             -- second, day
            direction TEXT NOT NULL,         -- attribution, known-publisher, known-aggregator,
                                             -- site-role, date, capture, unknown
            confidence TEXT NOT NULL,        -- high, medium, low, none (direction unknown)
            diff TEXT NOT NULL DEFAULT '',   -- '- ' paragraphs the copy removed, '+ ' it added
            evidence TEXT,                   -- what decided the direction, in words
            coverage REAL,                   -- share of the original's shingles in the copy
            shared_shingles INTEGER,
            found TEXT,                      -- candidate sources: exact, lsh, attribution
            created TEXT,
            UNIQUE (copy_article_id, original_article_id)
        );
        CREATE INDEX IF NOT EXISTS syndication_original ON syndication(original_article_id);
        """
    )
    versions.ensure_schema(db)  # made between these two: a new database lists its tables as before
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS dedupe_state (
            article_id INTEGER PRIMARY KEY,
            url_key TEXT NOT NULL,
            original_key TEXT,
            norm_hash TEXT NOT NULL,
            tokens INTEGER NOT NULL,
            role TEXT NOT NULL,              -- rep (first capture of its URL), version
            keys INTEGER NOT NULL DEFAULT 0  -- candidate keys stored for it
        );
        CREATE INDEX IF NOT EXISTS dedupe_state_url ON dedupe_state(url_key);
        CREATE INDEX IF NOT EXISTS dedupe_state_original ON dedupe_state(original_key);
        CREATE INDEX IF NOT EXISTS dedupe_state_hash ON dedupe_state(norm_hash);
        CREATE TABLE IF NOT EXISTS dedupe_params (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dedupe_failures (
            article_id INTEGER NOT NULL,
            stage TEXT NOT NULL,             -- sketch, tokens, verify, direction, decide, spinner, revisit, versions
            error TEXT NOT NULL,
            created TEXT,
            PRIMARY KEY (article_id, stage)
        );
        CREATE TABLE IF NOT EXISTS dedupe_sites (
            host TEXT PRIMARY KEY,
            attributed_copy INTEGER NOT NULL DEFAULT 0,
            attributed_original INTEGER NOT NULL DEFAULT 0
        );
        """
    )
    cols = {r[1] for r in db.execute("PRAGMA table_info(syndication)").fetchall()}
    if "evidence" not in cols:  # archives made before the column
        db.execute("ALTER TABLE syndication ADD COLUMN evidence TEXT")


def clear(db: "sqlite_utils.Database") -> None:
    """Forget every dedupe result and the LSH state (articles themselves are untouched)."""
    present = set(db.table_names())
    with db.conn:
        for name in TABLES:
            if name in present:
                db.conn.execute(f"DELETE FROM {name}")
        if "versions" in present:
            versions.clear(db.conn)


def articles_to_dedupe(conn: "sqlite3.Connection") -> list[int]:
    """Ids of the articles dedupe has not processed yet (none in ``dedupe_state``), ascending."""
    # no ORDER BY: SQLite then scans a small covering index, not the table and its texts
    # (1M articles: 0.3 s against 10 s)
    return sorted(int(r[0]) for r in conn.execute(
        "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM dedupe_state)"))


def url_captures(conn: "sqlite3.Connection", url_keys: "Sequence[str]") -> list[tuple[Any, ...]]:
    """(article id, capture id, url, captured, normalised-text hash, URL key) of every processed
    article under the given URL keys: the captures one URL's versions are made from."""
    out: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(url_keys), 900):
        out.extend(conn.execute(
            "SELECT d.article_id, a.capture_id, a.url, a.captured, d.norm_hash, d.url_key "
            "FROM dedupe_state d JOIN articles a ON a.id = d.article_id "
            f"WHERE d.url_key IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    return out


def record_failures(conn: "sqlite3.Connection", failures: "Iterable[tuple[int, str, str]]", when: str) -> int:
    """Record articles a dedupe step raised on (the latest error per article and step); returns
    how many distinct articles. Runs inside the caller's transaction."""
    rows = {(int(a), stage): err for a, stage, err in failures}
    conn.executemany("INSERT OR REPLACE INTO dedupe_failures (article_id, stage, error, created) "
                     "VALUES (?, ?, ?, ?)", [(a, s, e, when) for (a, s), e in sorted(rows.items())])
    return len({a for a, _ in rows})


def attributed_sites(conn: "sqlite3.Connection") -> list[tuple[str, int, int]]:
    """(site, pairs it was the copy of, pairs it was the original of), over the pairs decided by
    attribution: the evidence the learned site roles count (``archive.dedupe.sites``)."""
    return [(h, int(c), int(o)) for h, c, o in conn.execute(
        "SELECT host, attributed_copy, attributed_original FROM dedupe_sites")]


def _count_sites(conn: "sqlite3.Connection", rows: "Iterable[dict[str, Any]]") -> None:
    """Add the new attributed pairs to ``dedupe_sites`` (rows carry ``copy_host`` and
    ``original_host``)."""
    counts: dict[str, list[int]] = {}
    for r in rows:
        if r["direction"] == "attribution" and r.get("copy_host") and r.get("original_host"):
            counts.setdefault(r["copy_host"], [0, 0])[0] += 1
            counts.setdefault(r["original_host"], [0, 0])[1] += 1
    conn.executemany("INSERT INTO dedupe_sites (host, attributed_copy, attributed_original) VALUES (?, ?, ?) "
                     "ON CONFLICT (host) DO UPDATE SET attributed_copy = attributed_copy + excluded.attributed_copy, "
                     "attributed_original = attributed_original + excluded.attributed_original",
                     [(h, c, o) for h, (c, o) in sorted(counts.items())])


def add_pairs(conn: "sqlite3.Connection", rows: "list[dict[str, Any]]",
              columns: "Sequence[str]") -> "tuple[list[dict[str, Any]], int]":
    """Insert new pairs (dicts with ``columns``), then drop every x→y where y→z is a decided pair
    (its direction known) and x→z exists: x and y are two copies of z, each stays against the
    original, never against the other. A y→z of unknown direction proves nothing (z may be the
    copy), so it drops nothing. Returns the rows added and the number of pairs dropped; runs
    inside the caller's transaction."""
    from collections import defaultdict

    if not rows:
        return [], 0
    touched = sorted({r[c] for r in rows for c in ("copy_article_id", "original_article_id")})
    new = {(r["copy_article_id"], r["original_article_id"]): r["direction"] != "unknown" for r in rows}
    old: list[tuple[Any, ...]] = []
    for chunk in _chunks(touched, 400):
        marks = ",".join("?" * len(chunk))
        old.extend(conn.execute(f"SELECT copy_article_id, original_article_id, direction FROM syndication "
                                f"WHERE copy_article_id IN ({marks}) OR original_article_id IN ({marks})",
                                chunk + chunk).fetchall())
    around = sorted({int(i) for e in old for i in e[:2]} - set(touched))
    for chunk in _chunks(around, 900):
        old.extend(conn.execute(f"SELECT copy_article_id, original_article_id, direction FROM syndication "
                                f"WHERE copy_article_id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    old_edges = {(int(a), int(b)): d != "unknown" for a, b, d in old}
    every = {**new, **old_edges}
    originals: dict[int, set[int]] = defaultdict(set)
    decided: dict[int, set[int]] = defaultdict(set)
    for (x, y), known in every.items():
        originals[x].add(y)
        if known:
            decided[x].add(y)
    drop = {(x, y) for x, y in every if decided[y] & originals[x]}
    conn.executemany("DELETE FROM syndication WHERE copy_article_id = ? AND original_article_id = ?",
                     sorted(drop & set(old_edges)))
    # every stored pair of these articles is in old_edges: the rows left are exactly the ones
    # an INSERT OR IGNORE would add, so they go in one executemany
    fresh: dict[tuple[int, int], dict[str, Any]] = {}
    for r in rows:
        e = (r["copy_article_id"], r["original_article_id"])
        if e in drop or e in old_edges or e in fresh:
            continue
        fresh[e] = r
    cols = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT OR IGNORE INTO syndication ({cols}) VALUES ({marks})",
                     [tuple(r[c] for c in columns) for r in fresh.values()])
    _count_sites(conn, fresh.values())
    return list(fresh.values()), len(drop)


def _chunks(values: list[Any], size: int) -> "Iterable[list[Any]]":
    for start in range(0, len(values), size):
        yield values[start:start + size]


REVISIT = ("unknown", "date", "capture")  # directions a learned site role outranks


def weakly_decided(conn: "sqlite3.Connection") -> "list[dict[str, Any]]":
    """Stored pairs whose direction a site role learned later could change (``REVISIT``)."""
    cols = ("copy_article_id", "original_article_id", "copy_url", "original_url", "method", "kind",
            "similarity", "coverage", "shared_shingles", "direction", "diff")
    marks = ",".join("?" * len(REVISIT))
    return [dict(zip(cols, r)) for r in conn.execute(
        f"SELECT {', '.join(cols)} FROM syndication WHERE direction IN ({marks})", REVISIT)]


def redecide(conn: "sqlite3.Connection", old: "tuple[int, int]", new: "dict[str, Any]") -> bool:
    """Rewrite one pair (``old``: its copy and original ids) with ``new`` values (the pair
    oriented anew when its copy and original swap); False when the swapped pair already exists."""
    from .copies import forget_pair

    sets = ", ".join(f"{k} = ?" for k in new)
    cur = conn.execute(f"UPDATE OR IGNORE syndication SET {sets} WHERE copy_article_id = ? AND original_article_id = ?",
                       (*new.values(), *old))
    if cur.rowcount > 0:
        forget_pair(conn, *old)  # the summary holds the old decision: it takes the new one on refresh
    return cur.rowcount > 0
