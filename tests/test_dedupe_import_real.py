"""The held-out scenario end to end: real news pages (Readability's sources, at their own
canonical URLs) and copies of them on copy sites (verbatim, licensed, truncated, teaser, lightly
edited; attribution lines in five phrasings or none; no dates on any copy), plus other outlets'
stories sharing sentences with them, written as one WARC and given to ``archive import``:
extraction and dedupe run, every pair is found with no false pair, the original is right
wherever the copy's text or the site registry (config/rules.toml) tells, and unknown where
nothing does. The copy pages are made here; the WARC is a real file (warcio)."""
from __future__ import annotations

import html
import re
import sqlite3
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest

from support import realpages

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not realpages.available(), reason="../shared/realpages is not beside the clone")

HEADLINES = ["City council delays vote on the new transit budget", "Storm knocks out power across the valley",
             "Local team wins its third title in four seasons", "Five recipes for a quick weeknight dinner",
             "Why rents keep rising in the suburbs this year", "Museum reopens after a two-year renovation",
             "School board names a new superintendent", "Airport adds direct flights to three cities"]

# (page, copy host, how, the line the copy carries or None, expected direction)
COPIES = [
    ("nytimes-1", "licensedwire.example", "full", "This article originally appeared on The New York Times.", "attribution"),
    ("bbc-1", "newsmirror.example", "full", "feed:bbc", "attribution"),
    ("guardian-1", "topstoriesnow.example", "teaser", None, "known-publisher"),
    ("cnn", "scraperpost.example", "full", None, "known-publisher"),
    ("wapo-1", "dailyfeedhub.example", "full", "Source: Washington Post", "attribution"),
    ("telegraph", "dailyfeedhub.example", "truncated", "Read more: The Telegraph", "attribution"),
    ("seattletimes-1", "licensedwire.example", "edited", "Originally published by The Seattle Times", "attribution"),
    ("theverge", "topstoriesnow.example", "teaser", "Read the full story at The Verge", "attribution"),
    ("medicalnewstoday", "newsmirror.example", "full", "via Medical News Today", "attribution"),
    ("herald-sun-1", "dailyfeedhub.example", "full", "link:Read more:", "attribution"),
    ("aclu", "scraperpost.example", "full", None, "unknown"),
    ("salon-1", "scraperpost.example", "edited", None, "unknown"),
]
# other outlets' own stories (another page's text) carrying two sentences of a copied story
NEGATIVES = [("engadget", "theverge"), ("wapo-2", "wapo-1"), ("iab-1", "aclu")]


def _canonical(name: str) -> str:
    m = re.search(r'<link[^>]+rel="canonical"[^>]+href="([^"]+)"', realpages.source_html(name))
    return m.group(1) if m else f"https://www.{name}.example/article.html"


def _page(title: str, paras: list[str], *, author_link: str = "", tail: list[str] = (), listing: list[str] = ()) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    if listing:
        body += "<h3>More stories</h3><ul>" + "".join(f'<li><a href="/s/{i}">{html.escape(h)}</a></li>'
                                                      for i, h in enumerate(listing)) + "</ul>"
    body += "".join(f'<p class="source">{html.escape(t)}</p>' for t in tail)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>"
            f"<header><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/tech'>Tech</a></nav></header>"
            f"<article><h1>{html.escape(title)}</h1>{author_link}{body}</article>"
            f"<footer><p>© The copy site. All rights reserved.</p></footer></body></html>").encode("utf-8")


def _edited(paras: list[str]) -> list[str]:
    out = []
    for k, p in enumerate(paras):
        words = p.split()
        for i in range(3 + k % 5, len(words), 31):  # one word in 31 swapped for its neighbour
            if i + 1 < len(words):
                words[i], words[i + 1] = words[i + 1], words[i]
        out.append(" ".join(words))
    return out


