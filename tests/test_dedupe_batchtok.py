"""The vectorised batch tokenizer agrees with the regex tokens, the normalised-text hash and the
Python statement of the unit rule, on ordinary and hostile texts, ASCII or not."""
from __future__ import annotations

import random

import numpy as np

from archive.dedupe.batchtok import normal_form, shingle_sets, tokenize
from archive.dedupe.normalize import norm_hash, tokens

from support.synth import planted

PIECES = ["Word", "word", "A1", "x_y", ".", "!", "?", " ", "  ", "\t", "\n", '"', "'", "(", "[",
          "9z", "-", "...", "\r\n", "Q.", "end.", "\x0c", "__", "Mr.", "U.S."]


def _texts() -> list[str]:
    r = random.Random(7)
    out = [a.text for a in planted(n_originals=40, seed=5).articles]
    for _ in range(300):  # long lines with sentence ends in every spelling the rule knows
        out.append("".join(r.choice(PIECES) + (" " if r.random() < .6 else "")
                           for _ in range(r.randrange(0, 400))))
    out += ["", " ", "\n\n", "a", "One. Two", "Héllo wörld. Ünïcode “quoted” text\u00a0here",
            "ﬁne ligature Straße", "x" * 5000 + " y", "Ends with a word"]
    return out


def _units(tk, d: int) -> list[int]:
    us = tk.unit_starts[(tk.unit_starts >= tk.offsets[d]) & (tk.unit_starts < tk.offsets[d + 1])]
    return np.diff(np.concatenate((us, [tk.offsets[d + 1]]))).tolist()


def test_vectorised_path_equals_the_python_rule():
    texts = _texts()
    fast = tokenize(texts, chunk_bytes=20_000)       # several slices, glued back together
    slow = tokenize(texts, force_normal=True)        # every text through normal_form
    assert np.array_equal(fast.offsets, slow.offsets)
    assert np.array_equal(fast.words, slow.words)
    assert np.array_equal(fast.unit_starts, slow.unit_starts)
    assert fast.norm_hashes == slow.norm_hashes
    long_split = 0
    for d, text in enumerate(texts):
        toks = tokens(text)
        assert fast.offsets[d + 1] - fast.offsets[d] == len(toks)
        assert fast.norm_hashes[d] == norm_hash(toks)
        units = [len(u.split()) for u in normal_form(text).split("\n") if u]
        assert _units(fast, d) == units
        long_split += any(len(line.split()) > 60 for line in text.split("\n")) and len(units) > 1
    assert long_split >= 10  # the sentence rule was exercised


def test_same_word_same_hash_whatever_the_text():
    a = tokenize(["Copy of THE story.", "copy of the “story”\u00a0"])
    assert a.words[:4].tolist() == a.words[4:].tolist()
    assert len(set(a.words[:4].tolist())) == 4
    assert a.norm_hashes[0] == a.norm_hashes[1]


def test_shingle_sets():
    sets = shingle_sets(["a b c d e f", "b c d e f g", "short text", ""], 5)
    assert len(sets[0]) == 2 and len(np.intersect1d(sets[0], sets[1])) == 1
    assert len(sets[2]) == 1 and len(sets[3]) == 0
