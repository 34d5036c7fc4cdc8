"""Every complete record of a WARC file, in order; at a break, stop or resynchronise."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from ..errors import WarcError
from .framing import RecordInfo, _Cursor, _next_record, _record_start, _stream_at
from .parse import _is_gzip
from .resync import DamagedSpan, _reason, _resync

__all__ = ["iter_records"]


def iter_records(path: Path | str, problems: list[WarcError] | None = None, *,
                 resync: bool = False, damaged: list[DamagedSpan] | None = None) -> Iterator[RecordInfo]:
    """Every complete record of a WARC file, in order.

    At a break (cut record, cut or corrupt gzip member, bad framing), without ``resync``
    iteration stops there. With ``resync`` the reader looks for the next good record after the
    break (see :func:`_resync`) and goes on from it; the bytes skipped are one
    :class:`DamagedSpan` (appended to ``damaged`` when a list is given). A break is appended to
    ``problems`` when a list is given, raised otherwise — after every good record before it
    (and, with ``resync``, after it) was yielded. Digest mismatches are appended to ``problems``
    (or ignored when it is None) and the record is still yielded."""
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WarcError(str(path), None, f"cannot open ({exc.strerror or exc})") from None
    breaks: list[WarcError] = []
    with fh:
        gz = _is_gzip(fh)
        stream = _stream_at(fh, 0, gz)
        resumed = False
        while True:
            cur = _Cursor(_record_start(stream, gz))
            try:
                info = _next_record(stream, path, gz, problems, cur)
            except WarcError as exc:
                later: list[WarcError] | None = [] if problems is not None else None
                found = _resync(fh, path, gz, cur.start, later) if resync else None
                size = os.fstat(fh.fileno()).st_size
                end = found[0] if found is not None else size
                reason = _reason(exc)
                if damaged is not None:
                    damaged.append(DamagedSpan(str(path), cur.start, max(end - cur.start, 0), reason,
                                               end if found is not None else None))
                if found is None:
                    breaks.append(exc)
                    break
                breaks.append(WarcError(str(path), exc.offset,
                                        f"{reason}; {end - cur.start} damaged bytes skipped, reading resumed "
                                        f"at offset {end}"))
                breaks.extend(later or [])  # digest problems of the record found
                _, stream, info = found
                resumed = True
            if info is None:
                break
            if resumed and not info.seekable:
                breaks.append(WarcError(str(path), None,
                                        f"a {info.view.rec_type} record inside a gzip member after a "
                                        "damaged span cannot be addressed by offset: not read"))
                continue
            if problems is not None:
                problems.extend(breaks)
                breaks = []
            yield info
    if problems is not None:
        problems.extend(breaks)
    elif breaks:
        raise breaks[0]
