"""Mozilla Readability's test pages (``../shared/realpages/readability/pages``) as plain texts.

Each page's ``expected.html`` (Readability's own output) is read into paragraphs with lxml: one
paragraph per leaf block element (p, li, h1-h6, blockquote, pre, td, dd, figcaption ...), its
whitespace squashed. That is independent of the project's extraction, so tests built on these
texts do not restate it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT.parent / "shared" / "realpages" / "readability" / "pages"
_BLOCKS = frozenset("p li h1 h2 h3 h4 h5 h6 blockquote pre td th dd dt figcaption caption div section article".split())


@dataclass(frozen=True)
class RealPage:
    name: str
    title: str
    paragraphs: tuple[str, ...]
    published: str | None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


def available() -> bool:
    return PAGES.is_dir()


def _paragraphs(html: str) -> list[str]:
    from lxml import html as lh

    tree = lh.document_fromstring(html)
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    out: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag.lower() not in _BLOCKS:
            continue
        if any(isinstance(d.tag, str) and d.tag.lower() in _BLOCKS for d in el.iterdescendants()):
            # a container: only its own loose text (text and tails of inline children) counts
            own = " ".join(t for t in [el.text or ""] + [c.tail or "" for c in el] if t.strip())
            own = " ".join(own.split())
            if own:
                out.append(own)
            continue
        text = " ".join(el.text_content().split())
        if text:
            out.append(text)
    return out


@lru_cache(maxsize=1)
def real_pages() -> tuple[RealPage, ...]:
    """Every page with some text, in name order."""
    out = []
    for d in sorted(PAGES.iterdir()):
        exp = d / "expected.html"
        if not exp.is_file():
            continue
        meta = {}
        if (d / "expected-metadata.json").is_file():
            meta = json.loads((d / "expected-metadata.json").read_text(encoding="utf-8"))
        paras = _paragraphs(exp.read_text(encoding="utf-8"))
        if paras:
            out.append(RealPage(d.name, (meta.get("title") or d.name).strip(), tuple(paras),
                                meta.get("publishedTime")))
    return tuple(out)


def source_html(name: str) -> str:
    return (PAGES / name / "source.html").read_text(encoding="utf-8", errors="replace")
