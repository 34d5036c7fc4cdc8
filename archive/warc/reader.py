"""Reading WARC files: one record at an offset, or every record of a file, with completeness checks.

Works on our own files and other tools' (wget, wpull, pywb, Heritrix …): per-record gzip,
whole-file gzip and uncompressed WARCs. The parser is our own (warcio's iterator may stop
silently, raise ``AttributeError`` or yield a cut record as if complete): every record's block is
read to its ``Content-Length`` and must be followed by ``CRLF CRLF``, and every gzip member must
end cleanly (deflate end, CRC, length). Everything good before a break is yielded; the break is
reported as a :class:`~archive.errors.WarcError` naming the file and the offset.

Resynchronising (``resync=True``, what ``archive reindex`` and ``archive import`` use): after a
break the reader scans forward for the next record that reads cleanly — in a gzip file the next
gzip member (``1f 8b 08``) whose text starts ``WARC/1.0``/``WARC/1.1``, in an uncompressed file
the next line starting so — and goes on from there, so good records after a damaged one are
kept with their true file offsets. The bytes skipped are one :class:`DamagedSpan` (file, offset,
length, reason). A file cut at the end has no record after its break: the span runs to the end,
and the break reads as without ``resync``. Without ``resync`` (recovery of ``.open`` files, whose
rule is "cut back to the last complete record") reading stops at the first break.

Offsets: in per-record gzip and uncompressed files, ``offset``/``length`` are file positions
(``seekable``); records inside a whole-file gzip member get offsets in the *decompressed* stream
(``seekable`` False), which :func:`read_record` also accepts (it then decompresses from the start).

The reading is split by idea: :mod:`.parse` (one record's head, a record at an offset),
:mod:`.framing` (one complete record after another, with its checks and digests),
:mod:`.resync` (damaged spans, the next good record), :mod:`.iterate` (every record of a file)
and :mod:`.rows` (records as ``captures``/``fetch_errors`` rows). This module is their public
face:

- ``read_record(path, offset) -> WarcRecordView`` (a context manager; headers parsed, payload
  streamed on demand with ``iter_payload()`` / ``read_payload()``);
- ``read_payload(path, offset) -> bytes``: the HTTP entity body as recorded (content-encoding kept;
  empty for a revisit, whose payload lives in the record it refers to);
- ``iter_records(path)`` and ``WarcReader(path).captures()`` / ``iter_captures(path)`` yielding
  ``Capture`` rows (response/revisit) and ``FetchFailure`` rows (our fetch-error metadata).
"""
from __future__ import annotations

from .framing import RecordInfo
from .iterate import iter_records
from .parse import WarcRecordView, read_payload, read_record
from .records import sha1_digest
from .resync import DamagedSpan
from .rows import WarcReader, is_record_problem, iter_captures, view_id_match

__all__ = ["WarcRecordView", "RecordInfo", "DamagedSpan", "WarcReader", "read_record", "read_payload",
           "iter_records", "iter_captures", "is_record_problem", "view_id_match", "sha1_digest"]
