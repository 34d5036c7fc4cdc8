"""The entity skeletons and spinner keys of a batch of texts, vectorised with numpy: the same
as :func:`.skeleton.skeleton` and :func:`.skeleton.spin_keys` text by text, about 4× faster
(measured on the synthetic corpus). The sketch workers call :func:`keys_batch` beside the band
keys, so the texts are read once.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .shingles import word_hash
from .skeleton import CAND, ENDS, GAP_CAP, RSTRIP, SALT, STRIP, Skeleton

if TYPE_CHECKING:
    import numpy as np

    from .params import DedupeParams

# Texts are classified byte by byte in one buffer per slice of the batch (numpy): token bounds,
# lines and quote parity for every token, then only the candidate tokens (first byte in CAND,
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
        _TABLES["cand"] = table("".join(CAND))
        _TABLES["strip"] = table(STRIP)
        _TABLES["rstrip"] = table(RSTRIP)
        _TABLES["end"] = table(ENDS)
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
    """Bounds of tokens a[s:e] stripped of STRIP, then of a final "'s" where ``possessive``."""
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
    """:func:`.skeleton.is_end` of tokens a[s:e]."""
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
    same as :func:`.skeleton.skeleton` of each."""
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
    """:func:`.skeleton.skeleton` of each text of a batch, vectorised over the batch (the same result)."""
    import numpy as np

    e = _entities(texts)
    bounds = np.searchsorted(e.docs, np.arange(len(texts) + 1)).tolist()
    labels, starts, ends = e.labels.tolist(), e.starts.tolist(), e.ends.tolist()
    return [Skeleton(labels[b0:b1], starts[b0:b1], ends[b0:b1], n)
            for b0, b1, n in zip(bounds[:-1], bounds[1:], e.n_words.tolist())]


_BIN_EDGES = [1 << b for b in range(GAP_CAP)]  # skeleton._bin(g) = how many of these g reaches


def keys_batch(ids: Sequence[int], texts: Sequence[str], p: DedupeParams) -> tuple["np.ndarray", "np.ndarray"]:
    """(keys, article ids) of a batch, one row per distinct (article, key), vectorised over the
    batch's concatenated entity labels (:func:`.skeleton.spin_keys` of each text's skeleton)."""
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
    bins = np.searchsorted(_BIN_EDGES, np.maximum(gap, 0), "right").astype(np.uint64)  # skeleton._bin
    starts = np.flatnonzero(k <= np.repeat(sizes, sizes) - w)  # where a window starts
    if not len(starts):
        return empty, empty.copy()
    h = np.full(len(starts), SALT, dtype=np.uint64)
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

