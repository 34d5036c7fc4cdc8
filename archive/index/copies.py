"""Summary tables of the copy/original pairs, for feeds, the front page and watches.

``copy_index``  one row per ``syndication`` pair with what a reader of a feed or the front page
                needs already joined: publisher, aggregator, titles, times, lag, a short diff
                summary and ``tag``, the pair's stable id (built from both capture ids, which
                ``archive reindex`` keeps: article and pair ids are not stable across rebuilds);
``copy_seen``   when the archive first knew each ``tag``: the dedupe run that stored the pair
                (``syndication.created``), kept when the pair is re-found after ``archive dedupe
                --rebuild``; watches post what was first seen since they began;
``copy_edges``  one row per (aggregator, publisher): copies, median / min / max lag and a lag
                histogram (the front page's graph, ``lag_distribution`` and the lag chart);
``copy_days``   copies per day per publisher (the copies-per-day chart).

Why summaries: on a 5.4 GB archive of a million articles (266k pairs) the feeds' and charts'
joins read each pair's two article rows, whose columns after ``text`` sit in overflow pages:
2–3 s per request. Here a feed is an index range (≈ 1 ms) and the graph reads a dozen rows.

:func:`refresh` brings them up to date with ``syndication`` incrementally (pairs added, pairs
removed or replaced) and recomputes only the edges and days those pairs touch.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

# Lag histogram bins: (column, lower bound in seconds inclusive, upper bound exclusive, label)
LAG_BINS: tuple[tuple[str, float, float, str], ...] = (
    ("lag_neg", float("-inf"), 0, "< 0"), ("lag_1h", 0, 3600, "0–1 h"),
    ("lag_3h", 3600, 3 * 3600, "1–3 h"), ("lag_6h", 3 * 3600, 6 * 3600, "3–6 h"),
    ("lag_12h", 6 * 3600, 12 * 3600, "6–12 h"), ("lag_24h", 12 * 3600, 86400, "12–24 h"),
    ("lag_2d", 86400, 2 * 86400, "1–2 d"), ("lag_7d", 2 * 86400, 7 * 86400, "2–7 d"),
    ("lag_more", 7 * 86400, float("inf"), "> 7 d"),
)
TAG_AUTHORITY = "tag:syndication-archive,2025:pair"


def ensure_schema(db: "sqlite_utils.Database") -> None:
    cols = {r[1] for r in db.execute("PRAGMA table_info(copy_index)").fetchall()}
    if cols and "evidence" not in cols:  # made before pairs carried their evidence: rebuilt
        db.executescript("DROP TABLE copy_index; DELETE FROM copy_edges; DELETE FROM copy_days;")
    bins = ",\n".join(f"            {c} INTEGER NOT NULL DEFAULT 0" for c, _, _, _ in LAG_BINS)
    db.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS copy_index (
            pair_id INTEGER PRIMARY KEY,     -- syndication.id
            copy_article_id INTEGER NOT NULL,
            original_article_id INTEGER NOT NULL,
            tag TEXT NOT NULL UNIQUE,        -- stable: both capture ids
            publisher TEXT NOT NULL,         -- the original's publisher (named by the copy, else its site name)
            aggregator TEXT NOT NULL,        -- the copy's site
            copy_source TEXT,
            copy_url TEXT NOT NULL,
            original_url TEXT NOT NULL,
            copy_title TEXT,
            original_title TEXT,
            copied TEXT,                     -- the copy's capture time
            copy_day TEXT,                   -- the date the aggregator shows, else the capture day
            original_captured TEXT,
            original_published TEXT,
            lag_seconds INTEGER,
            lag_resolution TEXT,
            kind TEXT,
            method TEXT,
            confidence TEXT,
            direction TEXT,                  -- as syndication: 'unknown' when no evidence orients it
            evidence TEXT,
            diff_summary TEXT
        );
        CREATE INDEX IF NOT EXISTS copy_index_newest ON copy_index(copied DESC, pair_id DESC);
        CREATE INDEX IF NOT EXISTS copy_index_publisher
            ON copy_index(publisher COLLATE NOCASE, copied DESC, pair_id DESC);
        CREATE INDEX IF NOT EXISTS copy_index_aggregator
            ON copy_index(aggregator COLLATE NOCASE, copied DESC, pair_id DESC);
        CREATE INDEX IF NOT EXISTS copy_index_edge ON copy_index(aggregator, publisher, lag_seconds);
        -- syndicated_copies: shortest lag first, unknown last (all pairs, or one publisher's)
        CREATE INDEX IF NOT EXISTS copy_index_lag
            ON copy_index(coalesce(lag_seconds, 9223372036854775807), copy_url);
        CREATE INDEX IF NOT EXISTS copy_index_publisher_lag
            ON copy_index(publisher, coalesce(lag_seconds, 9223372036854775807), copy_url);
        CREATE INDEX IF NOT EXISTS copy_index_day ON copy_index(copy_day, publisher);
        -- the fingerprint of the indexed pairs, read from this index alone (see refresh)
        CREATE INDEX IF NOT EXISTS copy_index_pair ON copy_index(copy_article_id, original_article_id);
        -- daily_stats' copies per source and day
        CREATE INDEX IF NOT EXISTS copy_index_source_day ON copy_index(copy_source, substr(copied, 1, 10));
        CREATE TABLE IF NOT EXISTS copy_seen (
            tag TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS copy_seen_first ON copy_seen(first_seen);
        CREATE TABLE IF NOT EXISTS copy_edges (
            aggregator TEXT NOT NULL,
            publisher TEXT NOT NULL,
            copies INTEGER NOT NULL,
            lag_known INTEGER NOT NULL,
            lag_median INTEGER,
            lag_min INTEGER,
            lag_max INTEGER,
            lag_avg INTEGER,
{bins},
            PRIMARY KEY (aggregator, publisher)
        );
        CREATE TABLE IF NOT EXISTS copy_days (
            day TEXT NOT NULL,
            publisher TEXT NOT NULL,
            copies INTEGER NOT NULL,
            PRIMARY KEY (day, publisher)
        ) WITHOUT ROWID;
        """
    )


