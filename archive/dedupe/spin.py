"""Reworded ("article spinner") copies: candidates from the entity skeleton, verified on several
signals, paired with ``method = 'spinner'``.

A spinner swaps ordinary words for synonyms, mostly one for one, and keeps names, numbers and
quotes: word shingles break, but the *skeleton* stays — the ordered entities (capitalised words
not at a sentence start, numbers, quoted spans) with the word gaps between them. Another
outlet's own story on the same event uses the same names and quotes, in other places.

* Keys: windows of ``spin_window`` consecutive entities with their gaps (binned by powers of
  two, so a phrase swapped for a longer one rarely moves a bin) are hashed; each article keeps
  its first ``spin_opening`` windows and the ``spin_keys`` smallest (a consistent sample). The
  sketch workers compute them with the band keys (one read of the texts); they are stored as
  sorted runs in ``dedupe_spin_runs`` (:mod:`.keystore`, the band keys' layout) and joined the
  same way, so a later run only adds new articles. A batch's skeletons are computed with numpy
  over one buffer of its texts (:func:`keys_batch`, :func:`skeletons`: about 4× faster than
  :func:`skeleton` text by text, measured on the synthetic corpus, with the same keys).
  Articles the other methods found to be copies in the same round, made at least
  ``COPY_SHARE`` of their original's text, get no keys (their original's keys stand for them):
  on a 100k synthetic corpus this cut the spinner candidates from 47 000 to about 800 and the
  stored keys by a quarter.
* Verification (:func:`check_spin`): the two entity sequences are aligned; consecutive matched
  entities anchor a word-position map from one text to the other. A pair is kept only when
  enough entities match in order with consistent gaps (skeleton), the smaller text's entities
  are found in the larger (overlap), the matched spans have similar lengths (span ratio), the
  sentence ends fall at the mapped places (sentence profile) and the words a spinner leaves
  alone — function words — sit at the mapped places (kept words). Same-topic stories pass the
  overlap check and fail the others.
* Pairs already found by the other methods in the round are not checked again; direction, lag
  and diff follow the usual rules, and the kind comes from how much of the original the copy's
  mapped word range covers. A spun copy that names its original keeps ``method =
  'attribution'`` (as every attributed pair does); ``found = 'spinner'`` tells how it was found.

No word embeddings: measured with wordllama 0.4 here, a hand-made spun copy of a real English
story scored 0.79 against its original while another outlet's story on the same event scored
0.87, and on the synthetic corpus same-topic non-copies reached 0.998 (spun copies 0.95–0.99);
about 2 ms of CPU per document besides. The skeleton signals separate both cases.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .params import DedupeParams
from .shingles import word_hash

if TYPE_CHECKING:
    import sqlite3

    import numpy as np

    from .meta import Meta

KEY_VERSION = "spin-skeleton-v2 runs"  # v2: keys in a sorted-run key store (keystore.py)
TABLE = "dedupe_spin_runs"
_PART = 50  # candidate pairs per worker task, at least
MAX_ENTITIES = 1000  # entities of each text the verification aligns
MIN_SPAN_WORDS = 20  # words (outside entities) the matched span must hold
COPY_SHARE = 0.7  # a found copy with this share of its text from its original gets no spin keys
_CAP = 6  # gap bins: 0, 1, 2-3, 4-7, ... up to this bin
_M64 = (1 << 64) - 1
_QUOTE = re.compile("[\"“”]")
_STRIP = "\"'“”‘’()[]{},;:.!?*_-–—"
_ENDS = ".!?"
_RSTRIP = "\"'”’)]"  # closers after a sentence end
_SALT = 0x5350494E ^ 3  # "SPIN"
_CAND = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$£€(")


def _mix(x: int) -> int:
    """splitmix64 finaliser on a Python int (same constants as shingles.mix)."""
    x &= _M64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


@dataclass
class Skeleton:
    """Entities of a text in order (label hash, first word, word after the last) and its size."""
    labels: list[int]
    starts: list[int]
    ends: list[int]
    n_words: int


def _is_end(tok: str) -> bool:
    t = tok.rstrip(_RSTRIP)
    return bool(t) and t[-1] in _ENDS


def skeleton(text: str) -> Skeleton:
    """The entity skeleton of a text (words are whitespace tokens; a line starts a sentence).
    The reference definition, one text at a time (the verification uses it): :func:`skeletons`
    and :func:`keys_batch` compute the same for a batch, vectorised."""
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFKC", text)
    labels: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for line in text.split("\n"):
        parts = _QUOTE.split(line)
        at_start = True
        for k, part in enumerate(parts):
            toks = part.split()
            if not toks:
                continue
            if k % 2:  # inside quotes: one entity, named by its first words
                key = " ".join(t.strip(_STRIP).lower() for t in toks[:6])
                labels.append(word_hash("q:" + key))
                starts.append(pos)
                ends.append(pos + len(toks))
            else:
                run: list[str] = []
                run_at = -1
                if ascii_only:
                    cand = [i for i, t in enumerate(toks) if t[0] in _CAND]
                else:
                    cand = [i for i, t in enumerate(toks) if t[0] in _CAND or t[0].isupper()]
                for i in cand:
                    tok = toks[i]
                    core = tok.strip(_STRIP)
                    if core.endswith(("'s", "’s")):
                        core = core[:-2]
                    if not core:
                        continue
                    if core[0].isdigit() or tok[0] in "$£€":
                        kind = "n"
                    elif (core[0].isupper() and core != "I"
                          and not ((i == 0 and at_start) or (i > 0 and _is_end(toks[i - 1])))):
                        kind = "c"
                    else:
                        continue
                    if kind == "c" and run and run_at + len(run) == i and not _is_end(toks[i - 1]):
                        run.append(core.lower())
                        ends[-1] = pos + i + 1
                        labels[-1] = word_hash("c:" + " ".join(run))
                        continue
                    labels.append(word_hash(f"{kind}:{core.lower()}"))
                    starts.append(pos + i)
                    ends.append(pos + i + 1)
                    run, run_at = ([core.lower()], i) if kind == "c" else ([], -1)
            at_start = _is_end(toks[-1])
            pos += len(toks)
    return Skeleton(labels, starts, ends, pos)


# ---------------------------------------------------------------- the skeletons of a batch

# Texts are classified byte by byte in one buffer per slice of the batch (numpy): token bounds,
# lines and quote parity for every token, then only the candidate tokens (first byte in _CAND,
# about one in ten) are looked at; each entity's label is gathered into one string and hashed
# (BLAKE2b, as word_hash does). str.split()'s whitespace, the quote that splits a line and the
# line break all end a token. ASCII texts are their own buffer. Other texts (NFKC first, as
# skeleton() does) are classified on a stand-in byte per character that the rules treat the
# same way (_stand_in: "’" acts as "'", "“" as '"', "£" as "$", "É" as "A", ...), and their
# labels are gathered from the characters themselves and lower-cased word by word.
_WS_RANGES = ((9, 13), (28, 32))  # str.split()'s ASCII whitespace (and the line break \n = 10)
_SLICE_BYTES = 500_000  # characters classified at once (bounded memory; 250k-1M measured alike)
_LABELS: dict[bytes, int] = {}  # hashes of ASCII labels (word_hash's values)
_LABELS_MAX = 1_000_000
_OTHER, _DIGIT = 0x80, 0x81  # stand-ins: a character of no class; a digit that is no candidate
_STAND_INS = {"“": '"', "”": '"', "’": "'", "‘": ",", "–": ",", "—": ",", "£": "$", "€": "$"}
_BYTE_TABLES: dict[str, bytes] = {}
_TABLES: dict[str, "np.ndarray"] = {}


def _tables() -> tuple[dict[str, bytes], dict[str, "np.ndarray"]]:
    """The bytes.translate table that lower-cases ASCII, and the byte classes (numpy)."""
    import numpy as np

    if not _TABLES:
        def table(chars: str) -> "np.ndarray":
            t = np.zeros(256, dtype=bool)
            t[[ord(c) for c in chars if c.isascii()]] = True
            return t

        lower = np.arange(256, dtype=np.uint8)
        lower[65:91] += 32
        _BYTE_TABLES["lower"] = lower.tobytes()
        _TABLES["cand"] = table("".join(_CAND))
        _TABLES["strip"] = table(_STRIP)
        _TABLES["rstrip"] = table(_RSTRIP)
        _TABLES["end"] = table(_ENDS)
        _TABLES["digit"] = table("0123456789")
        _TABLES["digit"][_DIGIT] = True
        _TABLES["upper"] = table("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return _BYTE_TABLES, _TABLES


@dataclass
class _Entities:
    """Entities of a batch, concatenated (each text's in order, each text's together)."""
    labels: "np.ndarray"   # uint64 label hashes
    starts: "np.ndarray"   # int64 first word (index in its text)
    ends: "np.ndarray"     # int64 word after the last
    docs: "np.ndarray"     # int64 text of each entity (index in the batch)
    n_words: "np.ndarray"  # int64 words of each text of the batch


def _core(a: "np.ndarray", s: "np.ndarray", e: "np.ndarray", possessive: "np.ndarray | bool",
          strip: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Bounds of tokens a[s:e] stripped of _STRIP, then of a final "'s" where ``possessive``."""
    import numpy as np

    cs, ce = s.copy(), e.copy()
    act = np.flatnonzero(strip[a[cs]])  # (a[e] exists: the buffer ends with a line break)
    while len(act):
        cs[act] += 1
        act = act[(cs[act] < ce[act]) & strip[a[cs[act]]]]
    act = np.flatnonzero((ce > cs) & strip[a[ce - 1]])
    while len(act):
        ce[act] -= 1
        act = act[(ce[act] > cs[act]) & strip[a[ce[act] - 1]]]
    poss = possessive & (ce - cs >= 2) & (a[ce - 1] == ord("s")) & (a[ce - 2] == ord("'"))
    ce -= 2 * poss
    return cs, ce


