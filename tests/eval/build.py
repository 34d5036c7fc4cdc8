"""Build the extraction evaluation set: ``pages/NAME.body`` (bytes as served) + ``NAME.json``
(URL, response headers, rules block, and the EXPECTED result written from what the page was
built with — never from the extractor's output).

Run ``python tests/eval/build.py`` to regenerate; the output is committed.
"""
from __future__ import annotations

import gzip
import json
import random
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "pages"
NBSP = "\u00a0"

import sys  # noqa: E402

sys.path.insert(0, str(HERE))
from stories import NYPOST, PJMEDIA, WATIMES  # noqa: E402

# ---------------------------------------------------------------------------- the real seed
SEED = (HERE / "seed_000.txt").read_text(encoding="utf-8").split("\n")
_TOPIC = SEED.index("topic")
SEED_HEADER = SEED[:_TOPIC + 1]                      # site line … back, topic (NBSPs kept)
SEED_BYLINE = SEED[_TOPIC + 1]                       # "Joel Gehrke, Foreign Affairs Reporter"
_rest = [ln for ln in SEED[_TOPIC + 2:] if ln.strip()]
SEED_HEADLINE = _rest[0].removeprefix("NextImg:")
SEED_BODY = _rest[1:]
PROMO = "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER"
EXAMINER = dict(headline=SEED_HEADLINE, author="Joel Gehrke",
                url="https://www.washingtonexaminer.com/policy/foreign-policy/2694583/"
                    "israel-war-russia-ties-hamas-fuel-western-suspicions-putin-wants-crisis-worsen/",
                published_iso="2023-10-20T18:05:00Z", paragraphs=SEED_BODY)
AM1 = "https://am1.news/usconservative/topic/{slug}/6-slug-{tail}"


def header_lines(date_line: str, location: str = "Remer,MN", sponsors: int = 4) -> list[str]:
    """The am1 header as on the real page, with the date and location swapped in."""
    lines = list(SEED_HEADER)
    lines[1] = date_line
    lines[3] = f"{NBSP}| {location}"
    sponsor_rows = [ln for ln in lines if ln.startswith("Sponsor:")]
    keep = sponsor_rows[:sponsors]
    out = [ln for ln in lines if not ln.startswith("Sponsor:")]
    i = out.index(next(ln for ln in out if ln.startswith("back")))
    return out[:i] + keep + out[i:]


def am1_date(month: str, day: int, year: int) -> str:
    return f"{month} {day}, {year} {NBSP}| {NBSP}"


def page(title: str, head: str, body: str, *, lang: str = "en", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">\n' if charset else ""
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n{meta}<title>{escape(title)}</title>\n{head}"
            f"<script>window.qw = {{ads: true}};</script>\n<style>p {{ margin: 0 }}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def am1_copy(story: dict, *, date_line: str, markup: str = "flat", canonical: bool = False,
             og_url: bool = False, source_lines: list[str] | None = None, byline: str | None = None,
             link: str | None = None, location: str = "Remer,MN", paragraphs: list[str] | None = None,
             header: list[str] | None = None, self_canonical: str | None = None) -> str:
    """An aggregator copy built the way am1.news builds them: header lines, byline, NextImg, body."""
    head = ""
    if canonical:
        head += f'<link rel="canonical" href="{escape(story["url"])}">\n'
    if self_canonical:
        head += f'<link rel="canonical" href="{escape(self_canonical)}">\n'
    if og_url:
        head += f'<meta property="og:url" content="{escape(story["url"])}">\n'
    head += ('<meta property="og:site_name" content="THE AMERICA ONE NEWS">\n'
             f'<meta property="og:title" content="{escape(story["headline"])}">\n'
             '<meta property="article:published_time" content="' + "2025-06-20T07:00:00Z" + '">\n')
    hdr = header or header_lines(date_line, location)
    tag = "p" if markup == "flat" else "div"
    parts: list[str] = []
    if markup == "flat":
        parts += [f"<p>{escape(ln)}</p>" for ln in hdr]
    else:
        parts.append('<div class="hdr">')
        for ln in hdr:
            if ln.startswith("back") or ln == "topic":
                parts.append(f'<div class="nav"><a href="/usconservative/topic/">{escape(ln)}</a></div>')
            else:
                parts.append(f'<div class="hdr-line">{escape(ln)}</div>')
        parts.append("</div>")
    for ln in source_lines or []:
        parts.append(f'<{tag} class="src">{escape(ln)}</{tag}>')
    parts.append(f'<{tag} class="byline">{escape(byline or story["author"])}</{tag}>')
    parts.append(f'<{tag}><img src="/img/x.jpg" alt="{escape("NextImg:" + story["headline"])}"></{tag}>')
    if markup != "flat":
        parts.append('<div class="article">')
    for p in paragraphs if paragraphs is not None else story["paragraphs"]:
        parts.append(f"<p>{escape(p)}</p>")
    if link:
        parts.append(f'<p class="orig"><a href="{escape(link)}" rel="nofollow">Read the original at '
                     f'{escape(story.get("publisher", "the source"))}</a></p>')
    if markup != "flat":
        parts.append("</div>")
    parts.append('<div class="foot"><a rel="nofollow" href="https://qwiket.com/">Powered by Qwiket</a></div>')
    return page(f"{story['headline']} | THE AMERICA ONE NEWS", head, "\n".join(parts))


