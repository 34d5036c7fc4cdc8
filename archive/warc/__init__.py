"""The WARC stage: writing, reading, recovering and sharing WARC 1.1 files (warcio builds the
records). It owns the files under ``DATA/warcs`` and knows nothing of the index: rebuilding the
index from the files is :mod:`archive.index.rebuild`'s, which reads them through this package.

Interface (the fetch stage, the index and the query stage code against exactly this):

- ``writer.WarcWriter(warcs_dir, prefix, *, source, crawl_id, max_size=1_000_000_000,
  gzip_level=6, info=None, fsync=False)``: files ``PREFIX-YYYYMMDDhhmmssffffff-SERIAL-HOST.warc.gz``
  written as ``….open`` and renamed when closed, rotated at ``max_size``; ``warcinfo`` first in
  each file (with ``source`` and ``crawl-id``). Context manager; one writer per task.
  ``write_exchange(ex: Exchange, previous: PreviousCapture | None = None) -> Capture`` writes a
  ``response`` (or a ``revisit`` when the payload digest equals ``previous.payload_digest``, any
  status) and its ``request`` (``WARC-Concurrent-To``), flushes, and returns the index row.
  ``write_failure(f: FetchFailure) -> FetchFailure`` writes a ``metadata`` record for a URL that
  gave no capture and returns the row to index; ``write_crawl_end(stats: CrawlStats)`` records
  the ``crawls`` row; ``close()``. ``closed`` lists ``writer.ClosedFile(name, size, records,
  captures, failures)`` for every file it closed (the ``warc_files`` row a crawl registers once
  the file's captures are indexed; files never registered are read at the next crawl's start).
  ``writer.PreviousCapture(payload_digest, url, timestamp, record_id=None)``, or
  ``PreviousCapture.from_capture(capture)`` from the URL's last ``captures`` row. HTTP heads are
  recorded as received, the body de-chunked (``httphead``); which record an exchange becomes is
  ``revisit``'s.
- ``Capture.id`` is the UUID of the response/revisit ``WARC-Record-ID`` (``<urn:uuid:UUID>``);
  for foreign ids that are not UUIDs, the id with ``<>`` stripped (``records.capture_id``).
- ``reader.read_record(path, offset) -> WarcRecordView`` (context manager: ``warc_headers``,
  ``header()``, ``http_status``, ``http_headers``, ``http_header()``, ``http_head`` bytes,
  ``iter_payload()``, ``read_payload()``) and ``reader.read_payload(path, offset) -> bytes`` (the
  entity body as recorded, content-encoding kept; empty for a revisit).
  ``reader.WarcReader(path, name=None).captures()`` yields ``Capture | FetchFailure`` with
  completeness checks; its ``problems`` lists breaks and bad digests as ``WarcError`` (file +
  offset), ``warcinfo`` / ``crawl_ends`` what those records said. ``reader.iter_captures(path)``
  does the same and raises the break after yielding every good record. ``reader.is_record_problem``
  tells a bad record (digest mismatch, wrong chunking in another tool's record that kept chunked
  framing; still yielded) from a break (cut/corrupt file; reading stops there, or with
  ``resync=True`` resumes at the next gzip member / ``WARC/1.x`` line that reads as a whole record,
  the skipped bytes listed as ``DamagedSpan``s in ``.damaged`` — reindex and import read that
  way and store the spans in ``warc_damage``; recovery does not). ``reader`` is the public face
  of ``parse``, ``framing``, ``resync``, ``iterate`` and ``rows``.
  ``records.dechunk(body)`` removes kept chunked framing (ValueError naming the fault).
- ``recovery.recover_open_files(warcs_dir) -> list[RecoveredFile]`` cuts ``.open`` files back to
  their last complete record (the cut bytes kept in ``….cut``) and renames them;
  ``files.closed_warc_files(warcs_dir)`` lists the closed files. ``archive recover`` wraps recovery.
- ``store.WarcStore(url)`` / ``store.open_store(settings)``: a shared store at an fsspec URL;
  ``sync.publish_pending``, ``sync.BackgroundPublisher`` and ``sync.pull_new`` move closed files
  between ``DATA/warcs`` and it.
"""
from __future__ import annotations

__all__ = ["files", "framing", "httphead", "iterate", "parse", "reader", "records", "recovery", "resync",
           "revisit", "rows", "store", "stream", "sync", "writer"]
