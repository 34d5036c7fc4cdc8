"""The on-disk frontier: the ``frontier`` table of ``archive/index/captures.py``.

Every URL a crawl admits is a row ``(source, crawl_id, url, depth, state, via, kind)``; its state
goes ``queued`` → ``done`` | ``failed``. Changes are buffered and written with the captures of
the same batch in one transaction, so a killed crawl resumes from its last batch: URLs still
``queued`` are fetched, ``done`` ones never again, and URLs whose capture reached the WARC (and
was recovered from it) but whose state did not are taken as done — also when the URL itself
never reached the frontier table (admitted and fetched within the batch a kill cut short). A URL
whose fetch-error record reached the WARC but whose state did not is taken as failed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import urlsplit

from ..index.captures import crawl_urls
from ..index.fetch_errors import failed_urls as failed_urls_of
from ..model import Capture, FetchFailure
from .tasks import Task

if TYPE_CHECKING:
    import sqlite_utils

# frontier.kind: the task kind, with a "*" suffix when the URL is out of scope (not expanded),
# then a "!" suffix when the SSRF guard applies to it (found on a public page: a resumed crawl
# keeps checking its addresses)


def encode_kind(task: Task) -> str:
    return task.kind + ("" if task.expand else "*") + ("!" if task.guard else "")


def decode_kind(kind: str | None) -> tuple[str, bool, bool]:
    """(task kind, expand, guard) of a frontier ``kind`` value."""
    k = kind or "page"
    guard = k.endswith("!")
    k = k.rstrip("!")
    return (k[:-1], False, guard) if k.endswith("*") else (k, True, guard)


@dataclass
class Resume:
    """What a resumed crawl starts from (see :meth:`Frontier.load`)."""

    seen: set[str]  # every URL the crawl knows (frontier rows and URLs it captured or failed)
    todo: list[Task]  # still to fetch
    captured: list[Task]  # captured (the WARC says so) but not marked done: links to rediscover
    failed: list[str]  # a fetch error recorded, no capture, not marked failed (marked now)


class Frontier:
    def __init__(self, db: "sqlite_utils.Database", source: str, crawl_id: str) -> None:
        self.db = db
        self.source = source
        self.crawl_id = crawl_id
        self._new: list[tuple[str, str, str, int, str, str | None, str]] = []
        self._state: list[tuple[str, str, str]] = []

    def load(self, expand: Callable[[str], bool] | None = None) -> Resume:
        """The crawl's state from the frontier rows, corrected by what the index holds (after
        recovery indexed the WARCs of a killed run). ``expand(url)`` tells whether a captured URL
        missing from the frontier is in scope (its links followed); default: yes. Rows for such
        URLs and the state changes are buffered here (written with the next batch)."""
        conn = self.db.conn
        seen: set[str] = set()
        queued: list[Task] = []
        for url, depth, state, via, kind in conn.execute(
                "SELECT url, depth, state, via, kind FROM frontier WHERE crawl_id = ? ORDER BY rowid",
                (self.crawl_id,)):
            seen.add(url)
            if state in ("queued", "fetching"):
                k, expand_it, guard = decode_kind(kind)
                queued.append(Task(url=url, depth=depth, kind=k, via=via, expand=expand_it, guard=guard))
        captured_rows: dict[str, tuple[int | None, str | None]] = {}
        for url, depth, via in crawl_urls(self.db, self.crawl_id):
            captured_rows.setdefault(url, (depth, via))
        failed_urls = failed_urls_of(self.db, self.crawl_id) - set(captured_rows)
        todo = [t for t in queued if t.url not in captured_rows and t.url not in failed_urls]
        done_not_marked = [t for t in queued if t.url in captured_rows]
        failed = [t.url for t in queued if t.url in failed_urls]
        for url, (depth, via) in captured_rows.items():
            if url in seen or urlsplit(url).path == "/robots.txt":  # robots.txt is read by the engine
                continue
            in_scope = expand(url) if expand is not None else True
            task = Task(url=url, depth=depth or 0, kind="page" if in_scope else "original", via=via,
                        expand=in_scope)
            self.add(task)
            seen.add(url)
            done_not_marked.append(task)
        for url in sorted(failed_urls - seen):
            self._new.append((self.source, self.crawl_id, url, 0, "failed", None, "page"))
            seen.add(url)
        for url in failed:
            self.mark(url, "failed")
        return Resume(seen, todo, done_not_marked, failed)

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
    from ..index.captures import insert_captures
    from ..index.fetch_errors import insert_fetch_errors

    with db.conn:
        insert_captures(db, captures, commit=False)
        insert_fetch_errors(db, failures, commit=False)
        frontier.write()
