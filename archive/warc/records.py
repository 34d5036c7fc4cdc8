"""Small shared pieces of the WARC stage: record ids, digests, header lookup, our record markers."""
from __future__ import annotations

import base64
import hashlib
import re

from ..model import find_header as header

# Our metadata records carry a JSON body whose MARKER key names what they are.
MARKER = "syndication-archive"
FETCH_ERROR = "fetch-error"
CRAWL_END = "crawl-end"
JSON_METADATA = "WARC-JSON-Metadata"  # on response/revisit records: {"depth": N, "via": URL}
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
ORIG_PREFIX = "X-Archive-Orig-"

_UUID_ID = re.compile(r"^<?urn:uuid:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})>?$")


def capture_id(record_id: str) -> str:
    """``Capture.id`` from a WARC-Record-ID: the UUID of ``<urn:uuid:UUID>`` (lower-cased);
    for foreign ids that are not such a UUID, the id with its angle brackets stripped."""
    rid = record_id.strip()
    m = _UUID_ID.match(rid)
    if m:
        return m.group(1).lower()
    if rid.startswith("<") and rid.endswith(">"):
        rid = rid[1:-1]
    return rid


def sha1_digest(data: bytes) -> str:
    """``sha1:BASE32`` as warcio and most crawlers write WARC digests."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


class DigestChecker:
    """Incremental check of a ``WARC-*-Digest`` value (``algo:base32`` or ``algo:hex``)."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.hasher = None
        self.expected: bytes | None = None
        if not value or ":" not in value:
            return
        algo, _, enc = value.strip().partition(":")
        algo = algo.lower().replace("-", "")
        try:
            hasher = hashlib.new(algo)
        except (ValueError, TypeError):
            return
        expected = _decode_digest(enc.strip(), hasher.digest_size)
        if expected is None:
            return
        self.hasher = hasher
        self.expected = expected

    @property
    def checkable(self) -> bool:
        return self.hasher is not None

    def update(self, data: bytes) -> None:
        if self.hasher is not None:
            self.hasher.update(data)

    def ok(self) -> bool | None:
        """True/False when the digest could be checked, None when it could not."""
        if self.hasher is None:
            return None
        return self.hasher.digest() == self.expected


_B32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")


def _fast_b32(enc: str) -> bytes:
    """Unpadded base32 (as WARC digests are written) through int(): much faster than base64's."""
    bits = len(enc) * 5
    if "=" in enc or bits % 8 or not enc:
        return base64.b32decode(enc.upper())
    return int(enc.upper().translate(_B32), 32).to_bytes(bits // 8, "big")


def _decode_digest(enc: str, size: int) -> bytes | None:
    for decode in (_fast_b32, bytes.fromhex,
                   lambda s: base64.b64decode(s, validate=True)):
        try:
            raw = decode(enc)
        except (ValueError, TypeError):
            continue
        if len(raw) == size:
            return raw
    return None


def mime_of(content_type: str | None) -> str | None:
    """The media type without parameters, lower-cased; None when absent or empty."""
    if not content_type:
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime or None


class ChunkChecker:
    """Incremental check of HTTP/1.1 chunked framing (for other tools' records that kept it).

    ``feed()`` the body as recorded; ``error`` names the first fault and the body byte where it
    is; ``data`` collects the de-chunked bytes when ``keep`` is set."""

    def __init__(self, keep: bool = False) -> None:
        self.pos = 0
        self.state = "size"  # size, data, crlf, trailer, done
        self.line = bytearray()
        self.left = 0
        self.error: str | None = None
        self.keep = keep
        self.data = bytearray()

    def _fail(self, message: str, at: int) -> None:
        if self.error is None:
            self.error = f"{message} at body byte {at}"

    def feed(self, buf: bytes) -> None:
        i, n = 0, len(buf)
        while i < n and self.error is None:
            if self.state == "data":
                take = min(self.left, n - i)
                if self.keep:
                    self.data += buf[i:i + take]
                self.left -= take
                i += take
                if self.left == 0:
                    self.state = "crlf"
                    self.line.clear()
                continue
            if self.state == "done":
                self._fail("bytes after the last chunk", self.pos + i)
                break
            j = buf.find(b"\n", i)
            end = n if j < 0 else j + 1
            self.line += buf[i:end]
            i = end
            if len(self.line) > 4096:
                self._fail("chunk size line too long", self.pos + i)
                break
            if j < 0:
                continue
            line = bytes(self.line).rstrip(b"\r\n")
            self.line.clear()
            if self.state == "crlf":
                if line:
                    self._fail("chunk data not followed by CRLF", self.pos + i)
                self.state = "size"
            elif self.state == "size":
                size_text = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                    if size < 0:
                        raise ValueError
                except ValueError:
                    self._fail(f"bad chunk size {size_text[:20]!r}", self.pos + i)
                    break
                if size == 0:
                    self.state = "trailer"
                else:
                    self.left = size
                    self.state = "data"
            elif self.state == "trailer":
                if not line:
                    self.state = "done"
        self.pos += n

    def finish(self) -> str | None:
        if self.error is None and self.state != "done":
            self._fail("chunked body ends before its last chunk", self.pos)
        return self.error


def dechunk(body: bytes) -> bytes:
    """The body without HTTP/1.1 chunked framing; ValueError naming the fault if it is broken."""
    checker = ChunkChecker(keep=True)
    checker.feed(body)
    err = checker.finish()
    if err:
        raise ValueError(err)
    return bytes(checker.data)