def _ends_sentence(a: "np.ndarray", s: "np.ndarray", e: "np.ndarray", tables: dict[str, "np.ndarray"]) -> "np.ndarray":
    """:func:`_is_end` of tokens a[s:e]."""
    import numpy as np

    q = e - 1
    rstrip = tables["rstrip"]
    act = np.flatnonzero(rstrip[a[q]])
    while len(act):
        q[act] -= 1
        act = act[(q[act] >= s[act]) & rstrip[a[q[act]]]]
    return (q >= s) & tables["end"][a[q]]


def _stand_in(ch: str) -> int:
    """The byte a non-ASCII character (of an NFKC text) is classified as."""
    if ch.isspace():
        return ord(" ")
    if ch in _STAND_INS:
        return ord(_STAND_INS[ch])
    if ch.isupper():
        return ord("A")
    return _DIGIT if ch.isdigit() else _OTHER


def _stand_ins(cps: "np.ndarray") -> "np.ndarray":
    """The classification buffer of code points: ASCII as it is, other characters' stand-ins."""
    import numpy as np

    a = cps.astype(np.uint8)
    wide = np.flatnonzero(cps >= 128)
    distinct, which = np.unique(cps[wide], return_inverse=True)
    a[wide] = np.array([_stand_in(chr(c)) for c in distinct.tolist()], dtype=np.uint8)[which]
    return a


