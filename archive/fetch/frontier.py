"""The on-disk frontier: the ``frontier`` table of ``archive/index/captures.py``.

Every URL a crawl admits is a row ``(source, crawl_id, url, depth, state, via, kind)``; its state
goes ``queued`` → ``done`` | ``failed``. Changes are buffered and written with the captures of
the same batch in one transaction, so a killed crawl resumes from its last batch: URLs still
``queued`` are fetched, ``done`` ones never again, and URLs whose capture reached the WARC (and
was recovered from it) but whose state did not are taken as done.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..model import Capture, FetchFailure
from .engine import Task

if TYPE_CHECKING:
    import sqlite_utils

# frontier.kind: the task kind, with a "*" suffix when the URL is out of scope (not expanded)


def encode_kind(task: Task) -> str:
    return task.kind if task.expand else task.kind + "*"


def decode_kind(kind: str | None) -> tuple[str, bool]:
    k = kind or "page"
    return (k[:-1], False) if k.endswith("*") else (k, True)


class Frontier:
    def __init__(self, db: "sqlite_utils.Database", source: str, crawl_id: str) -> None:
        self.db = db
        self.source = source
        self.crawl_id = crawl_id
        self._new: list[tuple[str, str, str, int, str, str | None, str]] = []
        self._state: list[tuple[str, str, str]] = []

    def load(self) -> tuple[set[str], list[Task], list[Task]]:
        """(every URL of the crawl, tasks still to fetch, tasks captured but not marked done)."""
        conn = self.db.conn
        seen: set[str] = set()
        queued: list[Task] = []
        for url, depth, state, via, kind in conn.execute(
                "SELECT url, depth, state, via, kind FROM frontier WHERE crawl_id = ? ORDER BY rowid",
                (self.crawl_id,)):
            seen.add(url)
            if state in ("queued", "fetching"):
                k, expand = decode_kind(kind)
                queued.append(Task(url=url, depth=depth, kind=k, via=via, expand=expand))
        captured = {u for (u,) in conn.execute(
            "SELECT DISTINCT url FROM captures WHERE crawl_id = ?", (self.crawl_id,))}
        todo = [t for t in queued if t.url not in captured]
        done_not_marked = [t for t in queued if t.url in captured]
        return seen, todo, done_not_marked

    def add(self, task: Task) -> None:
        self._new.append((self.source, self.crawl_id, task.url, task.depth, "queued", task.via, encode_kind(task)))

    def mark(self, url: str, state: str) -> None:
        self._state.append((state, self.crawl_id, url))

    def pending(self) -> int:
        return len(self._new) + len(self._state)

    def write(self) -> None:
        """Write buffered changes (call inside the batch's transaction)."""
        conn = self.db.conn
        if self._new:
            conn.executemany("INSERT OR IGNORE INTO frontier (source, crawl_id, url, depth, state, via, kind) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", self._new)
            self._new = []
        if self._state:
            conn.executemany("UPDATE frontier SET state = ? WHERE crawl_id = ? AND url = ?", self._state)
            self._state = []


def write_batch(db: "sqlite_utils.Database", frontier: Frontier, captures: Iterable[Capture],
                failures: Iterable[FetchFailure]) -> None:
    """Captures, fetch errors and frontier changes of one batch in one transaction.

    Called only with captures whose records are already flushed to their WARC file.
    """
    from ..index.captures import CAPTURE_COLUMNS

    cap_rows = [tuple(getattr(c, k) for k in CAPTURE_COLUMNS) for c in captures]
    fail_rows = [(f.crawl_id, f.url, f.timestamp, f.error, f.detail) for f in failures]
    cols = ", ".join(CAPTURE_COLUMNS)
    marks = ", ".join("?" for _ in CAPTURE_COLUMNS)
    with db.conn:
        if cap_rows:
            db.conn.executemany(f"INSERT OR REPLACE INTO captures ({cols}) VALUES ({marks})", cap_rows)
        if fail_rows:
            db.conn.executemany("INSERT OR REPLACE INTO fetch_errors (crawl_id, url, timestamp, error, detail) "
                                "VALUES (?, ?, ?, ?, ?)", fail_rows)
        frontier.write()
