"""The entity skeleton of one text, and its spinner keys: the reference definitions.

A spinner swaps ordinary words for synonyms and keeps names, numbers and quotes, so what
survives is the *skeleton* — the ordered entities (capitalised words not at a sentence start,
numbers, quoted spans) with the word gaps between them (:mod:`.spin` has the whole method).
:func:`skeleton` and :func:`spin_keys` define them one text at a time; :mod:`.skelbatch` computes
the same for a batch with numpy, and the verification (:mod:`.spincheck`) uses these.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .shingles import word_hash

if TYPE_CHECKING:
    from .params import DedupeParams

GAP_CAP = 6  # gap bins: 0, 1, 2-3, 4-7, ... up to this bin
_M64 = (1 << 64) - 1
QUOTE = re.compile("[\"“”]")
STRIP = "\"'“”‘’()[]{},;:.!?*_-–—"
ENDS = ".!?"
RSTRIP = "\"'”’)]"  # closers after a sentence end
SALT = 0x5350494E ^ 3  # "SPIN"
CAND = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$£€(")


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


def is_end(tok: str) -> bool:
    t = tok.rstrip(RSTRIP)
    return bool(t) and t[-1] in ENDS


def skeleton(text: str) -> Skeleton:
    """The entity skeleton of a text (words are whitespace tokens; a line starts a sentence).
    The reference definition, one text at a time (the verification uses it): :func:`.skelbatch.skeletons`
    and :func:`.skelbatch.keys_batch` compute the same for a batch, vectorised."""
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFKC", text)
    labels: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for line in text.split("\n"):
        parts = QUOTE.split(line)
        at_start = True
        for k, part in enumerate(parts):
            toks = part.split()
            if not toks:
                continue
            if k % 2:  # inside quotes: one entity, named by its first words
                key = " ".join(t.strip(STRIP).lower() for t in toks[:6])
                labels.append(word_hash("q:" + key))
                starts.append(pos)
                ends.append(pos + len(toks))
            else:
                run: list[str] = []
                run_at = -1
                if ascii_only:
                    cand = [i for i, t in enumerate(toks) if t[0] in CAND]
                else:
                    cand = [i for i, t in enumerate(toks) if t[0] in CAND or t[0].isupper()]
                for i in cand:
                    tok = toks[i]
                    core = tok.strip(STRIP)
                    if core.endswith(("'s", "’s")):
                        core = core[:-2]
                    if not core:
                        continue
                    if core[0].isdigit() or tok[0] in "$£€":
                        kind = "n"
                    elif (core[0].isupper() and core != "I"
                          and not ((i == 0 and at_start) or (i > 0 and is_end(toks[i - 1])))):
                        kind = "c"
                    else:
                        continue
                    if kind == "c" and run and run_at + len(run) == i and not is_end(toks[i - 1]):
                        run.append(core.lower())
                        ends[-1] = pos + i + 1
                        labels[-1] = word_hash("c:" + " ".join(run))
                        continue
                    labels.append(word_hash(f"{kind}:{core.lower()}"))
                    starts.append(pos + i)
                    ends.append(pos + i + 1)
                    run, run_at = ([core.lower()], i) if kind == "c" else ([], -1)
            at_start = is_end(toks[-1])
            pos += len(toks)
    return Skeleton(labels, starts, ends, pos)


def _bin(gap: int) -> int:
    return min(max(gap, 0).bit_length(), GAP_CAP)


def spin_keys(sk: Skeleton, p: DedupeParams) -> list[int]:
    """Candidate keys (signed 64-bit) of one skeleton: its opening windows and a bottom-k
    sample of the others (the reference for :func:`.skelbatch.keys_batch`, which computes the same)."""
    w = p.spin_window
    n = len(sk.labels)
    if w < 1 or n < w:
        return []
    wins: list[int] = []
    for i in range(n - w + 1):
        h = SALT
        for j in range(i, i + w):
            h = _mix(h ^ sk.labels[j])
            if j + 1 < i + w:
                h = _mix(h ^ _bin(sk.starts[j + 1] - sk.ends[j]))
        wins.append(h)
    chosen = set(wins[:p.spin_opening]) | set(sorted(set(wins))[:p.spin_keys])
    return sorted(h - (1 << 64) if h >= 1 << 63 else h for h in chosen)


def words(text: str) -> list[str]:
    """The words of a text exactly as :func:`skeleton` counts them (its entity positions index
    this list): each line split at its double quotes, then at whitespace. A plain
    ``text.split()`` keeps a quote glued to other characters in one word (``“disgrace”.``,
    ``said,“We``), so on texts with such quotes the skeleton's positions ran past the end of
    the word list: that was the IndexError in :func:`.spincheck.check_spin` on real news pages."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for line in text.split("\n"):
        for part in QUOTE.split(line):
            out.extend(part.split())
    return out
