"""HTTP content decoding: undo a ``Content-Encoding``, streamed or whole, never past a size limit.

The archive keeps every body as it crossed the wire (content-encoding kept byte for byte), so
each reader that needs what a browser would see decodes it here: link discovery while crawling
(``archive/fetch/discover.py``), robots.txt, extraction (``archive/extract/decode.py``) and
replay's decoded view (``archive/replay.py``). One set of codings for all of them:

- ``gzip`` / ``x-gzip``, several members in a row too (RFC 1952); NUL padding and bytes that do
  not start another member after the last one are ignored, as browsers do;
- ``deflate``: zlib-wrapped as RFC 9110 says, or raw as some servers send it, told apart by
  the zlib header check;
- ``br`` through the ``brotli`` package when it is installed (httpx advertises ``br`` as soon as
  it is, so servers do send it);
- ``identity`` (and ``none``): nothing to undo.

Stacked codings are undone right to left. Output stops at ``limit`` bytes (a gzip bomb costs at
most that much memory) with :class:`ContentDecodeError` of kind ``too-large``; the limit is the
caller's: 20 MB for discovery and extraction, 256 MB for replay, 500 KB for robots.txt. A stream
cut before its end gives what decoded so far (a body truncated by the crawl's size limit is still
read); :attr:`Decoder.finished` tells whether every coding reached its end.

Callers word the errors for their users (:attr:`ContentDecodeError.kind` says what went wrong).
"""
from __future__ import annotations

import zlib
from typing import Iterable, Iterator, Literal

__all__ = ["ContentDecodeError", "Decoder", "codings_of", "decode_bytes", "SUPPORTED"]

ErrorKind = Literal["unsupported", "no-decoder", "corrupt", "too-large"]
SUPPORTED = ("gzip", "x-gzip", "deflate", "br", "identity")
_STEP = 64 * 1024  # decoded bytes produced per step: memory stays bounded whatever the ratio
_GZIP_MAGIC = b"\x1f\x8b"


class ContentDecodeError(ValueError):
    """A body that cannot be decoded: ``kind`` is ``unsupported`` (a coding this module does not
    know), ``no-decoder`` (``br`` without the brotli package), ``corrupt`` or ``too-large``."""

    def __init__(self, kind: ErrorKind, coding: str, detail: str = "", limit: int | None = None) -> None:
        self.kind = kind
        self.coding = coding
        self.detail = detail
        self.limit = limit
        super().__init__(_describe(kind, coding, detail, limit))


def _describe(kind: ErrorKind, coding: str, detail: str, limit: int | None) -> str:
    if kind == "too-large":
        return f"decoded body exceeds {limit} bytes"
    if kind == "unsupported":
        return f"unsupported content-encoding {coding!r}"
    if kind == "no-decoder":
        return f"content-encoding {coding} needs a decoder that is not installed"
    return f"corrupt {coding} body ({detail})"


def codings_of(content_encoding: str | None) -> list[str]:
    """The codings of a ``Content-Encoding`` value in the order they were applied, lower-cased,
    ``identity``/``none`` left out."""
    return [c for c in (p.strip().lower() for p in (content_encoding or "").split(","))
            if c and c not in ("identity", "none")]


class Decoder:
    """The decoding of one body: :meth:`stream` yields it in pieces; afterwards :attr:`finished`
    is False when a coding's stream ended before its end (a cut body)."""

    def __init__(self, content_encoding: str | None, *, limit: int) -> None:
        self.codings = codings_of(content_encoding)
        for coding in self.codings:
            if coding not in SUPPORTED:
                raise ContentDecodeError("unsupported", coding)
        self.limit = limit
        self.finished = True

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The decoded body, in pieces of at most 64 KB; :class:`ContentDecodeError` when it is
        corrupt or grows beyond the limit."""
        stream: Iterable[bytes] = chunks
        for coding in reversed(self.codings):
            stream = self._layer(stream, coding)
        total = 0
        for piece in stream:
            total += len(piece)
            if total > self.limit:
                raise ContentDecodeError("too-large", self.codings[0] if self.codings else "identity",
                                         limit=self.limit)
            if piece:
                yield piece

    def _layer(self, chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
        if coding in ("gzip", "x-gzip"):
            return self._zlib(chunks, zlib.MAX_WBITS | 16, coding)
        if coding == "deflate":
            return self._deflate(chunks)
        return self._brotli(chunks)

    def _zlib(self, chunks: Iterable[bytes], wbits: int, coding: str) -> Iterator[bytes]:
        gz = coding != "deflate"
        d = zlib.decompressobj(wbits)
        try:
            for chunk in chunks:
                while chunk:
                    if d.eof:  # between gzip members: padding, another member, or the end
                        chunk = chunk.lstrip(b"\0") if gz else b""
                        if not chunk:
                            break
                        if chunk[0] != _GZIP_MAGIC[0]:
                            return  # bytes after the last member that start no other: ignored
                        d = zlib.decompressobj(wbits)
                    out = d.decompress(chunk, _STEP)
                    if out:
                        yield out
                    chunk = d.unused_data if d.eof else d.unconsumed_tail
            if not d.eof:
                tail = d.flush()
                if tail:
                    yield tail
                if not d.eof:
                    self.finished = False
        except zlib.error as exc:
            raise ContentDecodeError("corrupt", coding, str(exc)) from None

    def _deflate(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        it = iter(chunks)
        first = b""
        for chunk in it:
            first += chunk
            if len(first) >= 2:
                break
        zlib_wrapped = len(first) >= 2 and (first[0] * 256 + first[1]) % 31 == 0 and first[0] & 0x0F == 8

        def again() -> Iterator[bytes]:
            if first:
                yield first
            yield from it

        return self._zlib(again(), zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS, "deflate")

    def _brotli(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            import brotli  # type: ignore[import-not-found]
        except ImportError:
            raise ContentDecodeError("no-decoder", "br") from None
        d = brotli.Decompressor()
        try:
            for chunk in chunks:
                out = d.process(chunk, output_buffer_limit=_STEP)
                while out:  # drained with empty input: output beyond the step waits inside
                    yield out
                    out = b"" if d.is_finished() else d.process(b"", output_buffer_limit=_STEP)
            if not d.is_finished():
                self.finished = False
        except brotli.error as exc:
            raise ContentDecodeError("corrupt", "br", str(exc)) from None


def decode_bytes(body: bytes, content_encoding: str | None, *, limit: int) -> bytes:
    """The whole decoded body (see :class:`Decoder`); a body with nothing to undo is returned as
    it is, unless it is itself larger than ``limit``."""
    decoder = Decoder(content_encoding, limit=limit)
    if not decoder.codings:
        if len(body) > limit:
            raise ContentDecodeError("too-large", "identity", limit=limit)
        return body
    return b"".join(decoder.stream((body,)))
