"""WARC 1.1 writing, reading, recovery and re-indexing (warcio underneath).

Interface (the fetch stage and the query stage code against exactly this):

- ``writer.WarcWriter(warcs_dir, prefix, *, source, crawl_id, max_size=1_000_000_000,
  gzip_level=6, info=None)``: files ``PREFIX-YYYYMMDDhhmmssffffff-SERIAL-HOST.warc.gz.open``,
  renamed without ``.open`` when closed, rotated at ``max_size``; ``warcinfo`` first in each file
  (with ``source`` and ``crawl_id``).
  ``write_exchange(ex: Exchange, previous: PreviousCapture | None) -> Capture`` writes a
  ``response`` (or a ``revisit`` when the payload digest equals ``previous.payload_digest``) and
  its ``request`` (``WARC-Concurrent-To``), flushes, and returns the index row.
  ``write_failure(f: FetchFailure) -> None`` writes a ``metadata`` record for a URL that gave
  no capture; ``close()``.
- ``reader.iter_captures(path) -> Iterator[Capture | FetchFailure]`` and
  ``reader.read_record(path, offset)`` (headers + payload stream), with completeness checks.
- ``recovery.recover_open_files(warcs_dir) -> list[Path]`` cuts ``.open`` files back to their
  last complete record and renames them; ``reindex.reindex(data_dir)`` rebuilds the index.
"""