def _batch_entities(texts: Sequence[str], wide: bool) -> _Entities:
    """:class:`_Entities` of texts (ASCII, or NFKC normal forms when ``wide``), vectorised: the
    same as :func:`skeleton` of each."""
    import numpy as np

    _, t = _tables()
    cps = None
    if wide:  # one code point a character; lone surrogates pass (skeleton() keeps them too)
        buf = ("\n" + "\n".join(texts) + "\n").encode("utf-32-le", "surrogatepass")
        cps = np.frombuffer(buf, dtype=np.uint32)
        a = _stand_ins(cps)
    else:
        a = np.frombuffer(b"\n" + b"\n".join(x.encode("ascii") for x in texts) + b"\n", dtype=np.uint8)
    n = len(texts)
    doc_at = np.zeros(n + 1, dtype=np.int64)  # offset of each text in the buffer
    np.cumsum(np.fromiter((len(x) + 1 for x in texts), dtype=np.int64, count=n), out=doc_at[1:])
    doc_at += 1
    # tokens: the buffer starts and ends with a separator, so its class changes alternate
    # (byte comparisons and boolean arrays: faster here than a translate table or int8 diff)
    sep = a == ord('"')
    for lo, hi in _WS_RANGES:
        sep |= (a - np.uint8(lo)) <= np.uint8(hi - lo)
    flips = np.flatnonzero(sep[1:] != sep[:-1]) + 1
    del sep
    st, en = flips[0::2], flips[1::2]
    first_tok = np.searchsorted(st, doc_at)  # first token of each text (and the end)
    n_words = np.diff(first_tok)
    # line breaks and quotes, in order; a quote opens a quoted part when it is the 1st, 3rd, ...
    # of its line; every token's part is the one opened by the last of these before it
    sp = np.flatnonzero((a == ord("\n")) | (a == ord('"')))
    is_q = a[sp] == ord('"')
    qn = np.cumsum(is_q)
    line_of = np.maximum.accumulate(np.where(is_q, 0, np.arange(len(sp))))  # its line's break
    opens = is_q & ((qn - qn[line_of]) % 2 == 1)

    # candidate tokens outside quotes
    ci = np.flatnonzero(t["cand"][a[st]])
    cs0 = st[ci]
    m = np.searchsorted(sp, cs0) - 1
    outside = ~opens[m]
    ci, cs0, m = ci[outside], cs0[outside], m[outside]
    ce0 = en[ci]
    prev = np.maximum(ci - 1, 0)
    line_start = (ci == 0) | (st[prev] < sp[line_of[m]])
    at_start = line_start | _ends_sentence(a, st[prev], en[prev], t)
    cs, ce = _core(a, cs0, ce0, True, t["strip"])
    full = ce > cs
    lead = a[cs]  # the byte after an empty core: a separator
    is_n = full & (t["digit"][lead] | (a[cs0] == ord("$")))
    is_c = (full & ~is_n & t["upper"][lead] & ~((ce - cs == 1) & (lead == ord("I"))) & ~at_start)
    # runs of capitalised words in one part are one entity
    c_tok, c_part = ci[is_c], m[is_c]
    follows = np.zeros(len(c_tok), dtype=bool)
    follows[1:] = (c_tok[1:] == c_tok[:-1] + 1) & (c_part[1:] == c_part[:-1])
    heads = np.flatnonzero(~follows)
    run_end = np.append(c_tok[heads[1:] - 1], c_tok[-1:]) + 1 if len(heads) else heads
    # quoted parts: the tokens between an opening quote and the next quote or line break
    qo = np.flatnonzero(opens)
    q0 = np.searchsorted(st, sp[qo])
    q1 = np.searchsorted(st, sp[qo + 1])
    some = q1 > q0
    q0, q1 = q0[some], q1[some]

    n_tok = ci[is_n]
    e0 = np.concatenate((n_tok, c_tok[heads], q0))
    e1 = np.concatenate((n_tok + 1, run_end, q1))
    kind = np.concatenate((np.zeros(len(n_tok), dtype=np.int64), np.ones(len(heads), dtype=np.int64),
                           np.full(len(q0), 2, dtype=np.int64)))
    order = np.argsort(e0, kind="stable")
    e0, e1, kind = e0[order], e1[order], kind[order]
    labels = _labels(a, cps, st, en, e0, e1, kind, t["strip"])
    docs = np.searchsorted(first_tok, e0, "right") - 1
    return _Entities(labels, e0 - first_tok[docs], e1 - first_tok[docs], docs, n_words)


