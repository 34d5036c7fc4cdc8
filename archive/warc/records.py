"""Small shared pieces of the WARC stage: record ids, digests, header lookup, our record markers."""
from __future__ import annotations

import base64
import hashlib
import re

# Our metadata records carry a JSON body whose MARKER key names what they are.
MARKER = "syndication-archive"
FETCH_ERROR = "fetch-error"
CRAWL_END = "crawl-end"
JSON_METADATA = "WARC-JSON-Metadata"  # on response/revisit records: {"depth": N, "via": URL}
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
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


def _decode_digest(enc: str, size: int) -> bytes | None:
    for decode in (lambda s: base64.b32decode(s.upper()), bytes.fromhex,
                   lambda s: base64.b64decode(s, validate=True)):
        try:
            raw = decode(enc)
        except (ValueError, TypeError):
            continue
        if len(raw) == size:
            return raw
    return None


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


def mime_of(content_type: str | None) -> str | None:
    """The media type without parameters, lower-cased; None when absent or empty."""
    if not content_type:
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime or None
