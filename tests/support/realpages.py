"""Mozilla Readability's test pages (``../shared/realpages/readability/pages``, Apache-2.0) as
plain texts (:func:`real_pages`, for the dedupe tests) and as a WARC of their HTML
(:func:`write_warc`, for the import → extract → dedupe test).

Each page's ``expected.html`` (Readability's own output) is read into paragraphs with lxml: one
paragraph per leaf block element (p, li, h1-h6, blockquote, pre, td, dd, figcaption ...), its
whitespace squashed. That is independent of the project's extraction, so tests built on these
texts do not restate it.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT.parent / "shared" / "realpages" / "readability" / "pages"
READABILITY_PAGES = PAGES
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


def readability_pages() -> list[Any]:
    """The pages with their references, as the extraction benchmark reads them."""
    from archive.extract.scoring import load_pages

    return load_pages(READABILITY_PAGES)


def write_warc(path: Path, pages: list[Any]) -> Path:
    """One gzipped WARC 1.1 file: a warcinfo record, then a request/response pair per page at its
    own URL, served as UTF-8 HTML (the source files are UTF-8), one second apart."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    start = dt.datetime(2024, 5, 1, 12, 0, 0)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/support/realpages.py"}))
        for i, page in enumerate(pages):
            body = page.html.encode("utf-8")
            date = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            resp = writer.create_warc_record(page.url, "response", payload=BytesIO(body), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
            host = page.url.split("/")[2]
            req_http = StatusAndHeaders("GET /article.html HTTP/1.1", [("Host", host)], is_http_request=True)
            req = writer.create_warc_record(page.url, "request", payload=BytesIO(b""), http_headers=req_http,
                                            warc_headers_dict={"WARC-Date": date})
            req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID"))
            writer.write_record(resp)
            writer.write_record(req)
    return path