def _labels(a: "np.ndarray", cps: "np.ndarray | None", st: "np.ndarray", en: "np.ndarray",
            e0: "np.ndarray", e1: "np.ndarray", kind: "np.ndarray", strip: "np.ndarray") -> "np.ndarray":
    """Label hashes of entities (tokens e0..e1; kind 0 number, 1 name run, 2 quoted part): "n:"
    core, "c:" cores, "q:" first six stripped words, lower-cased, joined by spaces. The labels of
    an ASCII buffer are gathered into one byte string; with code points ``cps``, the words are
    gathered and lower-cased one by one (as skeleton() does: a final sigma depends on it)."""
    import numpy as np

    if not len(e0):
        return np.empty(0, dtype=np.uint64)
    bt, _ = _tables()
    pieces = np.where(kind == 2, np.minimum(e1 - e0, 6), e1 - e0)
    first = np.zeros(len(e0) + 1, dtype=np.int64)
    np.cumsum(pieces, out=first[1:])
    owner = np.repeat(np.arange(len(e0)), pieces)
    tok = e0[owner] + np.arange(first[-1]) - first[owner]
    cs, ce = _core(a, st[tok], en[tok], kind[owner] != 2, strip)
    if cps is not None:
        at = np.zeros(len(tok) + 1, dtype=np.int64)
        np.cumsum(ce - cs, out=at[1:])
        words = cps[np.repeat(cs - at[:-1], ce - cs) + np.arange(at[-1])].tobytes().decode("utf-32-le",
                                                                                           "surrogatepass")
        bounds = at.tolist()
        low = [words[i:j].lower() for i, j in zip(bounds[:-1], bounds[1:])]
        heads = first.tolist()
        return np.array([word_hash(("n:", "c:", "q:")[k] + " ".join(low[i:j]))
                         for k, i, j in zip(kind.tolist(), heads[:-1], heads[1:])], dtype=np.uint64)
    # each piece is preceded by its entity's prefix or by a space: both live after the text
    extra = len(a)
    src = np.concatenate((a, np.frombuffer(b"n:c:q: ", dtype=np.uint8)))
    lead = np.full(len(tok), extra + 6, dtype=np.int64)
    lead_len = np.ones(len(tok), dtype=np.int64)
    lead[first[:-1]] = extra + 2 * kind
    lead_len[first[:-1]] = 2
    seg_at = np.empty(2 * len(tok), dtype=np.int64)
    seg_len = np.empty(2 * len(tok), dtype=np.int64)
    seg_at[0::2], seg_at[1::2] = lead, cs
    seg_len[0::2], seg_len[1::2] = lead_len, ce - cs
    out_at = np.zeros(len(seg_at) + 1, dtype=np.int64)
    np.cumsum(seg_len, out=out_at[1:])
    idx = np.repeat(seg_at - out_at[:-1], seg_len) + np.arange(out_at[-1])
    buf = src[idx].tobytes().translate(bt["lower"])
    bounds = out_at[2 * first].tolist()
    labels = list(map(buf.__getitem__, map(slice, bounds[:-1], bounds[1:])))
    vals = list(map(_LABELS.get, labels))
    miss = [k for k, v in enumerate(vals) if v is None]
    if miss:  # hashed together: one digest each, one conversion for all
        new = [labels[k] for k in miss]
        blake = hashlib.blake2b
        hashes = np.frombuffer(b"".join([blake(b, digest_size=8).digest() for b in new]), dtype="<u8").tolist()
        if len(_LABELS) + len(new) > _LABELS_MAX:
            _LABELS.clear()
        _LABELS.update(zip(new, hashes))
        for k, h in zip(miss, hashes):
            vals[k] = h
    return np.array(vals, dtype=np.uint64)