def _copy_page(name: str, how: str, line: str | None) -> bytes:
    page = next(p for p in realpages.real_pages() if p.name == name)
    paras = [p for p in page.paragraphs if len(p.split()) >= 4]
    author = ""
    tail: list[str] = []
    listing: list[str] = []
    if how == "truncated":
        paras = paras[: max(2, len(paras) * 3 // 5)]
    elif how == "teaser":
        paras = paras[:2]
        listing = HEADLINES
    elif how == "edited":
        paras = _edited(paras)
    if line and line.startswith("feed:"):
        slug = line.split(":", 1)[1]
        author = f'<p class="byline">By <a href="/author/{slug}_feed/">{slug}_feed</a></p>'
    elif line and line.startswith("link:"):  # "Read more:" linking to the original, its headline as the text
        author = (f'<p class="more">{html.escape(line.split(":", 1)[1])} <a href="{html.escape(_canonical(name))}">'
                  f'{html.escape(page.title)}</a></p>')
    elif line:
        tail = [line]
    return _page(page.title, paras, author_link=author, tail=tail, listing=listing)


def _negative_page(name: str, topic: str) -> bytes:
    page = next(p for p in realpages.real_pages() if p.name == name)
    other = next(p for p in realpages.real_pages() if p.name == topic)
    shared = [s for p in other.paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if len(s.split()) >= 10][:2]
    paras = list(page.paragraphs[:3]) + shared + list(page.paragraphs[3:])
    return _page(page.title, paras)


def _write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    import datetime as dt

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    when = dt.datetime(2025, 5, 2, 9, 0, 0)
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        for k, (url, body) in enumerate(pages):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            stamp = (when + dt.timedelta(seconds=7 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            w.write_record(w.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                                warc_headers_dict={"WARC-Date": stamp}))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("import-real")
    pages: list[tuple[str, bytes]] = []
    originals = sorted({c[0] for c in COPIES} | {n for n, _ in NEGATIVES} - {n for n, _ in NEGATIVES}
                       | {t for _, t in NEGATIVES})
    for name in originals:
        pages.append((_canonical(name), realpages.source_html(name).encode("utf-8")))
    for k, (name, host, how, line, _) in enumerate(COPIES):
        pages.append((f"https://{host}/news/{k}-{name}", _copy_page(name, how, line)))
    for k, (name, topic) in enumerate(NEGATIVES):
        pages.append((f"https://www.{name.replace('-', '')}-daily.example/story/{k}", _negative_page(name, topic)))
    # copies first in the file (a crawler often reaches a copy before its original)
    pages = pages[len(originals):] + pages[:len(originals)]
    warc = tmp / "held-out-like.warc.gz"
    _write_warc(warc, pages)
    data = tmp / "data"
    r = subprocess.run([sys.executable, "-m", "archive.cli", "import", "--data", str(data), str(warc)],
                       cwd=str(ROOT), capture_output=True, timeout=600)
    return r, data, originals


def test_import_runs_extract_and_dedupe_without_error(imported):
    r, data, _ = imported
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = r.stdout.decode()
    assert "dedupe:" in out and "skipped" not in out.split("dedupe:")[1]


def test_every_pair_found_no_false_pair_and_the_original_right_or_unknown(imported):
    r, data, originals = imported
    conn = sqlite3.connect(data / "archive.db")
    rows = conn.execute("SELECT copy_url, original_url, direction, confidence, evidence, kind FROM syndication").fetchall()
    failures = conn.execute("SELECT COUNT(*) FROM dedupe_failures").fetchone()[0]
    conn.close()
    by_pair = {frozenset((c, o)): (c, o, d, conf, ev, kind) for c, o, d, conf, ev, kind in rows}
    expected = {}
    for k, (name, host, how, line, direction) in enumerate(COPIES):
        expected[frozenset((f"https://{host}/news/{k}-{name}", _canonical(name)))] = (name, how, direction)
    for pair, (name, how, direction) in sorted(expected.items(), key=lambda x: x[1][0]):
        got = by_pair.get(pair)
        print(name, how, "->", got and got[2:])
    assert set(by_pair) == set(expected), "missing or false pairs"
    for pair, (name, how, direction) in expected.items():
        copy_url, orig_url, got_direction, confidence, evidence, kind = by_pair[pair]
        assert got_direction == direction, (name, got_direction, evidence)
        if direction != "unknown":
            assert orig_url == _canonical(name) and confidence == "high" and evidence
        else:
            assert confidence == "none"
        if how == "teaser":
            assert kind == "excerpt", (name, kind)
    assert failures == 0


def test_datasette_shows_an_unknown_direction_as_unknown(imported):
    """The canned query and the table (real Datasette on the imported archive): a pair nothing
    orients says so, and a decided one shows what decided it."""
    import asyncio

    from archive.datasette_plugin.app import load_metadata, make_datasette

    r, data, _ = imported
    ds = make_datasette(data, load_metadata(ROOT / "config" / "datasette.yml", data))
    got = asyncio.run(ds.client.get("/archive/syndicated_copies.json?_shape=array&publisher="))
    assert got.status_code == 200, got.text
    by_copy = {row["copy_url"]: row for row in got.json()}
    # an unknown direction claims no orientation: the copy page may stand on either side
    aclu = next(row for row in got.json() if row["copy_url"].endswith("-aclu") or row["original_url"].endswith("-aclu"))
    assert aclu["direction"] == "unknown: either page may be the original"
    wapo = next(row for url, row in by_copy.items() if url.endswith("-wapo-1"))
    assert wapo["direction"] == "attribution (high)" and "Washington Post" in wapo["evidence"]
    page = asyncio.run(ds.client.get("/archive/syndication?direction=unknown"))
    assert page.status_code == 200 and "either page may be the original" in page.text
