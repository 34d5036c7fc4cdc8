"""A WARC record read by hand (zlib and the header lines), not by warcio nor the archive's reader."""
from __future__ import annotations

import zlib
from pathlib import Path


def record_block(path: Path, offset: int) -> bytes:
    """The block of a per-record-gzip WARC record (HTTP head + payload), read by hand: an
    independent reader to check the archive's own against."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(fh.read())
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([ln.split(b":", 1)[1] for ln in head.split(b"\r\n")
                  if ln.lower().startswith(b"content-length:")][0])
    return rest[:length]