def _entities(texts: Sequence[str]) -> _Entities:
    """:class:`_Entities` of a batch, vectorised in slices of about ``_SLICE_BYTES`` characters:
    ASCII texts in some, the others' NFKC normal forms in others."""
    import numpy as np

    parts: list[_Entities] = []
    n_words = np.zeros(len(texts), dtype=np.int64)
    # per kind of slice (ASCII, wide): the texts being gathered, their index, their size
    pending: tuple[list[str], list[str]] = ([], [])
    at: tuple[list[int], list[int]] = ([], [])
    size = [0, 0]

    def flush(wide: int) -> None:
        e = _batch_entities(pending[wide], bool(wide))
        where = np.array(at[wide], dtype=np.int64)
        n_words[where] = e.n_words
        e.docs = where[e.docs]
        parts.append(e)
        pending[wide].clear()
        at[wide].clear()
        size[wide] = 0

    for d, text in enumerate(texts):
        text = text or ""
        wide = 0
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)  # what skeleton() reads
            wide = int(not text.isascii())              # (an ellipsis "…" becomes "...")
        pending[wide].append(text)
        at[wide].append(d)
        size[wide] += len(text)
        if size[wide] >= _SLICE_BYTES:
            flush(wide)
    for wide in (0, 1):
        if pending[wide] or not parts:
            flush(wide)
    # each text's entities together, the texts in batch order
    order = np.argsort(np.concatenate([e.docs for e in parts]), kind="stable")
    return _Entities(np.concatenate([e.labels for e in parts])[order],
                     np.concatenate([e.starts for e in parts])[order],
                     np.concatenate([e.ends for e in parts])[order],
                     np.concatenate([e.docs for e in parts])[order], n_words)


def skeletons(texts: Sequence[str]) -> list[Skeleton]:
    """:func:`skeleton` of each text of a batch, vectorised over the batch (the same result)."""
    import numpy as np

    e = _entities(texts)
    bounds = np.searchsorted(e.docs, np.arange(len(texts) + 1)).tolist()
    labels, starts, ends = e.labels.tolist(), e.starts.tolist(), e.ends.tolist()
    return [Skeleton(labels[b0:b1], starts[b0:b1], ends[b0:b1], n)
            for b0, b1, n in zip(bounds[:-1], bounds[1:], e.n_words.tolist())]


_BIN_EDGES = [1 << b for b in range(_CAP)]  # _bin(g) = how many of these g reaches


def _bin(gap: int) -> int:
    return min(max(gap, 0).bit_length(), _CAP)


def spin_keys(sk: Skeleton, p: DedupeParams) -> list[int]:
    """Candidate keys (signed 64-bit) of one skeleton: its opening windows and a bottom-k
    sample of the others (the reference for :func:`keys_batch`, which computes the same)."""
    w = p.spin_window
    n = len(sk.labels)
    if w < 1 or n < w:
        return []
    wins: list[int] = []
    for i in range(n - w + 1):
        h = _SALT
        for j in range(i, i + w):
            h = _mix(h ^ sk.labels[j])
            if j + 1 < i + w:
                h = _mix(h ^ _bin(sk.starts[j + 1] - sk.ends[j]))
        wins.append(h)
    chosen = set(wins[:p.spin_opening]) | set(sorted(set(wins))[:p.spin_keys])
    return sorted(h - (1 << 64) if h >= 1 << 63 else h for h in chosen)


def keys_batch(ids: Sequence[int], texts: Sequence[str], p: DedupeParams) -> tuple["np.ndarray", "np.ndarray"]:
    """(keys, article ids) of a batch, one row per distinct (article, key), vectorised over the
    batch's concatenated entity labels (:func:`spin_keys` of each text's :func:`skeleton`)."""
    import numpy as np

    from .candidates import buckets
    from .shingles import mix

    w = p.spin_window
    empty = np.empty(0, dtype=np.int64)
    if w < 1:
        return empty, empty.copy()
    e = _entities(texts)
    n = len(e.labels)
    if not n:
        return empty, empty.copy()
    # each text's entities are together and in order: their index in the text and its count
    head, sizes = buckets(e.docs)
    k = np.arange(n) - np.repeat(head, sizes)
    gap = np.zeros(n, dtype=np.int64)
    gap[:-1] = e.starts[1:] - e.ends[:-1]  # across two texts: never inside a window
    lab = e.labels
    bins = np.searchsorted(_BIN_EDGES, np.maximum(gap, 0), "right").astype(np.uint64)  # _bin
    starts = np.flatnonzero(k <= np.repeat(sizes, sizes) - w)  # where a window starts
    if not len(starts):
        return empty, empty.copy()
    h = np.full(len(starts), _SALT, dtype=np.uint64)
    for j in range(w):
        h = mix(h ^ lab[starts + j])
        if j + 1 < w:
            h = mix(h ^ bins[starts + j])
    dk = e.docs[starts]
    order = np.lexsort((h, dk))
    h, dk, first = h[order], dk[order], k[starts][order]
    group, sizes = buckets(dk)
    distinct = np.concatenate(([True], (h[1:] != h[:-1]) | (dk[1:] != dk[:-1])))
    run = np.cumsum(distinct) - 1          # index of each row's distinct (doc, hash)
    nth = run - np.repeat(run[group], sizes)  # rank of that hash in its doc, ascending
    in_opening = np.zeros(int(run[-1]) + 1, dtype=bool)
    in_opening[run[first < p.spin_opening]] = True
    take = distinct & ((nth < p.spin_keys) | in_opening[run])
    id_arr = np.asarray(ids, dtype=np.int64)
    return h[take].view(np.int64), id_arr[dk[take]]


