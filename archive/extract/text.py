"""Whitespace normalisation, text hashing and token counts (shared by rules, extract, tests).

Real aggregator header lines hold non-breaking spaces (``back\\xa0\\xa0``, ``Jun 20, 2025 \\xa0|``):
every rule matches against the normalised form.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

# NBSP, narrow NBSP, figure space, the en/em space family, zero-width ones, ideographic space, tabs
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff]+")
_WORD = re.compile(r"\w+(?:['’.-]\w+)*", re.UNICODE)


def normalize_space(line: str) -> str:
    """Every run of whitespace (NBSP and friends included) → one space; stripped."""
    return _SPACES.sub(" ", line).strip()


def normalize_lines(text: str) -> list[str]:
    """Text → its non-empty lines, each whitespace-normalised."""
    out = []
    for raw in text.splitlines():
        line = normalize_space(raw)
        if line:
            out.append(line)
    return out


def normalize_text(text: str) -> str:
    """One paragraph per line, whitespace-normalised, NFC (the form ``text_hash`` is taken of)."""
    return "\n".join(normalize_lines(unicodedata.normalize("NFC", text)))


def text_hash(text: str) -> str:
    """sha1 (hex) of the normalised text, case-folded: equal for copies that only re-space."""
    return hashlib.sha1(normalize_text(text).casefold().encode("utf-8", "surrogatepass")).hexdigest()


def tokens(text: str) -> list[str]:
    """Word tokens, case-folded (for word counts and the evaluation's token F1)."""
    return [m.group(0).casefold() for m in _WORD.finditer(unicodedata.normalize("NFC", text))]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
