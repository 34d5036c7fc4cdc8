"""One captured page → an :class:`Article` (or digest items): trafilatura plus the site's rules.

Pure: no database, no network. The article's ``url`` and ``site`` are the capture's (trafilatura
follows canonical/og:url to the original); the aggregator's own date is ``aggregator_date`` and is
never ``published``; the original publisher comes from the clues the rules list, in their order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from ..attribution import Publishers
from ..config.rules import CLUES, SiteRules
from ..errors import ExtractError
from ..model import Article, DigestItem
from ..urls import host_of
from .dates import parse_human_date
from .decode import decode_body
from .digest import digest_items
from .htmlpage import Page, pick, read_page
from .text import normalize_lines, normalize_space, text_hash, word_count
from .title import choose_title, title_order

_ROLE_WORDS = re.compile(r"(?i)\b(reporter|editor|correspondent|writer|staff|columnist|contributor|"
                         r"analyst|producer|chief|senior|desk)\b")
_BY = re.compile(r"(?i)^by\s+")
_AT_PUBLISHER = re.compile(r"(?i)\b(?:at|from|on|via|in)\s+(?P<publisher>[^.:|]{2,60}?)\s*[.:]?$")
_NO_RULES = SiteRules(name="", original_from=("canonical", "og:url"))


@dataclass
class ExtractResult:
    article: Article | None = None
    digest_items: list[DigestItem] = field(default_factory=list)
    skipped: str | None = None        # why the page is neither an article nor a digest
    charset: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Clue:
    name: str
    publisher: str | None
    url: str | None


def _same_site(a: str, b: str) -> bool:
    ha, hb = host_of(a).removeprefix("www."), host_of(b).removeprefix("www.")
    return ha == hb


def _clean_author(raw: str | None) -> str | None:
    if not raw:
        return None
    parts = [normalize_space(_BY.sub("", p)) for p in re.split(r"[;|]", raw)]
    parts = [p for p in parts if p and not _ROLE_WORDS.search(p)]
    return "; ".join(parts) or None


def _header_end(lines: list[str], rules: SiteRules) -> int:
    """Index just after the header_end line (0 when the rules have none or it is absent)."""
    if rules.header_end is None:
        return 0
    for i, line in enumerate(lines[: rules.header_max_lines]):
        if rules.header_end.search(line):
            return i + 1
    return 0


@dataclass
class _PageFacts:
    aggregator_date: str | None = None
    source_date: str | None = None
    source_outlets: list[str] = field(default_factory=list)
    source_texts: list[str] = field(default_factory=list)
    author: str | None = None
    byline_text: str | None = None
    headline: str | None = None


def _page_facts(page: Page, rules: SiteRules) -> _PageFacts:
    facts = _PageFacts()
    lines = [ln.text for ln in page.lines]
    start = _header_end(lines, rules)
    if rules.aggregator_date is not None:
        for line in lines[: max(start, rules.header_max_lines)]:
            m = rules.aggregator_date.search(line)
            if m:
                facts.aggregator_date = parse_human_date(m.group("date"))
                if facts.aggregator_date:
                    break
    if rules.headline is not None:
        value = pick(page.tree, rules.headline.xpath)
        if value and rules.headline.strip_prefix and value.startswith(rules.headline.strip_prefix):
            value = normalize_space(value[len(rules.headline.strip_prefix):])
        facts.headline = value or None
    pos = start
    if rules.source_lines is not None and (start > 0 or rules.header_end is None):
        window = lines[start: start + rules.source_max_outlets + 1]
        for j, line in enumerate(window):
            m = rules.source_lines.search(line)
            if m:
                outlets = [o for o in window[:j] if len(o) <= 60 and not rules.is_dropped(o)]
                facts.source_date = parse_human_date(m.group("date"))
                facts.source_outlets = outlets
                facts.source_texts = window[: j + 1]
                pos = start + j + 1
                break
    if rules.byline is not None:
        for line in lines[pos: pos + rules.byline_within]:
            if facts.headline and (line == facts.headline or line.endswith(facts.headline)):
                continue
            m = rules.byline.match(line)
            if m:
                facts.author = normalize_space(m.group("author"))
                facts.byline_text = line
                break
    return facts


def _top_lines(rules: SiteRules, facts: _PageFacts) -> set[str]:
    """Source lines, byline and headline: dropped where they repeat at the top of the text."""
    drop_top = set(facts.source_texts)
    if facts.byline_text:
        drop_top.add(facts.byline_text)
    if facts.headline:
        drop_top.add(facts.headline)
        if rules.headline is not None and rules.headline.strip_prefix:
            drop_top.add(rules.headline.strip_prefix + facts.headline)
    return drop_top


def _rule_lines(rules: SiteRules, facts: _PageFacts) -> Callable[[str], bool] | None:
    """Lines the rules take out of the text (dropped lines, the top's byline, headline and source
    lines): the extraction vote ignores them (:mod:`.merge`)."""
    top = _top_lines(rules, facts)
    if not rules.drop_lines and not top:
        return None
    return lambda line: line in top or rules.is_dropped(line)


def _clean_text(text: str, rules: SiteRules, facts: _PageFacts) -> list[str]:
    lines = normalize_lines(text)
    lines = lines[_header_end(lines, rules):]
    lines = [ln for ln in lines if not rules.is_dropped(ln)]
    # source lines, byline and headline repeated at the top of the text
    head = 0
    drop_top = _top_lines(rules, facts)
    limit = len(drop_top) + rules.byline_within
    while head < len(lines) and head < limit and lines[head] in drop_top:
        head += 1
    return lines[head:]


def _clues(page: Page, rules: SiteRules, publishers: Publishers, url: str, facts: _PageFacts,
           lines: list[str]) -> list[_Clue]:
    own = publishers.by_url(url)
    out: list[_Clue] = []

    def off_site(target: str | None) -> bool:
        if not target or urlsplit(target).scheme not in ("http", "https") or _same_site(target, url):
            return False
        return not (own is not None and publishers.by_url(target) == own)

    def from_url(name: str, target: str) -> _Clue:
        return _Clue(name, publishers.by_url(target) or publishers.canonical(host_of(target)), target)

    for clue in rules.original_from:
        if clue == "canonical" and off_site(page.canonical):
            out.append(from_url(clue, page.canonical or ""))
        elif clue == "og:url" and off_site(page.og_url):
            out.append(from_url(clue, page.og_url or ""))
        elif clue == "link":
            for a in page.anchors:
                if not off_site(a.href) or "sponsored" in a.rel:
                    continue
                known = publishers.by_url(a.href)
                says_original = rules.link_text.search(a.text) is not None
                if not says_original and (known is None or rules.is_dropped(a.text)):
                    continue
                article_like = len(urlsplit(a.href).path.strip("/")) > 1
                named = None  # "Read the original at New York Post": the text may name it
                m = _AT_PUBLISHER.search(a.text)
                if m and publishers.known(m.group("publisher")):
                    named = publishers.canonical(m.group("publisher"))
                out.append(_Clue(clue, known or named or publishers.canonical(host_of(a.href)),
                                 a.href if article_like else None))
                break
        elif clue == "source-line" and facts.source_outlets:
            names = [n for n in (publishers.canonical(o) for o in facts.source_outlets) if n]
            known_names = [n for n in names if publishers.known(n)]
            if names:
                out.append(_Clue(clue, (known_names or names)[-1], None))
        elif clue == "promo":
            found = None
            for line in lines:
                for pat in rules.promo:
                    m = pat.search(line)
                    if m:
                        found = publishers.canonical(m.group("publisher"))
                        break
                if found:
                    break
            if found:
                out.append(_Clue(clue, found, None))
        elif clue == "slug":
            for seg in urlsplit(url).path.split("/"):
                if seg in rules.slugs:
                    out.append(_Clue(clue, publishers.canonical(rules.slugs[seg]), None))
                    break
    # generic attribution lines ("Source: X", "Originally published by X", x_feed), any page
    from .attribution import find as find_attributions

    lines_named = find_attributions(lines, url=url, tree=page.tree, author=page.author,
                                    links=[x.href for x in page.anchors], site_name=page.site_name,
                                    own_publisher=own or rules.publisher)
    if lines_named:
        said = lines_named[0]
        out.append(_Clue("attribution-line", (publishers.by_url(said.url) if said.url else None)
                         or publishers.canonical(said.publisher), said.url))
    return out


def _points_off_site(clues: list[_Clue]) -> bool:
    """trafilatura's site name follows canonical/og:url to the original: not this page's name then."""
    return any(c.name in ("canonical", "og:url") for c in clues)


def _unwrap_layout_tables(tree: Any) -> None:
    """Tables used for layout become divs: trafilatura would otherwise flatten a whole page into
    one table row, chrome and all. A table is for layout when it says so (``role=presentation``)
    or one of its cells holds three paragraphs or more (a page column, not a datum). Any ``<p>`` or
    ``<div>`` in a cell was the earlier test: it also unwrapped data tables (Wikipedia's infoboxes,
    LWN's article tables) and cost 0.003 F1 on the Readability pages, 0.14 on one of them."""
    for table in list(tree.iter("table")):
        if (table.get("role") or "").lower() == "presentation" or any(
                len(cell.xpath(".//p")) >= 3 for cell in table.iter("td", "th")):
            for el in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
                el.tag = "div"
                for attr in ("colspan", "rowspan"):
                    el.attrib.pop(attr, None)


def _page_date(html: str, page: Page, doc: Any, url: str) -> str | None:
    if page.published:
        return page.published
    if getattr(doc, "date", None):
        return str(doc.date)
    try:
        from htmldate import find_date

        return find_date(html, extensive_search=True, original_date=True, url=url)
    except Exception:  # htmldate raises assorted errors on odd pages; a missing date is fine
        return None


def _needs_lines(rules: SiteRules, url: str) -> bool:
    """Whether the rules read the page's own lines (digests, links, header, dates, byline)."""
    return (rules.is_digest(url) or "link" in rules.original_from or rules.header_end is not None
            or any(x is not None for x in (rules.aggregator_date, rules.source_lines, rules.byline)))


def _prune(tree: Any, rules: SiteRules) -> None:
    """The rules' ``prune_xpath`` elements removed, layout tables unwrapped."""
    for xp in rules.prune_xpath:
        for el in tree.xpath(xp):
            if el.getparent() is not None:
                el.drop_tree()
    _unwrap_layout_tables(tree)


@dataclass
class _Body:
    doc: Any          # trafilatura's document (title, author, site name, date, language)
    raw_text: str     # the extractors' text, before the rules
    lines: list[str]  # after the rules
    words: int


def _read_body(page: Page, url: str, rules: SiteRules, facts: _PageFacts, result: ExtractResult) -> _Body | None:
    """The article text by the extractors' vote, cleaned by the rules; None when the page is
    skipped (``result.skipped`` says why); ExtractError when there is no text."""
    from .ensemble import read_article  # heavy extractors load on the first page only

    promo = (lambda line: any(p.search(line) for p in rules.promo)) if rules.promo else None
    reading = read_article(page.tree, url, _rule_lines(rules, facts), promo)
    result.notes.extend(reading.notes)
    if reading.base.error and not reading.blocks:
        raise ExtractError(f"trafilatura failed ({reading.base.error})")
    if reading.merged.disagree:
        result.skipped = ("trafilatura, readability and resiliparse agree on no block of text "
                          "(a front page or link hub, not an article)")
        return None
    if not reading.text.strip():
        raise ExtractError("no article text found")
    lines = _clean_text(reading.text, rules, facts)
    if not lines:
        raise ExtractError("no article text left after the site's rules")
    words = word_count("\n".join(lines))
    if words < rules.min_words:
        result.skipped = f"{words} words, fewer than the rules' min_words {rules.min_words}"
        return None
    return _Body(reading.doc, reading.text, lines, words)


def _published(html: str, page: Page, doc: Any, url: str, rules: SiteRules, facts: _PageFacts,
               notes: list[str]) -> str | None:
    """The story's own date: its source line's, else the page's (never the aggregator's own)."""
    if facts.source_date:
        return facts.source_date
    if not rules.page_dates:
        return None
    published = _page_date(html, page, doc, url)
    if published and facts.aggregator_date and published[:10] == facts.aggregator_date:
        notes.append(f"page date {published} is the aggregator's own date: not taken as published")
        return None
    return published


def _credit(clues: list[_Clue], pubs: Publishers, page: Page, rules: SiteRules, has_rules: bool,
            url: str) -> tuple[str | None, str | None, str | None]:
    """(original publisher, original URL, attribution): the most trusted clue that names a known
    publisher, else the most trusted name at all; a publisher's page without clues is its own."""
    original_publisher = next((c.publisher for c in clues if c.publisher and pubs.known(c.publisher)),
                              next((c.publisher for c in clues if c.publisher), None))
    original_url = next((c.url for c in clues if c.url), None)
    attribution = clues[0].name if clues else None
    if not clues and not rules.is_aggregator:
        own = pubs.by_url(url) or rules.publisher
        if own is None and rules.publisher_from_slug:
            seg = urlsplit(url).path.strip("/").split("/")[0]
            own = rules.slugs.get(seg)
        if own is None and has_rules and page.site_name:
            own = page.site_name
        if own:
            original_publisher, attribution = pubs.canonical(own), "self"
    return original_publisher, original_url, attribution


def extract_page(html: bytes, *, url: str, headers: list[tuple[str, str]], rules: SiteRules | None,
                 captured: str, publishers: Publishers | None = None, capture_id: str = "",
                 source: str | None = None) -> ExtractResult:
    """Decode, parse and extract one page; ExtractError when it cannot be (recorded by the runner)."""
    pubs = publishers or Publishers()
    active = rules or _NO_RULES
    decoded = decode_body(html, headers)
    result = ExtractResult(charset=decoded.charset, notes=list(decoded.notes))
    if active.is_skipped(url):
        result.skipped = "URL matches the rules' skip_urls"
        return result
    page = read_page(decoded.text, url, lines=_needs_lines(active, url))
    if active.is_digest(url):
        result.digest_items = digest_items(page, active, pubs, url, capture_id or None)
        if not result.digest_items:
            raise ExtractError("digest page without any 'Publisher: Headline' item")
        return result
    facts = _page_facts(page, active)
    _prune(page.tree, active)
    body = _read_body(page, url, active, facts, result)
    if body is None:
        return result
    doc, lines, text = body.doc, body.lines, "\n".join(body.lines)
    published = _published(decoded.text, page, doc, url, active, facts, result.notes)
    clues = _clues(page, active, pubs, url, facts, lines)
    original_publisher, original_url, attribution = _credit(clues, pubs, page, active, rules is not None, url)
    title = choose_title(headline=facts.headline, rules=active,
                         page_lines=[*(ln.text for ln in page.lines), *normalize_lines(body.raw_text)],
                         titles=title_order(getattr(doc, "title", None), page.title, page.og_title),
                         site_names=[page.site_name, getattr(doc, "sitename", None)],
                         rule_line=_rule_lines(active, facts), text_lines=lines)
    author = facts.author or _clean_author(page.author) or _clean_author(getattr(doc, "author", None))
    result.article = Article(
        capture_id=capture_id, url=url, source=source, site=host_of(url), title=title, author=author,
        published=published, aggregator_date=facts.aggregator_date, text=text, word_count=body.words,
        original_publisher=original_publisher, original_url=original_url,
        language=getattr(doc, "language", None) or page.language,
        sitename=page.site_name or (None if _points_off_site(clues) else getattr(doc, "sitename", None)),
        captured=captured,
        attribution=attribution, text_hash=text_hash(text), rules=rules.name if rules else None)
    return result


__all__ = ["ExtractResult", "extract_page", "CLUES"]