# The pair as a reader sees it; the publisher as the charts always named it (the one the copy
# names, else the original's site name, else its host).
_SELECT = f"""
SELECT s.id, s.copy_article_id, s.original_article_id,
       '{TAG_AUTHORITY}:' || c.capture_id || '/' || o.capture_id,
       coalesce(nullif(trim(c.original_publisher), ''), nullif(trim(o.sitename), ''), o.site, '(unknown)'),
       c.site, c.source, s.copy_url, s.original_url, c.title, o.title,
       coalesce(c.captured, kc.timestamp),
       substr(coalesce(c.aggregator_date, c.captured, kc.timestamp), 1, 10),
       coalesce(o.captured, ko.timestamp), o.published,
       s.lag_seconds, s.lag_resolution, s.kind, s.method, s.confidence, s.direction, s.evidence,
       s.created, s.diff
FROM syndication s
JOIN articles c ON c.id = s.copy_article_id
JOIN articles o ON o.id = s.original_article_id
LEFT JOIN captures kc ON kc.id = c.capture_id
LEFT JOIN captures ko ON ko.id = o.capture_id
"""
_COLUMNS = ("pair_id", "copy_article_id", "original_article_id", "tag", "publisher", "aggregator",
            "copy_source", "copy_url", "original_url", "copy_title", "original_title", "copied", "copy_day",
            "original_captured", "original_published", "lag_seconds", "lag_resolution", "kind", "method",
            "confidence", "direction", "evidence", "diff_summary")


@dataclass
class RefreshStats:
    added: int = 0
    removed: int = 0
    edges: int = 0
    days: int = 0
    source_days: set[tuple[str | None, str | None]] = field(default_factory=set)  # daily_stats keys touched
    checked_all: bool = False  # the fingerprints differed: every pair was compared

    def summary(self) -> str:
        return (f"copy index: {self.added} pairs added, {self.removed} removed, "
                f"{self.edges} edges and {self.days} days recomputed")


def diff_summary(diff: str | None, limit: int = 160) -> str:
    """'+2 / −1 paragraphs: <first changed paragraph, cut>' from dedupe's '+ ' / '- ' diff lines."""
    lines = [ln for ln in (diff or "").splitlines() if ln.startswith(("+ ", "- "))]
    if not lines:
        return "no paragraph added or removed"
    added = sum(ln.startswith("+ ") for ln in lines)
    removed = len(lines) - added
    first = lines[0][2:].strip()
    if len(first) > limit:
        first = first[: limit - 1].rstrip() + "…"
    sign = "added" if lines[0].startswith("+ ") else "removed"
    return f"+{added} / −{removed} paragraphs; first {sign}: {first}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _stale_pairs(conn: "sqlite3.Connection") -> list[tuple[Any, ...]]:
    """Indexed pairs whose syndication row is gone or now holds another pair (ids are reused)."""
    return conn.execute(
        "SELECT ci.pair_id, ci.aggregator, ci.publisher, ci.copy_day, ci.copy_source, substr(ci.copied, 1, 10) "
        "FROM copy_index ci "
        "LEFT JOIN syndication s ON s.id = ci.pair_id "
        "WHERE s.id IS NULL OR s.copy_article_id != ci.copy_article_id "
        "OR s.original_article_id != ci.original_article_id").fetchall()


