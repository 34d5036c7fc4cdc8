"""What an earlier capture answered, read back from its WARC record: the crawl's view of its own
archive (a 304's links are those of the payload it confirmed; a resumed crawl reads the links of
pages captured before a kill).

One reading path: the WARC stage's reader (:func:`archive.warc.reader.read_record`), and one
revisit resolver (:func:`archive.index.captures.revisit_original`), the same as replay's.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, WarcError
from ..model import Capture
from ..urls import canonicalize
from .tasks import Result, Task

if TYPE_CHECKING:
    from ..index.captures import Db

__all__ = ["StoredResponse", "stored_response", "links_of"]

log = logging.getLogger("archive.fetch")


@dataclass
class StoredResponse:
    """A capture's own status and headers, with the payload it stands for (a revisit's is its
    original's, with the original's content-encoding)."""

    status: int
    content_type: str | None
    content_encoding: str | None
    location: str | None
    payload: bytes


def stored_response(db: "Db | None", warcs_dir: Path, capture: Capture) -> StoredResponse | None:
    """The stored answer of ``capture``; None when its record has no HTTP response head, a
    revisit's original is not in the index (or ``db`` is None), or a record cannot be read
    (logged)."""
    from ..index.captures import revisit_original
    from ..warc.reader import read_record

    original = capture
    if capture.record_type == "revisit":
        found = revisit_original(db, capture) if db is not None else None
        if found is None:
            return None
        original = found
    try:
        with read_record(warcs_dir / capture.warc_file, capture.warc_offset) as own:
            if own.http_status is None:
                return None
            status, ctype, location = own.http_status, own.http_header("Content-Type"), own.http_header("Location")
            if original is capture:
                return StoredResponse(status, ctype, own.http_header("Content-Encoding"), location,
                                      own.read_payload())
        with read_record(warcs_dir / original.warc_file, original.warc_offset) as view:
            return StoredResponse(status, ctype or view.http_header("Content-Type"),
                                  view.http_header("Content-Encoding"), location, view.read_payload())
    except (OSError, WarcError) as exc:
        log.warning("%s: stored payload unreadable (%s)", capture.url, exc)
        return None


def links_of(stored: StoredResponse, task: Task, *, requisites: bool, link_text: str | None) -> Result:
    """The result a fetch of ``task`` would have had from what ``stored`` says: its redirect, or
    the links of its payload (pages that are expanded, and the requisites of an original or a
    stylesheet). Raises :class:`~archive.content.ContentDecodeError` on a body that does not decode."""
    from .discover import discover

    res = Result(task, status=stored.status)
    if 300 <= stored.status < 400 and stored.location:
        res.redirect = canonicalize(urljoin(task.url, stored.location))
    elif (200 <= stored.status < 300 or stored.status == 304) and (
            task.expand or (task.kind in ("requisite", "original") and requisites)):
        for link in discover(stored.payload, task.url, stored.content_type, stored.content_encoding,
                             requisites=requisites, link_text=link_text):
            try:
                res.links.append((canonicalize(link.url), link.kind))
            except InputError:
                continue
    return res
