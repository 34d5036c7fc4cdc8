"""Paragraph-level diff: what a copy (or a later capture) removed from and added to a text.

The result is plain text, one changed paragraph a line: ``- `` for a paragraph of the first text
missing from the second, ``+ `` for one the second added. Paragraphs are compared by their tokens,
so case, spacing and punctuation changes alone are not changes. An empty string means no change.
"""
from __future__ import annotations

import difflib

from .normalize import paragraphs, tokens


Keyed = tuple[list[str], list[str]]


def keyed(text: str) -> Keyed:
    """Paragraphs of a text and their comparison keys (reusable across many diffs)."""
    a = paragraphs(text)
    return a, [" ".join(tokens(p)) for p in a]


def paragraph_diff(old: str | Keyed, new: str | Keyed) -> str:
    a, ka = keyed(old) if isinstance(old, str) else old
    b, kb = keyed(new) if isinstance(new, str) else new
    out: list[str] = []
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        out.extend(f"- {p}" for p in a[i1:i2])
        out.extend(f"+ {p}" for p in b[j1:j2])
    return "\n".join(out)


def flip(diff: str) -> str:
    """The same diff read the other way round (old and new swapped)."""
    lines = []
    for line in diff.splitlines():
        if line.startswith("- "):
            lines.append("+ " + line[2:])
        elif line.startswith("+ "):
            lines.append("- " + line[2:])
        else:
            lines.append(line)
    # removed lines first, as paragraph_diff writes them within a block; order by block is kept
    return "\n".join(lines)


def counts(diff: str) -> tuple[int, int]:
    """(paragraphs removed, paragraphs added)."""
    rem = sum(1 for line in diff.splitlines() if line.startswith("- "))
    add = sum(1 for line in diff.splitlines() if line.startswith("+ "))
    return rem, add
