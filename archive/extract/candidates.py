"""Each extractor's reading of a page, as paragraphs: the ensemble's evidence.

Every function takes the decoded HTML string (trafilatura and readability-lxml parse it their own
way: a tree built by another parser changes their output) and returns a :class:`Candidate`, or an
empty one when the extractor finds nothing or fails: one extractor's failure must never lose a
page. Heavy libraries are imported inside the functions.

Measured on the Readability test pages (130, 4-gram shingle F1, CPU ms per page on this machine
under load; bench/extract_quality.py prints them side by side):

==================================  ======  =====  =========================================
extractor                           F1      ms     note
==================================  ======  =====  =========================================
trafilatura, comments off           0.933   45-51  with its own readability/jusText fallbacks
trafilatura, fast (the base)        0.931   28     no fallbacks: the other votes replace them
readability-lxml 0.9, as shipped    0.966   55     flattered: the reference is Readability.js's
readability-lxml, cheap reader      0.960   35     same text inside the ensemble (0.970 either way)
resiliparse main content            0.944   3      keeps menus, footers, galleries
jusText 3                           0.643   16     empty on 53 pages (no stop-list match): unused
==================================  ======  =====  =========================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .htmltext import html_paragraphs
from .text import normalize_space


@dataclass
class Candidate:
    """``paragraphs``: the extractor's blocks in its order. For trafilatura a block is one element
    of its output body (a paragraph, heading, list, quote or table: its text may hold several
    lines, as trafilatura keeps the source's line breaks), ``tags`` beside them; others give one
    paragraph per block of their output."""

    name: str
    paragraphs: list[str] = field(default_factory=list)
    title: str | None = None
    doc: Any = None          # trafilatura's Document (metadata) for the base candidate
    error: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _lines(text: str | None) -> list[str]:
    return [ln for ln in (normalize_space(x) for x in (text or "").splitlines()) if ln]


def trafilatura_candidate(html: Any, url: str, *, fast: bool = False, name: str = "trafilatura") -> Candidate:
    """trafilatura ``bare_extraction`` with comments off (``extract()``'s default keeps comments:
    ≈ 0.005 F1 on the Readability pages); ``fast`` skips its own readability/jusText fallbacks."""
    import trafilatura

    try:
        doc: Any = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                               include_tables=True, deduplicate=False, fast=fast)
    except Exception as exc:  # trafilatura has no error type of its own
        return Candidate(name, error=f"{type(exc).__name__}: {exc}")
    if doc is None:
        return Candidate(name)
    blocks, tags = _body_blocks(doc)
    return Candidate(name, blocks, normalize_space(doc.title or "") or None, doc, tags=tags)


def _body_blocks(doc: Any) -> tuple[list[str], list[str]]:
    """trafilatura's output body, one block per top element (its text as trafilatura writes it:
    the same lines as ``doc.text`` bar text loose directly in the body, kept as a block too)."""
    from trafilatura.xml import xmltotxt

    body = getattr(doc, "body", None)
    if body is None:
        text = "\n".join(_lines(getattr(doc, "text", None)))
        return ([text], ["p"]) if text else ([], [])
    blocks: list[str] = []
    tags: list[str] = []
    if body.text and body.text.strip():
        blocks.append(normalize_space(body.text))
        tags.append("p")
    for child in body:
        text = "\n".join(_lines(xmltotxt(child, False)))
        if text:
            blocks.append(text)
            tags.append(str(child.tag))
    return blocks, tags


def _reader(html: str) -> Any:
    """readability-lxml's Document, reading an already cleaned page the cheap way.

    Its own ``_parse`` runs lxml's ``Cleaner`` and makes every link absolute on each of its
    passes, and ``short_title()`` parses the page once more: together ≈ 55 % of its time on the
    Readability pages. The ensemble hands it a page already parsed without comments and stripped
    of hidden elements (readability's own hidden-node pass is then a no-op), needs neither links
    nor its title, so ``_parse`` here only parses and strips script, style and link elements."""
    from lxml import etree
    from lxml import html as lhtml
    from readability import Document  # type: ignore[import-untyped]

    parser = lhtml.HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True)

    class Reader(Document):  # type: ignore[misc]
        def _parse(self, input: str) -> Any:
            doc = lhtml.document_fromstring(input, parser=parser)
            etree.strip_elements(doc, "script", "style", "link", with_tail=False)
            return doc

    return Reader(html)


def readability_candidate(html: str, url: str, *, stock: bool = False) -> Candidate:
    """readability-lxml's summary (HTML) read as paragraphs. ``stock``: as users call it (its own
    parse and cleaning, links made absolute, its short title): the single-extractor baseline the
    bench compares with; the ensemble uses the cheap reader (:func:`_reader`)."""
    if not html.strip():
        return Candidate("readability")
    import logging

    # readability logs a traceback for every page it cannot read; the candidate records it
    logging.getLogger("readability.readability").setLevel(logging.CRITICAL)
    title = None
    try:
        if stock:
            from readability import Document

            doc = Document(html, url=url)
            title = normalize_space(doc.short_title() or "") or None
        else:
            doc = _reader(html)
        summary = doc.summary(html_partial=True)
    except Exception as exc:  # readability raises Unparseable and assorted lxml errors
        return Candidate("readability", error=f"{type(exc).__name__}: {exc}")
    return Candidate("readability", html_paragraphs(summary), title)


def resiliparse_candidate(html: str, url: str) -> Candidate:
    """resiliparse's main-content text (lists and alt text off): fast, keeps some chrome."""
    try:
        from resiliparse.extract.html2text import extract_plain_text

        text = extract_plain_text(html, main_content=True, alt_texts=False, list_bullets=False,
                                  links=False, noscript=False, comments=False)
    except Exception as exc:  # a C extension error on a strange page
        return Candidate("resiliparse", error=f"{type(exc).__name__}: {exc}")
    return Candidate("resiliparse", _lines(text))


def justext_candidate(html: str, url: str) -> Candidate:
    """jusText's good paragraphs (English stop list): precise where it fires, empty elsewhere."""
    try:
        import justext  # type: ignore[import-untyped]

        paras = justext.justext(html, justext.get_stoplist("English"))
    except Exception as exc:  # jusText raises on empty/odd documents
        return Candidate("justext", error=f"{type(exc).__name__}: {exc}")
    return Candidate("justext", [normalize_space(p.text) for p in paras if not p.is_boilerplate and p.text.strip()])


EXTRACTORS = {
    "trafilatura": trafilatura_candidate,
    "trafilatura-fast": lambda html, url: trafilatura_candidate(html, url, fast=True, name="trafilatura-fast"),
    "readability": lambda html, url: readability_candidate(html, url, stock=True),
    "resiliparse": resiliparse_candidate,
    "justext": justext_candidate,
}
