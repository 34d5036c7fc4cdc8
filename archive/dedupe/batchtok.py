"""Tokens of many texts at once: word hashes, units and normalised-text hashes, vectorised.

The same tokens as :func:`.normalize.tokens` (lower-cased ``\\w+``, NFKC first) and the same
units as the sketch used (lines; a line of more than ``long_words`` words split at sentence
ends, ``normalize._SENTENCE_END``), but computed over one byte buffer per batch with numpy
instead of a regex and a dictionary lookup per word — those were two thirds of the sketching
and verification time.

ASCII texts (the usual case) go into the buffer as they are and are classified byte by byte.
A text with other characters is first reduced in Python to its normal form — one unit a line,
tokens separated by single spaces — and then hashed by the same code, so a word hashes the same
whichever way its text came. Word hash: the word's length and its UTF-8 bytes in 8-byte blocks,
chained through the splitmix64 finaliser (``WORD_HASH``, persisted with the keys).
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .normalize import _SENTENCE_END, _WORD
from .shingles import mix

if TYPE_CHECKING:
    import numpy as np

WORD_HASH = "blocks8-utf8-splitmix64-v2"
_LEN_SALT = 0x9E3779B97F4A7C15
_WS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_OPENERS = b"\"'(["
_ENDS = b".!?"
_TABLES: dict[str, "np.ndarray"] = {}


def _tables() -> dict[str, "np.ndarray"]:
    import numpy as np

    if not _TABLES:
        def table(chars: bytes) -> "np.ndarray":
            t = np.zeros(256, dtype=bool)
            t[list(chars)] = True
            return t

        word = bytes(range(48, 58)) + bytes(range(65, 91)) + bytes(range(97, 123)) + b"_"
        _TABLES["word"] = table(word)
        _TABLES["token"] = ~table(b" \n")          # normal-form texts: anything but separators
        _TABLES["ws"] = table(_WS)
        _TABLES["open"] = table(_OPENERS)
        _TABLES["end"] = table(_ENDS)
        _TABLES["upper"] = table(bytes(range(65, 91)) + bytes(range(48, 58)))
        lower = np.arange(256, dtype=np.uint8)
        lower[65:91] += 32
        _TABLES["lower"] = lower
    return _TABLES


_BYTES: dict[str, bytes] = {}


def _byte_tables() -> dict[str, bytes]:
    """bytes.translate tables (C speed): lower-case, and 0/1 word-byte classes."""
    if not _BYTES:
        t = _tables()
        _BYTES["lower"] = t["lower"].tobytes()
        _BYTES["word"] = t["word"].astype("u1").tobytes()
        _BYTES["token"] = t["token"].astype("u1").tobytes()
    return _BYTES


@dataclass
class Tokens:
    words: "np.ndarray"        # uint64 word hashes of every text, concatenated
    offsets: "np.ndarray"      # int64 (n + 1): text d's words are words[offsets[d]:offsets[d + 1]]
    unit_starts: "np.ndarray"  # int64 global word index where each unit starts (ascending)
    norm_hashes: list[str]     # normalize.norm_hash of each text's tokens

    @property
    def counts(self) -> "np.ndarray":
        import numpy as np

        return np.diff(self.offsets)


def normal_form(text: str, long_words: int = 60) -> str:
    """A text reduced to its tokens: one unit a line, tokens separated by single spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for line in text.split("\n"):
        lt = _WORD.findall(line.lower())
        if not lt:
            continue
        if len(lt) > long_words:
            for sent in _SENTENCE_END.split(line):
                st = _WORD.findall(sent.lower())
                if st:
                    out.append(" ".join(st))
        else:
            out.append(" ".join(lt))
    return "\n".join(out)


