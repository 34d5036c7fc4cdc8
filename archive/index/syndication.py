"""Tables of the dedupe stage.

``syndication``   one row per copy → original pair (contract columns first);
``versions``      changes between consecutive captures of one URL;
``dedupe_state``  every article dedupe has processed (its role, URL key, text hash, size);
``dedupe_key_runs`` the persisted LSH state: MinHash band keys, opening-words band keys and
                  paragraph anchors as sorted runs of (key, article) per key range (made and
                  read by ``archive.dedupe.keystore``), so each run only adds the new articles' keys;
``dedupe_spin_runs`` entity-skeleton keys of reworded ("spinner") copies, sorted runs in the
                  same layout (``archive.dedupe.spin`` through the key store);
``dedupe_params`` the hashing parameters and library versions the keys were made with.

The two key tables are created by the dedupe modules that own their layout; ``clear`` empties
them when they exist. (``dedupe_keys``, one row per key, was the layout before the key runs: no
longer created; an old archive's is left as it was and ignored.)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

TABLES = ("syndication", "versions", "dedupe_state", "dedupe_key_runs", "dedupe_spin_runs", "dedupe_params")


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
            direction TEXT NOT NULL,         -- attribution, known-aggregator, date, containment
            confidence TEXT NOT NULL,        -- high, low
            diff TEXT NOT NULL DEFAULT '',   -- '- ' paragraphs the copy removed, '+ ' it added
            coverage REAL,                   -- share of the original's shingles in the copy
            shared_shingles INTEGER,
            found TEXT,                      -- candidate sources: exact, lsh, attribution
            created TEXT,
            UNIQUE (copy_article_id, original_article_id)
        );
        CREATE INDEX IF NOT EXISTS syndication_original ON syndication(original_article_id);
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            from_capture_id TEXT NOT NULL,
            to_capture_id TEXT NOT NULL,
            from_article_id INTEGER,
            to_article_id INTEGER,
            from_captured TEXT,
            to_captured TEXT,
            removed INTEGER,
            added INTEGER,
            diff TEXT NOT NULL DEFAULT '',
            UNIQUE (from_capture_id, to_capture_id)
        );
        CREATE INDEX IF NOT EXISTS versions_url ON versions(url);
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
        """
    )


def clear(db: "sqlite_utils.Database") -> None:
    """Forget every dedupe result and the LSH state (articles themselves are untouched)."""
    present = set(db.table_names())
    with db.conn:
        for name in TABLES:
            if name in present:
                db.conn.execute(f"DELETE FROM {name}")
