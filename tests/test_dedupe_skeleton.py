"""The batch entity skeleton (skelbatch.skeletons, skelbatch.keys_batch) against the per-text
reference (skeleton.skeleton, skeleton.spin_keys): the same labels, word positions and keys for
every text, on generated texts with odd whitespace, quotes, curly quotes, possessives, numbers,
currency and non-ASCII characters, on the spinner tests' real English and on the planted corpus."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import archive.dedupe.skeleton as reference
from archive.dedupe import skelbatch
from archive.dedupe.params import parse_params
from archive.dedupe.shingles import word_hash
from archive.dedupe.skelbatch import keys_batch, skeletons
from archive.dedupe.skeleton import skeleton, spin_keys

from support.synth import planted

from support.news_texts import ORIGINAL, OTHER_OUTLET, SAME_STORY, SPUN

PARAMS = parse_params({})
SEED_TEXT = (Path(__file__).parent / "eval" / "seed_000.txt").read_text(encoding="utf-8")

WORDS = ["the", "said", "a", "of", "Bob", "Smith", "Smith.", "New", "York", "York's", "U.S.", "Mr.", "I",
         "(I)", "I's", "II", "(AP)", "(the", "(5", "(", ")", ")]", "[Bob", "{x}", "A", "a", "A's'", "Bob's",
         "he's", "'s", "Bob.'s", "$5", "$", "$Bob", "$4.5m", "3.5", "1,200", "99", "2024", "#1", "&", "--",
         "-", "*", "end.", "end!", "why?", "ok)", "done.)", "it.'", "it.]", "yes.'\"", ".", "!", "?", "...",
         "'", "\"", "\"Quote", "x\"", "?\"", "end.\"", "\"A", "B\"", "Q\"R", "O'Neil", "McDonald's", "NASA",
         "x\x00y", "~", "@Bob", "Ó", "É", "é", "Élan", "über", "Ünal", "São", "“", "”", "“Hi", "there”",
         "‘odd’", "Israel’s", "’s", "£3", "€4", "£", "—", "–", "Ａbc", "ﬁne", "…", "Now…", "½", "²", "٣",
         "İstanbul", "Σ", "ΣΑΣ", "ΟΔΟΣ", "Σ's", "(٣", "(²", "ǅ", "Ⅻ", "\u00a0", "Mr.\u00a0Lee", "\u2009",
         "\u3000", "\u2028", "\x85", "\U00010400", "北京", "Ｔokyo", "\ufeff"]
SEPS = [" ", " ", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
        "\x1f", " \n ", "", "\u00a0", "\u2003"]


def _generated(n: int, seed: int, ascii_only: bool) -> list[str]:
    rng = random.Random(seed)
    pool = [w for w in WORDS if w.isascii()] if ascii_only else WORDS
    seps = [s for s in SEPS if s.isascii()] if ascii_only else SEPS
    out = []
    for _ in range(n):
        k = rng.choice([0, 1, 2, 5, 20, 60, 200])
        out.append("".join(rng.choice(pool) + rng.choice(seps) for _ in range(k)))
    return out


def _texts() -> list[str]:
    real = [ORIGINAL, SPUN, SAME_STORY, OTHER_OUTLET, SEED_TEXT, SEED_TEXT.replace("’", "'"),
            SEED_TEXT.replace("“", '"').replace("”", '"').replace("’", "'").replace("—", "-")]
    odd = ["", " ", "\n", "\n\n\n", '"', '""', '"""', 'a "b c', 'Bob "" Smith', 'Bob""Smith', 'Bob"Smith',
           '"Smith', 'He said "this never ends. Mr Smith left' * 20, "Bob\nSmith", "end.\nBob Smith",
           "I I I", "x I Bob", "5 Bob", "Bob 5 Smith", "A. B. C.", "said (AP) Bob Smith's Co. left",
           "\x1cBob\x1dSmith\x1e", " ".join(["7"] * 3000), "x Bob \ud800 Smith said 5",
           "“Ab” c “d” e ‘Fg’ hi Jo’s", "x ΣΑΣ ΟΔΟΣ σας", "x İSTANBUL Mr. Ünal, É. Élan."]
    return real + odd + _generated(3000, 5, True) + _generated(3000, 6, False)


def test_separator_bytes_are_str_split_whitespace():
    ws = {c for c in range(128) if chr(c).isspace()}
    ranges = {c for lo, hi in skelbatch._WS_RANGES for c in range(lo, hi + 1)}
    assert ranges == ws and ord("\n") in ranges