# count and sums over (id, copy, original): read from a covering index on each side (≈ 50 ms for
# 266k pairs, against 1.2 s to join every indexed pair to its syndication row)
_FINGERPRINT = "SELECT count(*), total({id}), total({id} * copy_article_id), total({id} * original_article_id) FROM {table}"


def forget_pair(conn: "sqlite3.Connection", copy_id: int, original_id: int) -> None:
    """Drop a pair dedupe decided anew (direction, evidence, or copy and original swapped) from
    ``copy_index``: the next :func:`refresh` finds the index short of it and adds it as it is now."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'copy_index'").fetchone():
        conn.execute("DELETE FROM copy_index WHERE copy_article_id = ? AND original_article_id = ?",
                     (copy_id, original_id))


def _same_pairs(conn: "sqlite3.Connection") -> bool:
    """Whether ``copy_index`` holds exactly the pairs of ``syndication`` under the same ids, as
    far as count and three id-weighted sums tell (any pair dropped, added, replaced or renumbered
    by dedupe changes them)."""
    theirs = conn.execute(_FINGERPRINT.format(id="rowid", table="syndication")).fetchone()
    ours = conn.execute(_FINGERPRINT.format(id="pair_id", table="copy_index")).fetchone()
    return tuple(theirs) == tuple(ours)


def _new_pairs(conn: "sqlite3.Connection", batch: int = 20000, *,
               everywhere: bool = False) -> Iterable[list[tuple[Any, ...]]]:
    """Syndication rows not yet indexed, in batches (their diffs are read and cut here): those past
    the highest indexed id, or (``everywhere``) any id the index lacks."""
    if everywhere:
        ids = [r[0] for r in conn.execute(
            "SELECT s.id FROM syndication s WHERE NOT EXISTS "
            "(SELECT 1 FROM copy_index ci WHERE ci.pair_id = s.id) ORDER BY s.id")]
    else:
        top = conn.execute("SELECT coalesce(max(pair_id), 0) FROM copy_index").fetchone()[0]
        ids = [r[0] for r in conn.execute("SELECT id FROM syndication WHERE id > ? ORDER BY id", (top,))]
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = conn.execute(_SELECT + f" WHERE s.id BETWEEN ? AND ? ORDER BY s.id",
                            (chunk[0], chunk[-1])).fetchall()
        wanted = set(chunk)
        yield [r[:-2] + (diff_summary(r[-1]), r[-2]) for r in rows if r[0] in wanted]


def refresh(db: "sqlite_utils.Database") -> RefreshStats:
    """Bring ``copy_index``, ``copy_seen``, ``copy_edges`` and ``copy_days`` up to date.

    Pairs past the highest indexed id are added first (what a dedupe run adds); then the two
    tables' fingerprints are compared, and only when they differ is every pair compared (pairs
    removed, replaced under a reused id, or renumbered by a rebuild)."""
    conn = db.conn
    stats = RefreshStats()
    edges: set[tuple[str, str]] = set()
    days: set[tuple[str, str]] = set()
    with conn:
        _add_pairs(conn, _new_pairs(conn), stats, edges, days)
        if not _same_pairs(conn):
            stats.checked_all = True
            stale = _stale_pairs(conn)
            for pair_id, agg, pub, day, source, copied_day in stale:
                edges.add((agg, pub))
                days.add((day, pub))
                stats.source_days.add((source, copied_day))
            conn.executemany("DELETE FROM copy_index WHERE pair_id = ?", [(r[0],) for r in stale])
            stats.removed = len(stale)
            _add_pairs(conn, _new_pairs(conn, everywhere=True), stats, edges, days)
        for agg, pub in sorted(edges):
            _recompute_edge(conn, agg, pub)
        for day, pub in sorted(days, key=lambda k: (k[0] or "", k[1])):
            _recompute_day(conn, day, pub)
    stats.edges, stats.days = len(edges), len(days)
    return stats


def _add_pairs(conn: "sqlite3.Connection", batches: Iterable[list[tuple[Any, ...]]], stats: RefreshStats,
               edges: set[tuple[str, str]], days: set[tuple[str, str]]) -> None:
    now = _now()
    marks = ", ".join("?" * len(_COLUMNS))
    for rows in batches:
        conn.executemany(f"INSERT INTO copy_index ({', '.join(_COLUMNS)}) VALUES ({marks})", [r[:-1] for r in rows])
        conn.executemany("INSERT OR IGNORE INTO copy_seen (tag, first_seen) VALUES (?, ?)",
                         [(r[3], r[-1] or now) for r in rows])
        stats.added += len(rows)
        for r in rows:
            edges.add((r[5], r[4]))
            days.add((r[12], r[4]))
            stats.source_days.add((r[6], (r[11] or "")[:10] or None))


def _recompute_edge(conn: "sqlite3.Connection", aggregator: str, publisher: str) -> None:
    """One edge's figures from its pairs (through the index on aggregator, publisher, lag)."""
    where = "aggregator = ? AND publisher = ?"
    args = (aggregator, publisher)
    bins = ", ".join(f"sum(lag_seconds >= {lo} AND lag_seconds < {hi})" if lo != float("-inf") else
                     f"sum(lag_seconds < {hi})" for _, lo, hi, _ in LAG_BINS).replace("inf", "9e18")
    row = conn.execute(f"SELECT count(*), count(lag_seconds), min(lag_seconds), max(lag_seconds), "
                       f"avg(lag_seconds), {bins} FROM copy_index WHERE {where}", args).fetchone()
    if not row[0]:
        conn.execute(f"DELETE FROM copy_edges WHERE {where}", args)
        return
    known = int(row[1])
    median = None
    if known:
        median = conn.execute(f"SELECT lag_seconds FROM copy_index WHERE {where} AND lag_seconds IS NOT NULL "
                              "ORDER BY lag_seconds LIMIT 1 OFFSET ?", args + ((known - 1) // 2,)).fetchone()[0]
    cols = ["aggregator", "publisher", "copies", "lag_known", "lag_median", "lag_min", "lag_max", "lag_avg"]
    cols += [c for c, _, _, _ in LAG_BINS]
    values = [aggregator, publisher, row[0], known, median, row[2], row[3],
              None if row[4] is None else int(round(row[4]))] + [int(v or 0) for v in row[5:]]
    conn.execute(f"INSERT OR REPLACE INTO copy_edges ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                 values)


def _recompute_day(conn: "sqlite3.Connection", day: str | None, publisher: str) -> None:
    n = conn.execute("SELECT count(*) FROM copy_index WHERE copy_day IS ? AND publisher = ?",
                     (day, publisher)).fetchone()[0]
    key = day or "(no date)"
    if n:
        conn.execute("INSERT OR REPLACE INTO copy_days (day, publisher, copies) VALUES (?, ?, ?)", (key, publisher, n))
    else:
        conn.execute("DELETE FROM copy_days WHERE day = ? AND publisher = ?", (key, publisher))


# ------------------------------------------------------------------------------- readers
def newest(conn: "sqlite3.Connection", limit: int = 20) -> list[dict[str, Any]]:
    """The newest copies (by the copy's capture time), for the front page."""
    cur = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM copy_index ORDER BY copied DESC, pair_id DESC LIMIT ?",
                       (limit,))
    return [dict(zip(_COLUMNS, r)) for r in cur]


def edges(conn: "sqlite3.Connection") -> list[dict[str, Any]]:
    cur = conn.execute("SELECT * FROM copy_edges ORDER BY copies DESC, aggregator, publisher")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]


def matching(conn: "sqlite3.Connection", *, publisher: str | None = None, aggregator: str | None = None,
             limit: int = 1) -> list[dict[str, Any]]:
    """The newest pairs of a publisher and/or on an aggregator (case-insensitive)."""
    where, args = [], []
    if publisher:
        where.append("publisher = ? COLLATE NOCASE")
        args.append(publisher)
    if aggregator:
        where.append("aggregator = ? COLLATE NOCASE")
        args.append(aggregator)
    sql = (f"SELECT {', '.join(_COLUMNS)} FROM copy_index {'WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY copied DESC, pair_id DESC LIMIT ?")
    return [dict(zip(_COLUMNS, r)) for r in conn.execute(sql, (*args, limit))]


def first_seen_after(conn: "sqlite3.Connection", after: str, *, inclusive: bool = False) -> list[dict[str, Any]]:
    """Indexed pairs the archive first knew after ``after`` (ISO; at or after when ``inclusive``)."""
    op = ">=" if inclusive else ">"
    cur = conn.execute(f"SELECT {', '.join('ci.' + c for c in _COLUMNS)}, cs.first_seen FROM copy_seen cs "
                       f"JOIN copy_index ci ON ci.tag = cs.tag WHERE cs.first_seen {op} ? "
                       "ORDER BY cs.first_seen, ci.pair_id", (after,))
    return [dict(zip(_COLUMNS + ("first_seen",), r)) for r in cur]


def pairs_by_tags(conn: "sqlite3.Connection", tags: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(tags), 500):
        chunk = tags[start:start + 500]
        cur = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM copy_index WHERE tag IN ({', '.join('?' * len(chunk))}) "
                           "ORDER BY pair_id", chunk)
        out.extend(dict(zip(_COLUMNS, r)) for r in cur)
    return out