def _word_hashes(low: "np.ndarray", st: "np.ndarray", wl: "np.ndarray") -> "np.ndarray":
    """Hash of each word (starting at ``st``, ``wl`` bytes long, in the lower-cased buffer): its
    length, then each 8-byte block (little-endian, zero-padded), chained through splitmix64.
    One gather of 8 bytes per block, not arithmetic per byte."""
    import numpy as np
    from numpy.lib.stride_tricks import as_strided

    padded = np.concatenate((low, np.zeros(8, dtype=np.uint8)))
    blocks = as_strided(padded, shape=(len(low) + 1, 8), strides=(1, 1))  # 8 bytes from each byte
    with np.errstate(over="ignore"):
        h = wl.astype(np.uint64) * np.uint64(_LEN_SALT)
    idx = np.arange(len(st))
    off = 0
    while len(idx):
        blk = blocks[st[idx] + off].view("<u8").ravel()
        bits = np.minimum(wl[idx] - off, 8).astype(np.uint64) * np.uint64(8)
        mask = np.where(bits >= 64, np.uint64(0xFFFFFFFFFFFFFFFF),
                        (np.uint64(1) << (bits % np.uint64(64))) - np.uint64(1))
        h[idx] = mix(h[idx] ^ (blk & mask))
        off += 8
        idx = idx[wl[idx] > off]
    return h


def tokenize(texts: Sequence[str], long_words: int = 60, *, force_normal: bool = False,
             chunk_bytes: int = 2_000_000) -> Tokens:
    """Tokens of a batch (see module doc), in slices of about ``chunk_bytes`` of text (bounded
    memory). ``force_normal`` sends every text through the Python normal form (tests compare
    both paths)."""
    import numpy as np

    parts: list[Tokens] = []
    start = size = 0
    for d, text in enumerate(texts):
        size += len(text or "")
        if size >= chunk_bytes:
            parts.append(_tokenize(texts[start:d + 1], long_words, force_normal))
            start, size = d + 1, 0
    if start < len(texts) or not parts:
        parts.append(_tokenize(texts[start:], long_words, force_normal))
    if len(parts) == 1:
        return parts[0]
    shift = np.cumsum([0] + [len(t.words) for t in parts[:-1]])
    offsets = np.concatenate([parts[0].offsets[:1]] + [t.offsets[1:] + s for t, s in zip(parts, shift)])
    return Tokens(np.concatenate([t.words for t in parts]), offsets,
                  np.concatenate([t.unit_starts + s for t, s in zip(parts, shift)]),
                  [h for t in parts for h in t.norm_hashes])


