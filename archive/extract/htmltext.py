"""Block-aware text of an HTML element: one line per block, inline text joined as a reader sees it.

Used to read other extractors' HTML output (readability-lxml gives HTML) and reference pages
(Readability's ``expected.html``) as paragraphs. ``text_content()`` alone runs the last word of
one paragraph into the first of the next ("endStart"), which changes 4-gram shingles at every
block boundary: the walk below breaks lines at block elements and ``<br>`` instead.
"""
from __future__ import annotations

from typing import Any

from .htmlpage import BLOCK_TAGS, SKIP_TAGS
from .text import normalize_space

_BREAK_TAGS = BLOCK_TAGS | {"br", "li", "dd", "dt", "td", "th", "tr", "figcaption", "summary", "details"}


def _walk(el: Any, out: list[str], cur: list[str]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not tag or tag in SKIP_TAGS:
        if el.tail:
            cur.append(el.tail)
        return
    brk = tag in _BREAK_TAGS
    if brk:
        _flush(out, cur)
    if el.text:
        cur.append(el.text)
    for child in el:
        _walk(child, out, cur)
    if brk:
        _flush(out, cur)
    if el.tail:
        cur.append(el.tail)


def _flush(out: list[str], cur: list[str]) -> None:
    line = normalize_space("".join(cur))
    if line:
        out.append(line)
    cur.clear()


def element_paragraphs(el: Any) -> list[str]:
    """The element's visible text as paragraphs (whitespace-normalised, non-empty)."""
    out: list[str] = []
    cur: list[str] = []
    _walk(el, out, cur)
    _flush(out, cur)
    return out


def html_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML document or fragment (empty for an empty or unparsable one)."""
    from lxml import etree
    from lxml import html as lhtml

    if not html or not html.strip():
        return []
    try:
        tree = lhtml.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    return element_paragraphs(tree)
