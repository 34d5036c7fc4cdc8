"""An article's title is its headline: never a line the site's rules drop, never the site's name.

Order of trust:

1. the headline the rules read from the HTML (``headline = { xpath = ... }``, e.g. the
   ``NextImg:`` image's alt text on am1 pages);
2. a line of the page that starts with the rules' headline prefix (``NextImg:``) when the page
   carries it as text rather than as an image's alt text;
3. the page's own title, with the rules' ``title_strip`` applied: trafilatura's reading when the
   page's ``<title>`` or ``og:title`` contains it, else ``<title>`` itself (trafilatura sometimes
   takes a section heading or the first ``<h1>`` of a template: "Lorem", "About This Site",
   "Allergies Health Center"). Titles equal to Readability's expected one on its 127 titled test
   pages: trafilatura 82, ``<title>`` 62, this order 108. A candidate is passed over when it is a
   line the rules drop (site-name line, the aggregator's date line, the counter), one of the
   rules' top lines (byline, source lines), or the site's name alone;
4. else the first line of the article text (after the header block, without the lines any rule
   drops).

Measured before this order: eight real am1 copies served as plain lines with no headline
element, six came out titled ``THE AMERICA ONE NEWS`` or ``Jun 8, 2023 |`` (trafilatura takes the
first short line of such a page as its title).
"""
from __future__ import annotations

from typing import Callable, Iterable

from ..config.rules import SiteRules
from .text import normalize_space


def _clean(value: str | None, rules: SiteRules) -> str | None:
    title = normalize_space(value or "")
    if title and rules.title_strip is not None:
        title = normalize_space(rules.title_strip.sub("", title))
    return title or None


def prefixed_headline(lines: Iterable[str], rules: SiteRules) -> str | None:
    """The rest of the first line that starts with the rules' headline prefix (``NextImg:``)."""
    prefix = rules.headline.strip_prefix if rules.headline is not None else ""
    if not prefix:
        return None
    for line in lines:
        if line.startswith(prefix):
            rest = normalize_space(line[len(prefix):])
            if rest:
                return rest
    return None


def title_order(extracted: str | None, document: str | None, og_title: str | None) -> list[str | None]:
    """trafilatura's title first when the document's own title or og:title holds it (rule 3)."""
    got = normalize_space(extracted or "").casefold()
    if got and any(got in normalize_space(t or "").casefold() for t in (document, og_title)):
        return [extracted, document]
    return [document, extracted]


def choose_title(*, headline: str | None, rules: SiteRules, page_lines: Iterable[str],
                 titles: Iterable[str | None], site_names: Iterable[str | None],
                 rule_line: Callable[[str], bool] | None, text_lines: list[str]) -> str | None:
    """The first acceptable title in the order of the module doc (None when there is none)."""
    if headline:
        return headline
    found = prefixed_headline(page_lines, rules)
    if found:
        return found
    names = {normalize_space(n).casefold() for n in site_names if n and normalize_space(n)}
    for raw in titles:
        title = _clean(raw, rules)
        if not title:
            continue
        if title.casefold() in names or (rule_line is not None and rule_line(title)):
            continue
        return title
    return text_lines[0] if text_lines else None