# ---------------------------------------------------------------- verification

@dataclass
class SpinCheck:
    matched: int          # entities matched in order
    skeleton: float       # consistent links / (entities of the smaller - 1)
    overlap: float        # share of the smaller's distinct entities found in the larger
    span_ratio: float     # shorter / longer matched span, in words
    sentences: float      # share of the mapped sentence ends that are sentence ends
    kept: float           # share of mapped words found at their place (±1)
    cover_a: float        # share of a's words covered by b's mapped range
    cover_b: float

    def passes(self, p: DedupeParams) -> bool:
        return (self.matched >= p.spin_min_entities and self.skeleton >= p.spin_min_skeleton
                and self.overlap >= p.spin_min_overlap and self.span_ratio >= p.spin_min_span_ratio
                and self.sentences >= p.spin_min_sentences and self.kept >= p.spin_min_kept)


def _words(text: str) -> list[str]:
    """The words of a text exactly as :func:`skeleton` counts them (its entity positions index
    this list): each line split at its double quotes, then at whitespace. A plain
    ``text.split()`` keeps a quote glued to other characters in one word (``“disgrace”.``,
    ``said,“We``), so on texts with such quotes the skeleton's positions ran past the end of
    the word list: that was the IndexError in :func:`check_spin` on real news pages."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for line in text.split("\n"):
        for part in _QUOTE.split(line):
            out.extend(part.split())
    return out


def _mapper(xs: list[int], ys: list[int]) -> Any:
    """Position map from text a to text b, piecewise linear between anchor pairs (x, y)."""
    import bisect

    def f(x: float) -> float:
        if len(xs) == 1:
            return ys[0] + (x - xs[0])
        k = bisect.bisect_right(xs, x) - 1
        k = min(max(k, 0), len(xs) - 2)
        x0, x1, y0, y1 = xs[k], xs[k + 1], ys[k], ys[k + 1]
        if x < x0 or x > x1 or x1 == x0:  # outside the anchors: shift by the nearest one
            return y0 + (x - x0) if x < x1 else y1 + (x - x1)
        return y0 + (x - x0) * (y1 - y0) / (x1 - x0)
    return f


def _head(sk: Skeleton) -> Skeleton:
    """The first ``MAX_ENTITIES`` entities: the alignment below is quadratic in the worst case
    (a page of one repeated number), and a real article has a few hundred at most."""
    if len(sk.labels) <= MAX_ENTITIES:
        return sk
    m = MAX_ENTITIES
    return Skeleton(sk.labels[:m], sk.starts[:m], sk.ends[:m], sk.n_words)


def check_spin(text_a: str, text_b: str, p: DedupeParams) -> SpinCheck | None:
    """Signals of a reworded-copy pair (None: too few entities in common to say anything)."""
    sa, sb = _head(skeleton(text_a)), _head(skeleton(text_b))
    na, nb = len(sa.labels), len(sb.labels)
    if min(na, nb) < 2:
        return None
    sm = SequenceMatcher(None, sa.labels, sb.labels, autojunk=False)
    pairs = [(blk.a + k, blk.b + k) for blk in sm.get_matching_blocks() for k in range(blk.size)]
    if len(pairs) < 2:
        return None
    # keep the longest chain of gap-consistent links (a chance match breaks a chain)
    chains: list[list[tuple[int, int]]] = [[pairs[0]]]
    for (i1, j1), (i2, j2) in zip(pairs, pairs[1:]):
        da, db = sa.starts[i2] - sa.starts[i1], sb.starts[j2] - sb.starts[j1]
        if abs(da - db) <= max(2, 0.15 * max(da, db)):
            chains[-1].append((i2, j2))
        else:
            chains.append([(i2, j2)])
    links = sum(len(c) - 1 for c in chains)
    best = max(chains, key=len)
    if len(best) < 2:
        return SpinCheck(len(pairs), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    set_a, set_b = set(sa.labels), set(sb.labels)
    small, large = (set_a, set_b) if len(set_a) <= len(set_b) else (set_b, set_a)
    overlap = len(small & large) / max(1, len(small))
    xs = [sa.starts[i] for i, _ in best]
    ys = [sb.starts[j] for _, j in best]
    span_a, span_b = xs[-1] - xs[0], ys[-1] - ys[0]
    span_ratio = min(span_a, span_b) / max(1, span_a, span_b)
    wa, wb = _words(text_a), _words(text_b)
    f = _mapper(xs, ys)
    ends_b = {i for i, t in enumerate(wb) if _is_end(t)}
    kb = [t.strip(_STRIP).lower() for t in wb]
    in_entity = bytearray(len(wa) + 1)
    for e0, e1 in zip(sa.starts, sa.ends):
        in_entity[e0:e1] = b"\x01" * (e1 - e0)
    ends_total = ends_hit = kept_total = kept_hit = 0
    for i in range(xs[0], min(xs[-1] + 1, len(wa))):  # (positions index wa: same tokenising)
        y = int(round(f(i)))
        tok = wa[i]
        if _is_end(tok):
            ends_total += 1
            ends_hit += bool({y - 1, y, y + 1} & ends_b)
        core = tok.strip(_STRIP).lower()
        if core and not in_entity[i]:
            kept_total += 1
            kept_hit += any(0 <= y + d < len(kb) and kb[y + d] == core for d in (0, -1, 1))
    lo_b, hi_b = f(0), f(len(wa))
    cover_b = max(0.0, min(hi_b, len(wb)) - max(lo_b, 0.0)) / max(1, len(wb))
    g = _mapper(ys, xs)
    lo_a, hi_a = g(0), g(len(wb))
    cover_a = max(0.0, min(hi_a, len(wa)) - max(lo_a, 0.0)) / max(1, len(wa))
    if kept_total < MIN_SPAN_WORDS:  # too few words between the anchors to judge
        kept_hit = 0
    return SpinCheck(matched=len(best), skeleton=links / max(1, min(na, nb) - 1), overlap=overlap,
                     span_ratio=span_ratio, sentences=ends_hit / max(1, ends_total),
                     kept=kept_hit / max(1, kept_total), cover_a=cover_a, cover_b=cover_b)


# ---------------------------------------------------------------- persistence and candidates

def find_spinners(conn: "sqlite3.Connection", path: Path, reps: Sequence[int], metas: dict[int, "Meta"],
                  p: DedupeParams, stats: Any, found: Sequence[dict[str, Any]],
                  keys: "np.ndarray | None" = None, key_ids: "np.ndarray | None" = None,
                  pool: Any = None, rnd: Any = None) -> list[dict[str, Any]]:
    """One dedupe round's spinner pairs among its representatives ``reps``, as syndication
    rows. ``found``: the rows the other methods made this round (those pairs are not checked
    again); ``keys``, ``key_ids``: the representatives' skeleton keys as the sketch workers made
    them (:class:`.sketch.Sketches`; computed here from the texts when None). The round's keys
    are added to the key store on ``conn`` without a commit: they commit with the round's own
    transaction. ``pool``: the round's process pool when it runs in parallel (the candidates
    are checked in it), else None. ``rnd``: the round's :class:`.decide.Round` (sites, failures;
    made here when None)."""
    import numpy as np

    from ..model import iso, utcnow
    from .decide import Round
    from .sites import Sites

    if rnd is None:
        rnd = Round(conn, p, Sites.from_params(p), iso(utcnow()))

    from ..index.articles import article_texts
    from . import keystore
    from .candidates import decode, encode, group_pairs

    keystore.ensure(conn, TABLE)
    (started,) = conn.execute("SELECT EXISTS (SELECT 1 FROM dedupe_state)").fetchone()
    if not started:  # a fresh or rebuilt state: keys of an earlier build must not linger
        keystore.clear(conn, TABLE)
    if not p.spin_window:
        return []
    if keys is None or key_ids is None:
        keys, key_ids = keys_from_db(path, reps, p)
    # a copy the other methods found this round, made mostly of its original's text, carries
    # its original's skeleton: no keys of its own (the original's keys find a spun version;
    # copies' shared skeletons and wrappers would only make candidate pairs to reject)
    copies = [r["copy_article_id"] for r in found if _copy_share(r) >= COPY_SHARE]
    keep = np.isin(key_ids, np.asarray(reps, dtype=np.int64))
    if copies:
        keep &= ~np.isin(key_ids, np.asarray(copies, dtype=np.int64))
    keys, key_ids = keystore.sort(keys[keep], key_ids[keep])
    del keep
    # candidates: within the round and against the stored keys; a bucket over max_bucket
    # (stored and new members together) is skipped in both
    old, big = keystore.join(conn, keys, key_ids, p.max_bucket, p.spin_min_shared_keys, TABLE)
    if len(big):
        ok = ~np.isin(keys, big)
        within, _ = group_pairs(keys[ok], key_ids[ok], p.max_bucket, p.spin_min_shared_keys)
    else:
        within, _ = group_pairs(keys, key_ids, p.max_bucket, p.spin_min_shared_keys)
    codes = np.union1d(within, old)
    keystore.add(conn, keys, key_ids, TABLE)
    if len(codes):
        seen = encode(np.array([r["copy_article_id"] for r in found], dtype=np.int64),
                      np.array([r["original_article_id"] for r in found], dtype=np.int64))
        codes = codes[~np.isin(codes, seen)]
    _bump(stats, "candidates", len(codes))
    if not len(codes):
        return []
    lo, hi = decode(codes)
    work = _other_sites(conn, list(zip(lo.tolist(), hi.tolist())), metas)
    part = max(_PART, len(work) // (4 * getattr(pool, "workers", 2)) + 1)
    if pool is not None and len(work) > part:
        parts = pool.map(checks_from_db, [(path, work[s:s + part], p) for s in range(0, len(work), part)])
    else:
        parts = [checks_from_db(path, work, p)]
    checks = [c for cs, _ in parts for c in cs]
    rnd.failures.extend(f for _, fs in parts for f in fs)
    _bump(stats, "verified", len(checks))
    _bump(stats, "rejected", len(work) - len(checks))
    texts = article_texts(path, sorted({i for a, b, _ in checks for i in (a, b)}))
    return _rows(rnd, checks, metas, texts)


def _other_sites(conn: "sqlite3.Connection", work: list[tuple[int, int]],
                 metas: dict[int, "Meta"]) -> list[tuple[int, int]]:
    """The candidate pairs of two different sites. Pages of one site share its chrome — a list
    of its own headlines under each teaser, in title case, is a run of names in one order that
    the skeleton matches (on real pages: every false spinner pair was two teasers of one site),
    and a site does not reword its own stories."""
    from .meta import load_meta

    hosts = {i: m.host for i, m in metas.items()}
    rest = sorted({i for pair in work for i in pair} - set(hosts))
    hosts.update((i, m.host) for i, m in load_meta(conn, rest).items())
    return [(a, b) for a, b in work if hosts.get(a) != hosts.get(b)]


def checks_from_db(db_path: Path, work: Sequence[tuple[int, int]],
                   p: DedupeParams) -> tuple[list[tuple[int, int, SpinCheck]], list[tuple[int, str, str]]]:
    """The candidate pairs that pass :func:`check_spin`, with their signals, and the (article,
    stage, error) of pairs whose check raised (worker-process entry point: reads the texts
    itself)."""
    from ..index.articles import article_texts

    texts = article_texts(db_path, sorted({i for pair in work for i in pair}))
    checks: list[tuple[int, int, SpinCheck]] = []
    failed: list[tuple[int, str, str]] = []
    for a, b in work:
        try:
            c = check_spin(texts.get(a, ""), texts.get(b, ""), p)
        except Exception as exc:  # a text the check cannot read costs its pair, not the run
            failed.extend((i, "spinner", f"{type(exc).__name__}: {exc}"[:500]) for i in (a, b))
            continue
        if c is not None and c.passes(p):
            checks.append((a, b, c))
    return checks, failed


def _copy_share(row: dict[str, Any]) -> float:
    """Share of the copy's shingles found in the original, from a syndication row's figures
    (shared = coverage × |original| = similarity × |union|)."""
    shared = row.get("shared_shingles") or 0
    sim, cov = row.get("similarity") or 0.0, row.get("coverage") or 0.0
    if shared <= 0 or sim <= 0 or cov <= 0:
        return 0.0
    n_copy = shared / sim + shared - shared / cov
    return min(1.0, shared / max(1.0, n_copy))


def keys_from_db(db_path: Path, ids: Sequence[int], p: DedupeParams) -> tuple["np.ndarray", "np.ndarray"]:
    """Worker-process entry point of :func:`keys_batch` (reads the texts itself)."""
    from ..index.articles import article_texts

    texts = article_texts(db_path, ids)
    return keys_batch(list(ids), [texts.get(int(i), "") for i in ids], p)


def _bump(stats: Any, name: str, n: int) -> None:
    """Add to a DedupeStats counter (candidates also count under the 'spinner' source)."""
    if isinstance(getattr(stats, name, None), int):
        setattr(stats, name, getattr(stats, name) + n)
    by = getattr(stats, "candidates_by_source", None)
    if name == "candidates" and isinstance(by, dict):
        by["spinner"] = by.get("spinner", 0) + n


def _rows(rnd: Any, checks: list[tuple[int, int, SpinCheck]], metas: dict[int, "Meta"],
          texts: dict[int, str]) -> list[dict[str, Any]]:
    import numpy as np

    from .decide import decide_all, guarded, involved_metas, pair_row
    from .diff import paragraph_diff
    from .normalize import tokens
    from .shingles import shingles
    from .verify import kind_of

    if not checks:
        return []
    p = rnd.p
    allm = involved_metas(rnd.conn, (i for a, b, _ in checks for i in (a, b)), metas)
    dirs = decide_all(rnd, [(allm[a], allm[b], c.cover_a, c.cover_b) for a, b, c in checks])

    def row(x: tuple[tuple[int, int, SpinCheck], Any]) -> dict[str, Any] | None:
        (a, b, c), d = x
        if d is None:
            return None
        copy, orig = d.copy, d.original
        n_orig = len(_words(texts[orig.id]))
        covered = (c.cover_b if orig.id == b else c.cover_a) * n_orig
        sh_a = shingles(tokens(texts[a]), p.shingle_size)
        sh_b = shingles(tokens(texts[b]), p.shingle_size)
        shared = int(np.intersect1d(sh_a, sh_b, assume_unique=True).size)
        method = "attribution" if copy.original_key and copy.original_key == orig.key else "spinner"
        return pair_row(rnd, d, method=method, similarity=shared / max(1, len(sh_a) + len(sh_b) - shared),
                        containment=shared / max(1, min(len(sh_a), len(sh_b))),
                        kind=kind_of(int(round(covered)), n_orig, p),
                        diff=paragraph_diff(texts[orig.id], texts[copy.id]),
                        coverage=covered / max(1, n_orig), shared=shared, found="spinner")

    return guarded(rnd, "spinner", list(zip(checks, dirs)), lambda x: x[0][:2], row)
