"""Hypothesis strategies for texts that break text code: arbitrary Unicode, and text assembled
from the pieces that real pages mix — words, names, numbers, quotes glued to words and
punctuation (``“a disgrace”.``, ``said,“We``), non-breaking and zero-width spaces, line breaks,
CJK and right-to-left runs, combining marks, emoji, lone surrogates."""
from __future__ import annotations

from hypothesis import strategies as st

PIECES = ["the", "said", "Mayor", "Alice", "Brown", "O'Neill", "U.S.", "2024", "$40", "£3", "€5",
          "40%", "“", "”", '"', "‘", "’", "’s", "'s", ".", ",", "!", "?", "—", "–", "-", "(", ")",
          "[", "]", "…", ":", ";", "\u00a0", "\u200b", "\u2028", "\t", "\r", "\x0b", "\x0c", "\x1c",
          "\n", "\n\n", "Ⅻ", "ﬁ", "ǅ", "İ", "ß", "Σ", "ς", "東京", "北京市", "مرحبا", "שלום",
          "e\u0301", "👍🏽", "\ud800", "I", "A", "Z", "0", "1.5", "“Yes,”", "”.", "said,“We", "’”",
          "NextImg:", "Source: Reuters", "Read more: CNN", "reuters_feed", "(AP) —"]

words = st.one_of(st.sampled_from(PIECES), st.text(max_size=6))
pieced = st.lists(words, max_size=120).flatmap(
    lambda ws: st.lists(st.sampled_from(["", " ", "\n", " "]), min_size=len(ws), max_size=len(ws))
    .map(lambda seps: "".join(w + s for w, s in zip(ws, seps))))
any_text = st.one_of(st.text(), st.text(st.characters(codec=None, exclude_categories=())), pieced)
