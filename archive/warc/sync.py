"""Moving closed WARC files between ``DATA/warcs`` and the shared store (:mod:`.store`).

- :func:`publish_pending` publishes every closed local WARC the store lacks (a failed upload is
  reported, the local file stays, the next call retries); :class:`BackgroundPublisher` does it
  every minute while a crawl runs (files its writers rotated out);
- :func:`pull_new` copies into ``DATA/warcs`` each stored WARC that the local index has not read
  (by name and size; the copy is checked against the publisher's digest), so ``archive reindex
  --from URL`` (:func:`archive.index.rebuild.index_from_store`) indexes every capture once and
  ``archive replay`` reads them like local files.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from ..errors import ArchiveError, WarcError
from .files import closed_warc_files
from .store import StoredWarc, WarcStore, digest_file

__all__ = ["PublishResult", "PullResult", "local_warcs", "publish_pending", "BackgroundPublisher", "pull_new"]


@dataclass
class PublishResult:
    """What :func:`publish_pending` did; ``failed`` holds (file name, error) and the files stay local."""

    published: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes: int = 0

    def failure(self, store_url: str, data_dir: Path) -> WarcError | None:
        """The error that ends a run whose publishing failed (None when nothing failed): how
        many files, where they stay, how to retry, and the first file's error."""
        if not self.failed:
            return None
        name, error = self.failed[0]
        return WarcError(store_url, None, f"{len(self.failed)} WARC file(s) not published, kept in "
                         f"{Path(data_dir) / 'warcs'} for the next run or 'archive warc-publish' "
                         f"(first: {name}: {error})")


@dataclass
class PullResult:
    """What :func:`pull_new` did; ``conflicts`` are stored files whose name a different local file has."""

    listed: int = 0
    fetched: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # same file already in DATA/warcs, not yet indexed
    known: int = 0  # already in the index (name and size)
    conflicts: list[str] = field(default_factory=list)
    bytes: int = 0


def local_warcs(data_dir: Path, prefix: str | None = None) -> list[Path]:
    """Closed WARC files in ``DATA/warcs`` (optionally only those named ``PREFIX-…``)."""
    files = closed_warc_files(Path(data_dir) / "warcs")
    if prefix:
        files = [p for p in files if p.name.startswith(prefix + "-")]
    return files


def publish_pending(data_dir: Path, store: WarcStore, *, prefix: str | None = None) -> PublishResult:
    """Publish every closed WARC of ``DATA/warcs`` (or of ``prefix``) that the store lacks.

    Nothing is raised for one file: failures land in ``result.failed`` and the local files stay;
    the next call tries them again. A store that cannot even be listed fails every file."""
    result = PublishResult()
    files = local_warcs(data_dir, prefix)
    if not files:
        return result
    try:
        stored = {w.name: w.size for w in store.list()}
    except ArchiveError as exc:
        result.failed = [(p.name, str(exc)) for p in files]
        return result
    for path in files:
        size = path.stat().st_size
        if stored.get(path.name) == size:
            result.already.append(path.name)
            continue
        try:
            store.publish(path)
        except ArchiveError as exc:
            result.failed.append((path.name, str(exc)))
            continue
        result.published.append(path.name)
        result.bytes += size
    return result


class BackgroundPublisher:
    """While a crawl runs, publish its closed WARCs (``PREFIX-…`` files a writer rotated out at
    ``warc_max_size``) every ``interval`` seconds, so they reach the store before the crawl ends.

    A context manager around the crawl; it never raises: failed attempts are kept in ``errors``
    and the files stay local for the final :func:`publish_pending` after the crawl."""

    def __init__(self, data_dir: Path, store: WarcStore, prefix: str, interval: float = 60.0) -> None:
        self.data_dir = Path(data_dir)
        self.store = store
        self.prefix = prefix
        self.interval = interval
        self.published: list[str] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"publish-{prefix}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                result = publish_pending(self.data_dir, self.store, prefix=self.prefix)
            except Exception as exc:  # noqa: BLE001 - a background helper: the final pass reports
                self.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            self.published += result.published
            self.errors += [f"{name}: {error}" for name, error in result.failed]

    def __enter__(self) -> "BackgroundPublisher":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def pull_new(data_dir: Path, store: WarcStore, known: Mapping[str, int], *,
             stored: list[StoredWarc] | None = None,
             progress: Callable[[str, int, int], None] | None = None,
             on_file: Callable[[StoredWarc, str], None] | None = None) -> PullResult:
    """Copy into ``DATA/warcs`` each stored WARC (``stored``, default: the store's listing)
    whose name and size are not in ``known`` (the index's), checked against the publisher's
    digest. A local file of the same name that differs is left alone and reported in
    ``conflicts``. ``on_file(stored_warc, sha256)`` follows each file now in place."""
    warcs = Path(data_dir) / "warcs"
    result = PullResult()
    stored = store.list() if stored is None else stored
    result.listed = len(stored)
    todo = [w for w in stored if known.get(w.name) != w.size]
    result.known = len(stored) - len(todo)
    for i, w in enumerate(todo):
        local = warcs / w.name
        if local.exists():
            digest = digest_file(local)
            published = store.digest(w.name)
            if local.stat().st_size != w.size or (published is not None and published != digest):
                result.conflicts.append(f"{w.url}: a different local file {local} has its name; not replaced")
                continue
            result.present.append(w.name)
        else:
            _, digest = store.fetch(w.name, warcs, size=w.size)
            result.fetched.append(w.name)
            result.bytes += w.size
        if on_file is not None:
            on_file(w, digest)
        if progress:
            progress(w.name, i + 1, len(todo))
    return result