def test_stand_ins_are_classified_as_their_characters():
    """Every character of the first planes is classified through its stand-in byte as skeleton()
    classifies the character itself (whitespace, quote, strip, candidate, number, name, ...)."""
    _, t = skelbatch._tables()

    def by_char(ch: str) -> tuple[bool, ...]:
        return (ch.isspace(), bool(reference.QUOTE.match(ch)), ch in reference.STRIP,
                ch in reference.RSTRIP, ch in reference.ENDS, ch in reference.CAND or ch.isupper(),
                ch.isdigit(), ch.isupper(), ch in "$£€", ch in "'’", ch == "I", ch == "s")

    def by_byte(b: int) -> tuple[bool, ...]:
        ws = any(lo <= b <= hi for lo, hi in skelbatch._WS_RANGES)
        return (ws, b == ord('"'), bool(t["strip"][b]), bool(t["rstrip"][b]), bool(t["end"][b]),
                bool(t["cand"][b]), bool(t["digit"][b]), bool(t["upper"][b]), b == ord("$"), b == ord("'"),
                b == ord("I"), b == ord("s"))

    chars = [chr(c) for c in list(range(128, 0x3100)) + list(range(0xFF00, 0xFFF0))
             + list(range(0x10400, 0x10450))] + list(skelbatch._STAND_INS)

    def same(ch: str) -> bool:
        want, got = by_char(ch), by_byte(skelbatch._stand_in(ch))
        if want[1]:  # a quote splits the line, never sits in a token: only that counts
            return got[:2] == want[:2]
        return got == want

    assert [ch for ch in chars if not same(ch)] == []
    assert skelbatch._stand_in("“") == skelbatch._stand_in("”") == ord('"')
    # ASCII is its own stand-in: the tables say what skeleton() says of each character
    assert [by_char(chr(b)) for b in range(128) if chr(b) != "\n"] == \
           [by_byte(b) for b in range(128) if chr(b) != "\n"]


def test_skeletons_equal_the_reference(monkeypatch):
    texts = _texts()
    ref = [skeleton(t) for t in texts]
    assert sum(len(sk.labels) for sk in ref) > 20_000  # the texts do hold many entities
    assert skeletons(texts) == ref
    # small slices of the batch (many buffers, texts across the slice limits) and a label cache
    # that fills up and starts again change nothing
    monkeypatch.setattr(skelbatch, "_SLICE_BYTES", 3000)
    monkeypatch.setattr(skelbatch, "_LABELS", {})
    monkeypatch.setattr(skelbatch, "_LABELS_MAX", 500)
    assert skeletons(texts) == ref
    assert 0 < len(skelbatch._LABELS) <= 500
    assert skeletons(texts[::-1]) == ref[::-1]
    assert skeletons([]) == []


def test_skeletons_match_on_one_text_at_a_time():
    """Each text alone: no neighbour in the buffer can lend it a line, a quote or a word."""
    for t in _texts()[:40] + _generated(200, 7, False):
        assert skeletons([t]) == [skeleton(t)], repr(t[:200])


def test_skeletons_keep_the_rules():
    a, b, c = skeletons(['Police said Tuesday that 14 people were hurt. Officers closed Main Street.\n'
                         'Chief Ana Ruiz said: "We are still counting the cars." The Red Cross helped.',
                         "Bob's friend, New York's mayor, met I and (II) at $5.", "…"])
    assert a == skeleton('Police said Tuesday that 14 people were hurt. Officers closed Main Street.\n'
                         'Chief Ana Ruiz said: "We are still counting the cars." The Red Cross helped.')
    assert a.starts == [2, 4, 10, 13, 16, 23] and a.n_words == 26
    # "Bob's" opens the text (a sentence start); "New York's" is one name; I is not; $5 a number
    assert b.labels == [word_hash(x) for x in ("c:new york", "c:ii", "n:$5")]
    assert (c.labels, c.n_words) == ([], 1)


@pytest.mark.parametrize("window", [1, 3, 4])
def test_batch_keys_equal_the_reference(window, monkeypatch):
    p = parse_params({"spin_window": window})
    corpus = planted(n_originals=300, seed=21, spinners=20)
    texts = [a.text for a in corpus.articles] + _texts()
    ids = [1000 + 7 * i for i in range(len(texts))]
    monkeypatch.setattr(skelbatch, "_SLICE_BYTES", 200_000)
    keys, kid = keys_batch(ids, texts, p)
    ref = sorted((k, i) for i, t in zip(ids, texts) for k in spin_keys(skeleton(t), p))
    assert len(ref) > 5000
    assert sorted(zip(keys.tolist(), kid.tolist())) == ref
    # one row per (article, key), grouped by article in batch order
    pairs = list(zip(kid.tolist(), keys.tolist()))
    assert len(set(pairs)) == len(pairs) and kid.tolist() == sorted(kid.tolist())
    assert keys.dtype == np.int64 and kid.dtype == np.int64


def test_batch_keys_of_texts_without_windows():
    empty = keys_batch([], [], PARAMS)
    assert empty[0].size == 0 and empty[1].size == 0
    keys, kid = keys_batch([1, 2, 3], ["", "Only Bob here.", "lower case only"], PARAMS)
    assert keys.size == 0 and kid.size == 0
    off = parse_params({"spin_window": 0})
    assert keys_batch([1], [ORIGINAL], off)[0].size == 0
