"""The sample web's ground truth: what each story, copy and digest is, as the stages should
read it (extraction and dedupe score against these records)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from . import markup as pages

if TYPE_CHECKING:
    from .pages import Renderer
    from .site import Site


class _Mapping:
    """Lets truth records be read as attributes or as ``record["key"]``."""

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload,no-any-return]


@dataclass
class StoryTruth(_Mapping):
    index: int
    outlet: str  # feed slug: waexaminer, nypost, pjmedia, watimes
    publisher: str  # "Washington Examiner", ...
    headline: str
    byline: str  # as printed ("Joel Gehrke, Foreign Affairs Reporter" or "By Maria Novak")
    author: str
    original_url: str
    published: str  # ISO 8601 UTC of the original (article:published_time)
    paragraphs: list[str]  # the original's body at the current generation
    copy_kind: str  # "full", "truncated" or "none" (never copied)
    copy_url: str | None
    copy_urls: list[str]  # every copy: a few stories were ingested twice ("…-2", same text and date)
    copied: str | None  # ISO 8601 UTC when the aggregator copied it
    aggregator_date: str | None  # the copy's date line as a date, "2025-06-20"
    aggregator_date_line: str | None  # "Jun 20, 2025 \xa0| \xa0" as printed
    copy_paragraphs: list[str]  # body paragraphs the copy carries
    canonical: bool  # copy has <link rel=canonical> to the original
    og_url: bool  # copy has og:url with the original
    source_lines: bool  # copy has the outlet/date lines after "topic"
    copy_link: str | None  # the copy's visible link to the original (maybe via a 302 redirect)
    revision: int  # times updated by advance()
    promo_line: str | None  # the publisher's own promo line inside the body, if any
    copy_markup: str | None = None  # "flat", "chrome" or "flat-div": how the copy page is built
    # off-host links on the copy that are not its original (sponsor, share, ads, other outlets'
    # stories; the last one a known publisher's original): never to be followed as the original
    decoy_links: list[str] = field(default_factory=list)


@dataclass
class DigestItemTruth(_Mapping):
    position: int
    publisher: str
    headline: str
    summary: str
    link: str
    story_index: int
    original_url: str
    copy_url: str | None


@dataclass
class DigestTruth(_Mapping):
    url: str
    number: int
    date: str
    items: list[DigestItemTruth]


class Truth(list[StoryTruth]):
    """The stories (a list, oldest first) plus ``.digests`` and the script-only page's text."""

    digests: list[DigestTruth]
    script_page: dict[str, Any]
    generation: int

    def by_original(self) -> dict[str, StoryTruth]:
        return {s.original_url: s for s in self}

    def by_copy(self) -> dict[str, StoryTruth]:
        return {u: s for s in self for u in s.copy_urls}


def build_truth(site: "Site", renderer: "Renderer") -> Truth:
    """The truth of the web's current generation (call it with the web's lock held)."""
    r = renderer
    out = Truth()
    for i in range(site.story_count):
        s = site.story(i)
        copy = r.copy_url(s)
        link = None
        if copy:
            link = r.pub + f"/r/{s.pub_id}" if s.via_redirect else r.original_url(s)
        out.append(StoryTruth(
            index=i, outlet=s.outlet.slug, publisher=s.outlet.name, headline=s.headline,
            byline=s.byline, author=s.author, original_url=r.original_url(s),
            published=s.published.isoformat() + "Z", paragraphs=list(site.body(i)),
            copy_kind=s.copy_kind, copy_url=copy, copy_urls=[r.agg + cp for cp in s.copy_paths],
            copied=s.copied.isoformat() + "Z" if s.copied else None,
            aggregator_date=s.copied.date().isoformat() if s.copied else None,
            aggregator_date_line=pages._date_line(s.copied) if s.copied else None,
            copy_paragraphs=list(site.copy_body(i)) if copy else [],
            canonical=bool(copy) and s.canonical, og_url=bool(copy) and s.og_url,
            source_lines=bool(copy) and s.source_lines, copy_link=link,
            revision=site.revision(i), promo_line=s.outlet.promo_line,
            copy_markup=("flat", "chrome", "flat-div")[i % 3] if copy else None,
            decoy_links=r.decoy_links(s) if copy else []))
    out.digests = []
    for d in site.digests():
        items = []
        for pos, i in enumerate(d.stories):
            s = site.story(i)
            items.append(DigestItemTruth(position=pos, publisher=s.outlet.name, headline=s.headline,
                                         summary=site.summary(i), link=r.digest_link(i), story_index=i,
                                         original_url=r.original_url(s), copy_url=r.copy_url(s)))
        out.digests.append(DigestTruth(url=r.agg + d.path, number=d.number,
                                       date=d.date.isoformat() + "Z", items=items))
    out.script_page = {"url": r.agg + pages.SCRIPT_PAGE, "script": r.agg + pages.SCRIPT_DATA,
                       "publisher_url": r.pub + pages.PUB_SCRIPT_PAGE,
                       "publisher_script": r.pub + pages.SCRIPT_DATA,
                       "paragraphs": r.script_page_text()}
    out.generation = site.generation
    return out