def original(story: dict, *, site: str, published_markup: str, title_suffix: str, promo_link: str | None = None,
             extra_head: str = "") -> str:
    """A publisher's own page with its chrome: nav, newsletter box, related links, footer."""
    url = story["url"]
    head = (f'<link rel="canonical" href="{escape(url)}">\n<meta property="og:url" content="{escape(url)}">\n'
            f'<meta property="og:site_name" content="{escape(site)}">\n'
            f'<meta property="og:title" content="{escape(story["headline"])}">\n'
            f'<meta name="author" content="{escape(story["author"])}">\n{extra_head}')
    if published_markup == "meta":
        head += f'<meta property="article:published_time" content="{story["published_iso"]}">\n'
    elif published_markup == "jsonld":
        head += ('<script type="application/ld+json">' + json.dumps(
            {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story["headline"],
             "datePublished": story["published_iso"], "author": {"@type": "Person", "name": story["author"]}})
                 + "</script>\n")
    body = [f'<header><div class="brand"><a href="/">{escape(site.upper())}</a></div><nav><a href="/news/">News</a> '
            '<a href="/politics/">Politics</a> <a href="/opinion/">Opinion</a> <a href="/video/">Video</a></nav></header>',
            "<main><article>", f"<h1>{escape(story['headline'])}</h1>",
            f'<p class="byline">By <a href="/author/x">{escape(story["author"])}</a></p>']
    if published_markup == "time":
        body.append(f'<p class="date"><time itemprop="datePublished" datetime="{story["published_iso"]}">'
                    f"{story['published_iso'][:10]}</time></p>")
    body.append('<div class="article-body">')
    for p in story["paragraphs"]:
        if p == PROMO and promo_link:
            body.append(f'<p><a href="{escape(promo_link)}">{escape(p)}</a></p>')
        else:
            body.append(f"<p>{escape(p)}</p>")
    body.append("</div></article>")
    body.append('<div class="newsletter"><h3>Sign up for our newsletter</h3><p>Get the morning briefing in your '
                'inbox every weekday. <a href="/subscribe">Subscribe now</a></p></div>')
    body.append('<aside class="related"><h2>Most read</h2><ul>'
                '<li><a href="/news/1">Senate passes stopgap spending bill after late-night talks</a></li>'
                '<li><a href="/news/2">Governor signs water rights compact with neighboring states</a></li>'
                '<li><a href="/news/3">Judge blocks rule on medical debt reporting</a></li></ul></aside>')
    body.append(f'</main><footer><p>© 2024 {escape(site)}. All rights reserved.</p><a href="/privacy">Privacy</a> '
                '<a href="/terms">Terms</a></footer>')
    return page(f"{story['headline']}{title_suffix}", head, "\n".join(body))