def _tokenize(texts: Sequence[str], long_words: int, force_normal: bool) -> Tokens:
    import numpy as np

    t = _tables()
    parts: list[bytes] = []
    normal = np.zeros(len(texts), dtype=bool)
    for d, text in enumerate(texts):
        text = text or ""
        if text.isascii() and not force_normal:
            parts.append(text.encode("ascii"))
        else:
            normal[d] = True
            parts.append(normal_form(text, long_words).encode("utf-8", "surrogatepass"))
    n = len(parts)
    lengths = np.fromiter((len(b) + 1 for b in parts), dtype=np.int64, count=n)
    doc_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_start[1:])
    tb = _byte_tables()
    raw = b"\n".join(parts) + b"\n"
    a = np.frombuffer(raw, dtype=np.uint8)
    low = np.frombuffer(raw.translate(tb["lower"]), dtype=np.uint8)
    if normal.any():
        classes = b"".join(part.translate(tb["token"] if nm else tb["word"]) + b"\0"
                           for part, nm in zip(parts, normal.tolist()))
    else:
        classes = raw.translate(tb["word"])
    isw = np.frombuffer(classes, dtype=bool)
    prev = np.concatenate(([False], isw[:-1]))
    nxt = np.concatenate((isw[1:], [False]))
    st = np.flatnonzero(isw & ~prev)
    en = np.flatnonzero(isw & ~nxt) + 1
    del prev, nxt
    wl = en - st
    doc_of = np.searchsorted(doc_start, st, "right") - 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc_of, minlength=n), out=offsets[1:])

    words = _word_hashes(low, st, wl)

    # units: a word starts one when it opens a line, or a sentence inside a long line
    # (normalize._SENTENCE_END: [.!?], whitespace, an optional opener, then [A-Z0-9])
    line = np.searchsorted(np.flatnonzero(a == 10), st)
    first = np.ones(len(st), dtype=bool)
    first[1:] = line[1:] != line[:-1]
    line_id = np.cumsum(first) - 1
    cand = np.flatnonzero((np.bincount(line_id)[line_id] > long_words) & ~first)
    if len(cand):
        s = st[cand]
        ok = t["upper"][a[s]]
        q = s - 1 - t["open"][a[s - 1]]
        ok &= t["ws"][a[q]]
        floor = en[cand - 1]          # the previous word ends here: the gap starts
        active = ok.copy()
        while active.any():           # back over the whitespace run (usually one space)
            q[active] -= 1
            active &= (q >= floor) & t["ws"][a[q]]
        ok &= (q >= floor) & t["end"][a[q]]
        first[cand[ok]] = True
    unit_starts = np.flatnonzero(first)

    # normalised-text hashes: each text's words joined by single spaces
    gap = en[:-1][doc_of[1:] == doc_of[:-1]]  # one space after every word but a text's last
    keep = isw.copy()
    keep[gap] = True
    joined = low.copy()
    joined[gap] = 32
    buf = joined[keep].tobytes()
    per_doc = np.bincount(doc_of, weights=wl, minlength=n).astype(np.int64)
    per_doc += np.maximum(np.diff(offsets) - 1, 0)
    bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_doc, out=bounds[1:])
    norm = [hashlib.blake2b(buf[bounds[d]:bounds[d + 1]], digest_size=16).hexdigest() for d in range(n)]
    return Tokens(words, offsets, unit_starts, norm)


def shingle_sets_and_openings(texts: Sequence[str], k: int, windows: Sequence[int]
                              ) -> tuple[list["np.ndarray"], list[list["np.ndarray"]]]:
    """:func:`shingle_sets` of each text, and for each window ``w`` of ``windows`` the sorted
    unique shingles of its first ``w`` words (all of a shorter text's), from one tokenising pass."""
    import numpy as np

    from .shingles import roll

    tk = tokenize(texts)
    r = roll(tk.words, k) if len(tk.words) >= k else np.empty(0, dtype=np.uint64)
    sets: list[np.ndarray] = []
    openings: list[list[np.ndarray]] = []
    for d in range(len(texts)):
        a, b = int(tk.offsets[d]), int(tk.offsets[d + 1])
        if b - a >= k:
            sets.append(np.unique(r[a:b - k + 1]))
            openings.append([np.unique(r[a:a + max(1, min(b - a, w) - k + 1)]) for w in windows])
        else:
            sets.append(roll(tk.words[a:b], k) if b > a else np.empty(0, dtype=np.uint64))
            openings.append([sets[-1] for _ in windows])
    return sets, openings


def shingle_sets(texts: Sequence[str], k: int) -> list["np.ndarray"]:
    """Sorted unique hashes of each text's word ``k``-shingles (a text of fewer than ``k`` words
    has one shingle of all its words, none when empty), as :func:`.shingles.shingles` defines them
    over these word hashes."""
    import numpy as np

    from .shingles import roll

    tk = tokenize(texts)
    r = roll(tk.words, k) if len(tk.words) >= k else np.empty(0, dtype=np.uint64)
    out: list[np.ndarray] = []
    for d in range(len(texts)):
        a, b = int(tk.offsets[d]), int(tk.offsets[d + 1])
        if b - a >= k:
            out.append(np.unique(r[a:b - k + 1]))
        elif b > a:
            out.append(roll(tk.words[a:b], k))
        else:
            out.append(np.empty(0, dtype=np.uint64))
    return out
