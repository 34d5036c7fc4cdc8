"""WARC 1.1 writing, reading, recovery and re-indexing (warcio underneath).

Interface (the fetch stage and the query stage code against exactly this):

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
  ``PreviousCapture.from_capture(capture)`` from the URL's last ``captures`` row.
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
  way and store the spans in ``warc_damage``; recovery does not).
  ``records.dechunk(body)`` removes kept chunked framing (ValueError naming the fault).
- ``recovery.recover_open_files(warcs_dir) -> list[RecoveredFile]`` cuts ``.open`` files back to
  their last complete record (the cut bytes kept in ``….cut``) and renames them;
  ``reindex.reindex(data_dir) -> ReindexStats`` rebuilds ``captures``, ``fetch_errors`` and
  ``crawls`` from the WARCs (``ReindexStats.problems`` / ``.breaks`` name file and offset);
  ``reindex.index_new_files(data_dir)`` indexes only files not yet in ``warc_files``
  (``INSERT OR IGNORE``). ``archive reindex [FILES]`` and ``archive recover`` wrap them.
"""