def digest_page() -> tuple[str, list[dict]]:
    items = [
        ("Washington Examiner", EXAMINER, "Russia's ties to Hamas feed Western suspicions that Putin wants a wider "
         "crisis, NATO officials say."),
        ("NY Post", NYPOST, "The council wants an audit before it sends $38 million to the ferry operator."),
        ("PJ Media", PJMEDIA, "Rural districts that cut Fridays are bringing them back after test scores slipped."),
        ("The Washington Times", WATIMES, "Seventeen ships are waiting for repairs as the Navy looks for pier space."),
    ]
    canonical_names = {"NY Post": "New York Post"}
    parts = [f"<p>{escape(ln)}</p>" for ln in header_lines(am1_date("Feb", 8, 2024))]
    parts.append("<h1>The Digest no. 412</h1>")
    expected = []
    for pub, story, summary in items:
        parts.append(f'<div class="digest-item"><p><a href="{escape(story["url"])}">{escape(pub)}: '
                     f'{escape(story["headline"])}</a></p>\n<p>{escape(summary)}</p></div>')
        expected.append({"publisher": canonical_names.get(pub, pub), "headline": story["headline"],
                         "summary": summary, "link": story["url"]})
    parts.append('<div class="foot"><a rel="nofollow" href="https://qwiket.com/">Powered by Qwiket</a></div>')
    return page("The Digest no. 412 | THE AMERICA ONE NEWS", "", "\n".join(parts)), expected


def expected_copy(story: dict, publisher: str, attribution: str, *, agg_date: str, published: str | None = None,
                  original_url: str | None = None, paragraphs: list[str] | None = None,
                  author: str | None = None) -> dict:
    return {"text": "\n".join(paragraphs if paragraphs is not None else story["paragraphs"]),
            "title": story["headline"], "author": author or story["author"],
            "original_publisher": publisher, "attribution": attribution, "original_url": original_url,
            "aggregator_date": agg_date, "published": published, "kind": "copy"}


def expected_original(story: dict, publisher: str) -> dict:
    return {"text": "\n".join(story["paragraphs"]), "title": story["headline"], "author": story["author"],
            "original_publisher": publisher, "attribution": "self", "original_url": None,
            "aggregator_date": None, "published": story["published_iso"], "kind": "original"}


def build() -> None:
    OUT.mkdir(exist_ok=True)
    for f in OUT.iterdir():
        f.unlink()
    html_ct = [("Content-Type", "text/html; charset=utf-8")]
    cases: list[tuple[str, str, bytes, list[tuple[str, str]], str | None, dict]] = []

    def add(name: str, url: str, body: str | bytes, expected: dict, headers: list | None = None,
            rules: str | None = "am1") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        cases.append((name, url, data, headers or html_ct, rules, expected))

    ex = dict(EXAMINER, publisher="Washington Examiner")
    ny = dict(NYPOST, publisher="New York Post")
    pj = dict(PJMEDIA, publisher="PJ Media")
    wt = dict(WATIMES, publisher="The Washington Times")
    ex_url = AM1.format(slug="waexaminer", tail="israel-war-russia-s-ties-to-hamas-fuel-western-suspicions-that-"
                        "putin-wants-crisis-to-worsen")
    jun20 = SEED_HEADER[1]  # the real date line, NBSPs and all

    # 1-2: the real seed, flat <p> lines vs <div> chrome, canonical + og:url to the Examiner
    add("am1_seed_flat_canonical", ex_url, am1_copy(ex, date_line=jun20, canonical=True, og_url=True,
                                                    byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "canonical", agg_date="2025-06-20", original_url=ex["url"]))
    add("am1_seed_div_canonical", ex_url, am1_copy(ex, date_line=jun20, markup="div", canonical=True,
                                                   byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "canonical", agg_date="2025-06-20", original_url=ex["url"]))
    # 3: no canonical, no link: the Examiner's own promo line names it (kept in the text)
    add("am1_seed_flat_promo", ex_url, am1_copy(ex, date_line=jun20, byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "promo", agg_date="2025-06-20"))
    # 4: og:url only, div chrome
    add("am1_seed_div_ogurl", ex_url, am1_copy(ex, date_line=jun20, markup="div", og_url=True, byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "og:url", agg_date="2025-06-20", original_url=ex["url"]))
    # 5: whitespace variants: narrow NBSP, doubled NBSP, tabs, another location line
    odd = header_lines(f"Jun{NBSP}\u202f20,\t2025{NBSP}{NBSP} |{NBSP}\u2009", location="Boise,ID", sponsors=2)
    odd = [ln.replace("back", f"back{NBSP}\u202f{NBSP}") if ln.startswith("back") else ln for ln in odd]
    odd = [f"{NBSP}{ln}{NBSP}\t" if ln == "topic" else ln for ln in odd]
    add("am1_seed_nbsp_variants", ex_url, am1_copy(ex, date_line="", header=odd, canonical=True, byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "canonical", agg_date="2025-06-20", original_url=ex["url"]))
    # 6-7: older pages with source lines: outlet lines + the story's own date
    ny_url = AM1.format(slug="nypost", tail="city-council-delays-vote-on-ferry-subsidy-as-fares-climb")
    add("am1_nypost_source_lines_flat", ny_url,
        am1_copy(ny, date_line=am1_date("Dec", 20, 2023), source_lines=["NY Post", "New York Post", "19 Dec 2023"],
                 byline=f"By {ny['author']}"),
        expected_copy(ny, "New York Post", "source-line", agg_date="2023-12-20", published="2023-12-19"))
    wt_url = AM1.format(slug="watimes", tail="navy-weighs-new-pier-lease-as-shipyard-backlog-grows")
    add("am1_watimes_source_lines_div", wt_url,
        am1_copy(wt, date_line=am1_date("Jan", 4, 2024), markup="div",
                 source_lines=["WA Times", "The Washington Times", "3 Jan 2024"],
                 byline=f"{wt['author']}, National Security Correspondent"),
        expected_copy(wt, "The Washington Times", "source-line", agg_date="2024-01-04", published="2024-01-03"))
    # 8: a link to the original (rel=nofollow: its text never reaches trafilatura's output)
    pj_url = AM1.format(slug="pjmedia", tail="the-quiet-retreat-of-the-four-day-school-week")
    add("am1_pjmedia_link", pj_url, am1_copy(pj, date_line=am1_date("Feb", 8, 2024), link=pj["url"],
                                             byline=f"By {pj['author']}"),
        expected_copy(pj, "PJ Media", "link", agg_date="2024-02-08", original_url=pj["url"]))
    # 9: only the feed slug (and a canonical pointing at the copy itself, which is no clue)
    add("am1_watimes_slug_only", wt_url, am1_copy(wt, date_line=am1_date("Jan", 5, 2024), self_canonical=wt_url,
                                                  byline=f"{wt['author']}, Pentagon Reporter"),
        expected_copy(wt, "The Washington Times", "slug", agg_date="2024-01-05"))
    # 10: "By" byline, div chrome, canonical to the New York Post
    add("am1_nypost_canonical_div", ny_url, am1_copy(ny, date_line=am1_date("Dec", 19, 2023), markup="div",
                                                     canonical=True, byline=f"By {ny['author']}"),
        expected_copy(ny, "New York Post", "canonical", agg_date="2023-12-19", original_url=ny["url"]))
    # 11: another site built the same way (crawled with --rules am1 on its own host)
    other = "http://127.0.0.1:8601/usconservative/topic/waexaminer/6-slug-israel-war"
    add("am1_other_host_same_build", other, am1_copy(ex, date_line=jun20, byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "promo", agg_date="2025-06-20"))
    # 12: gzip content-encoding
    add("am1_gzip", ex_url, gzip.compress(am1_copy(ex, date_line=jun20, canonical=True, byline=SEED_BYLINE)
                                          .encode("utf-8")),
        expected_copy(ex, "Washington Examiner", "canonical", agg_date="2025-06-20", original_url=ex["url"]),
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")])
    # 13: XHTML with an XML declaration (lxml refuses str input that carries one)
    xhtml = '<?xml version="1.0" encoding="utf-8"?>\n' + am1_copy(ny, date_line=am1_date("Dec", 20, 2023),
                                                                 byline=f"By {ny['author']}")
    add("am1_xml_declaration", ny_url, xhtml,
        expected_copy(ny, "New York Post", "slug", agg_date="2023-12-20"),
        headers=[("Content-Type", "application/xhtml+xml; charset=utf-8")])
    # 14: HTTP says ISO-8859-1, the body is UTF-8 (curly quotes): must not turn into mojibake
    add("charset_http_latin1_body_utf8", ex_url, am1_copy(ex, date_line=jun20, canonical=True, byline=SEED_BYLINE),
        expected_copy(ex, "Washington Examiner", "canonical", agg_date="2025-06-20", original_url=ex["url"]),
        headers=[("Content-Type", "text/html; charset=ISO-8859-1")])
    # 15: HTTP says UTF-8, the body is windows-1252 and its <meta> says so
    cp = am1_copy(ny, date_line=am1_date("Dec", 20, 2023), byline=f"By {ny['author']}", canonical=True)
    cp = cp.replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">')
    add("charset_meta_cp1252", ny_url, cp.encode("cp1252"),
        expected_copy(ny, "New York Post", "canonical", agg_date="2023-12-20", original_url=ny["url"]))
    # 16: HTTP says UTF-8, the body is windows-1252, nothing else declared: an error, not mojibake
    bad = am1_copy(ny, date_line=am1_date("Dec", 20, 2023), byline=f"By {ny['author']}").replace(
        '<meta charset="utf-8">', "")
    add("charset_undecodable", ny_url, bad.encode("cp1252"), {"error": "charset"})
    # 17: broken HTML: cut in the middle of a paragraph
    full = am1_copy(pj, date_line=am1_date("Feb", 8, 2024), byline=f"By {pj['author']}")
    cut_para = pj["paragraphs"][3]
    cut_at = full.index(escape(cut_para)) + len(escape(cut_para)) // 2
    fragment = cut_para[:len(cut_para) // 2].rsplit(" ", 1)[0]
    add("broken_truncated", pj_url, full[:cut_at],
        expected_copy(pj, "PJ Media", "slug", agg_date="2024-02-08",
                      paragraphs=pj["paragraphs"][:3] + [fragment]))
    # 18: broken HTML: unclosed and mismatched tags, stray end tags, unquoted attributes
    messy = am1_copy(wt, date_line=am1_date("Jan", 4, 2024), byline=f"{wt['author']}, Reporter", canonical=True)
    messy = messy.replace("</p>", "", 5).replace("<p>", "<p class=x>", 3).replace("</div>", "</span></div>", 2)
    messy = messy.replace("<body>", "<body><div><table><tr><td>", 1)
    add("broken_tags", wt_url, messy,
        expected_copy(wt, "The Washington Times", "canonical", agg_date="2024-01-04", original_url=wt["url"]))
    # 19-20: not HTML at all, and an empty body: recorded errors
    rnd = random.Random(4)
    add("broken_binary", ex_url, b"\x89PNG\r\n\x1a\n" + bytes(rnd.randrange(256) for _ in range(3000)),
        {"error": "any"}, headers=[("Content-Type", "text/html")])
    add("broken_empty", ex_url, b"", {"error": "any"})
    # 21-24: the publishers' originals with their chrome
    for name, story, site, markup, suffix, rules, promo in [
            ("original_examiner", ex, "Washington Examiner", "meta", " | Washington Examiner",
             "washington-examiner", "https://www.washingtonexaminer.com/"),
            ("original_nypost", ny, "New York Post", "jsonld", " | New York Post", "new-york-post", None),
            ("original_pjmedia", pj, "PJ Media", "time", " – PJ Media", "pj-media", None),
            ("original_watimes", wt, "The Washington Times", "meta", " - Washington Times", "washington-times", None)]:
        add(name, story["url"], original(story, site=site, published_markup=markup, title_suffix=suffix, promo_link=promo),
            expected_original(story, site), rules=rules)
    # 26: the Examiner's original with chrome inside the article body (ads, newsletter box, share bar)
    inline = original(ex, site="Washington Examiner", published_markup="meta", title_suffix=" | Washington Examiner")
    for k, para in enumerate(ex["paragraphs"][2:14:4]):
        extra = ['<div class="ad-slot"><span>Advertisement</span></div>',
                 '<div class="newsletter-inline"><p>Sign up for the Daily on Defense newsletter. '
                 '<a href="/newsletters">Subscribe</a></p></div>',
                 '<div class="share-bar"><a href="/share/fb">Share</a> <a href="/share/x">Post</a> '
                 '<a href="/share/mail">Email</a></div>'][k]
        inline = inline.replace(f"<p>{escape(para)}</p>", f"<p>{escape(para)}</p>\n{extra}", 1)
    add("original_examiner_inline_chrome", ex["url"], inline,
        expected_original(ex, "Washington Examiner"),
        rules="washington-examiner")
    # 27: a copy whose lines are <br>-separated inside one element (no <p> at all)
    br_lines = [escape(ln) for ln in header_lines(am1_date("Jan", 4, 2024))] + [escape(f"{wt['author']}, Reporter")]
    br_body = "<br>\n".join(br_lines) + f'<br>\n<img src="/x.jpg" alt="{escape("NextImg:" + wt["headline"])}"><br><br>\n'
    br_body += "<br><br>\n".join(escape(p) for p in wt["paragraphs"])
    add("am1_br_lines", wt_url,
        page(f"{wt['headline']} | THE AMERICA ONE NEWS", f'<link rel="canonical" href="{escape(wt["url"])}">\n',
             f'<div class="page">{br_body}</div>'),
        expected_copy(wt, "The Washington Times", "canonical", agg_date="2024-01-04", original_url=wt["url"]))
    # 28: a copy with a trending sidebar and a comment counter after the story
    side = am1_copy(ny, date_line=am1_date("Dec", 20, 2023), byline=f"By {ny['author']}", canonical=True)
    side = side.replace('<div class="foot">', '<div class="sidebar"><h3>Trending</h3><ul>'
                        '<li><a href="/usconservative/topic/nypost/6-slug-a">Mayor unveils budget with hiring freeze</a></li>'
                        '<li><a href="/usconservative/topic/nypost/6-slug-b">Subway ridership tops pre-pandemic mark</a></li>'
                        '<li><a href="/usconservative/topic/nypost/6-slug-c">Judge tosses suit over bike lanes</a></li>'
                        '</ul></div><p class="comments">Comments (0)</p><div class="foot">', 1)
    add("am1_trending_sidebar", ny_url, side,
        expected_copy(ny, "New York Post", "canonical", agg_date="2023-12-20", original_url=ny["url"]))
    # 25: a digest page
    dg_html, dg_items = digest_page()
    add("am1_digest", "https://am1.news/usconservative/topic/fq/6-slug-the-digest-feb-8-2024-no-412", dg_html,
        {"digest_items": dg_items, "kind": "digest"})

    index = []
    for name, url, data, headers, rules, expected in cases:
        (OUT / f"{name}.body").write_bytes(data)
        meta = {"name": name, "url": url, "headers": headers, "rules": rules, "expected": expected}
        (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        index.append(name)
    print(f"{len(index)} pages in {OUT}")


if __name__ == "__main__":
    build()
