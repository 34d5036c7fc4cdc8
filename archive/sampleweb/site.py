"""The sample web's content model: outlets, stories, copies, digests, generations.

Pure and deterministic: every value is a function of ``(seed, articles, generation)``; nothing
reads the clock. Story metadata is cheap and cached; bodies are built on demand.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from . import text

BASE_TIME = dt.datetime(2025, 6, 1, 6, 0, 0)  # naive UTC; the sample web's own calendar
STORY_SPACING = dt.timedelta(hours=3)
PER_PAGE = 10  # items on a listing page
DIGEST_SIZE = 10  # stories per digest page

CopyKindT = Literal["full", "truncated", "none"]


@dataclass(frozen=True)
class Outlet:
    slug: str  # the aggregator's feed slug (topic), also the publisher's path prefix
    name: str  # as in the promo line and digest items
    short: str  # first source line on older am1 pages
    full: str  # second source line
    section: str
    promo_line: str | None
    byline_style: Literal["role", "by"]


OUTLETS: tuple[Outlet, ...] = (
    Outlet("waexaminer", "Washington Examiner", "Washington Examiner", "The Washington Examiner",
           "policy", "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER", "role"),
    Outlet("nypost", "New York Post", "NY Post", "New York Post", "news", None, "by"),
    Outlet("pjmedia", "PJ Media", "PJ Media", "PJ Media", "columns", None, "by"),
    Outlet("watimes", "The Washington Times", "WA Times", "The Washington Times", "news", None, "role"),
)
OUTLET_BY_SLUG = {o.slug: o for o in OUTLETS}
_OUTLET_WEIGHTS = (40, 25, 15, 20)

# outlets on the third host (127.0.0.3) that no [publishers] block knows: a copy's "related"
# box links to their stories, which are no copy's original
OTHER_OUTLETS: tuple[tuple[str, str], ...] = (
    ("dailyledger", "The Daily Ledger"), ("frontiertimes", "Frontier Times"), ("capitolwire", "Capitol Wire"))
OTHER_STORY_BASE = 300_000  # their stories' headline indexes: far from any sample story's
SHARE_NETWORKS = (("facebook", "Share on Facebook", "u"), ("x", "Post on X", "url"),
                  ("email", "Share via Email", "body"))  # "via": the shared link_text default matches it
ADS = ("Gold IRA: the free guide retirees ask for", "Mortgage rates fall again: see today's offers",
       "This fantasy app picks your lineup", "Doctors stunned by one simple knee trick")


@dataclass(frozen=True)
class Story:
    index: int
    outlet: Outlet
    headline: str
    slug: str
    pub_id: int
    author: str
    role: str
    published: dt.datetime
    copy_kind: CopyKindT  # "none": the aggregator never copied it
    copied: dt.datetime | None  # when the aggregator copied it (its date line)
    canonical: bool  # copy carries <link rel=canonical> to the original
    og_url: bool  # copy carries og:url with the original
    source_lines: bool  # older-style copy with outlet/date lines after "topic"
    via_redirect: bool  # the copy's link to the original goes through the publisher's /r/ redirect
    image: int  # which of the shared photos illustrates it
    twice: bool = False  # the aggregator ingested it twice: a second copy at "<copy path>-2"

    @property
    def byline(self) -> str:
        if self.outlet.byline_style == "by":
            return f"By {self.author}"
        return f"{self.author}, {self.role}"

    @property
    def original_path(self) -> str:
        return f"/{self.outlet.slug}/{self.outlet.section}/{self.pub_id}/{self.slug}"

    @property
    def copy_path(self) -> str | None:
        if self.copy_kind == "none":
            return None
        return f"/usconservative/topic/{self.outlet.slug}/6-slug-{self.slug}"

    @property
    def copy_paths(self) -> tuple[str, ...]:
        """Every copy of the story on the aggregator (two when it ingested the story twice)."""
        p = self.copy_path
        if p is None:
            return ()
        return (p, p + "-2") if self.twice else (p,)


@dataclass(frozen=True)
class Digest:
    number: int  # 1-based
    stories: tuple[int, ...]
    date: dt.datetime

    @property
    def slug(self) -> str:
        d = self.date
        return f"the-digest-{d.strftime('%b').lower()}-{d.day}-{d.year}-no-{self.number}"

    @property
    def path(self) -> str:
        return f"/usconservative/topic/fq/6-slug-{self.slug}"


@dataclass
class Site:
    """All stories and pages of one sample web at one generation."""

    articles: int = 40
    seed: int = 1
    generation: int = 0
    _listing_cache: dict[tuple[int, str], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.articles < 1:
            raise ValueError(f"articles must be >= 1, got {self.articles}")
        self.story = functools.lru_cache(maxsize=65536)(self._story)
        self.paragraphs = functools.lru_cache(maxsize=4096)(self._paragraphs)
        self.summary = functools.lru_cache(maxsize=65536)(self._summary)
        self.revised_in = functools.lru_cache(maxsize=1024)(self._revised_in)  # type: ignore[method-assign]

    # ---- stories -------------------------------------------------------------------------
    @property
    def story_count(self) -> int:
        """Stories visible at the current generation (each advance adds one per outlet)."""
        return self.articles + len(OUTLETS) * self.generation

    def _story(self, i: int) -> Story:
        rng = text.Rng(f"sampleweb:{self.seed}:{i}:meta")
        n = self.articles
        if i < n:
            outlet = rng.choices(OUTLETS, weights=_OUTLET_WEIGHTS)[0]
            published = BASE_TIME + STORY_SPACING * i + dt.timedelta(minutes=rng.randrange(150))
            r = rng.random()
            lag = (dt.timedelta(minutes=rng.randrange(60, 720)) if r < 0.7 else
                   dt.timedelta(minutes=rng.randrange(720, 2880)) if r < 0.9 else
                   dt.timedelta(minutes=rng.randrange(2880, 7200)))
            k = rng.random()
            kind: CopyKindT = "none" if k < 0.1 else "truncated" if k < 0.25 else "full"
            if i == 0:
                kind = "full"  # the front page's first story always has a full copy
        else:  # stories published by advance(): one per outlet per generation, newest of all
            outlet = OUTLETS[(i - n) % len(OUTLETS)]
            published = (BASE_TIME + STORY_SPACING * n + dt.timedelta(days=6)
                         + dt.timedelta(hours=1) * (i - n) + dt.timedelta(minutes=rng.randrange(30)))
            lag = dt.timedelta(minutes=rng.randrange(40, 120))
            kind = "full"
            rng.random()
        canonical = rng.random() < 0.55
        og_url = rng.random() < (0.9 if canonical else 0.2)
        source_lines = rng.random() < 0.3
        via_redirect = rng.random() < 0.1
        author, role = text.byline(rng)
        head = text.headline(i)
        return Story(index=i, outlet=outlet, headline=head, slug=text.slugify(head),
                     pub_id=2690000 + i * 7, author=author, role=role,
                     published=published.replace(second=0),
                     copy_kind=kind, copied=None if kind == "none" else (published + lag).replace(second=0),
                     canonical=canonical, og_url=og_url, source_lines=source_lines,
                     via_redirect=via_redirect, image=rng.randrange(12),
                     twice=kind != "none" and i % 20 == 7)

    def revision(self, i: int) -> int:
        """How many times story ``i`` was updated up to the current generation."""
        return sum(1 for g in range(1, self.generation + 1) if i in self.revised_in(g))

    def revised_in(self, g: int) -> frozenset[int]:
        return self._revised_in(g)

    def _revised_in(self, g: int) -> frozenset[int]:
        """The stories whose text changes at generation ``g`` (a few, among the first ones)."""
        if g < 1:
            return frozenset()
        rng = random.Random(f"sampleweb:{self.seed}:revise:{g}")
        pool = self.articles
        return frozenset(rng.sample(range(pool), min(2, pool)))

    def revised_at(self, i: int) -> dt.datetime | None:
        last = max((g for g in range(1, self.generation + 1) if i in self.revised_in(g)), default=0)
        return self.generation_time(last) if last else None

    def generation_time(self, g: int) -> dt.datetime:
        return BASE_TIME + STORY_SPACING * self.articles + dt.timedelta(days=6) + dt.timedelta(hours=4) * g

    def _paragraphs(self, i: int, revision: int) -> tuple[str, ...]:
        s = self.story(i)
        promos = [self.story(j).headline for j in self._promo_targets(i)]
        d = s.published - dt.timedelta(days=1)
        caption_date = f"{text.WEEKDAYS[d.weekday()]}, {text.MONTHS_AP[d.month - 1]} {d.day}, {d.year}"
        paras = text.body(self.seed, i, promo_headlines=promos, promo_line=s.outlet.promo_line,
                          caption_date=caption_date)
        for r in range(1, revision + 1):
            paras.append(text.update_paragraph(self.seed, i, r))
        return tuple(paras)

    def body(self, i: int) -> tuple[str, ...]:
        """The original's body paragraphs at the current generation."""
        return self.paragraphs(i, self.revision(i))

    def _summary(self, i: int) -> str:
        """The short summary listings, digests and the feed show (the lead's first words)."""
        return text.summary([text.lead(self.seed, i)])

    def copy_body(self, i: int) -> tuple[str, ...]:
        """The paragraphs the aggregator's copy carries (all, or the first part if truncated)."""
        paras = self.body(i)
        if self.story(i).copy_kind == "truncated":
            return paras[:max(3, len(paras) * 2 // 5)]
        return paras

    def _promo_targets(self, i: int) -> list[int]:
        """Earlier stories of the same outlet shown as inline promo headlines (0–2)."""
        s = self.story(i)
        out: list[int] = []
        j = i - 1
        while j >= 0 and len(out) < 2 and i - j < 40:
            if self.story(j).outlet == s.outlet:
                out.append(j)
            j -= 1
        return out

    def related(self, i: int, k: int = 3) -> list[int]:
        """Earlier stories of the same outlet for the publisher's related links (never later
        ones, so an original stays byte-identical when new stories appear)."""
        s = self.story(i)
        out: list[int] = []
        j = i - 1
        while j >= 0 and len(out) < k and i - j < 60:
            if self.story(j).outlet == s.outlet:
                out.append(j)
            j -= 1
        return out

    def related_known(self, i: int) -> int | None:
        """The latest earlier story of another outlet: the copy's "related" box links to its
        original (a known publisher's host, yet not this copy's original)."""
        s = self.story(i)
        j = i - 1
        while j >= 0 and i - j < 60:
            if self.story(j).outlet != s.outlet:
                return j
            j -= 1
        return None

    def related_elsewhere(self, i: int) -> list[tuple[str, int]]:
        """Two (outlet slug, story number) pairs of the third host's outlets for copy ``i``."""
        return [(OTHER_OUTLETS[(i + r) % len(OTHER_OUTLETS)][0], OTHER_STORY_BASE + 2 * i + r) for r in range(2)]

    def ads(self, i: int) -> tuple[int, int]:
        """The two ads copy ``i`` shows (indexes of ADS)."""
        return i % len(ADS), (i + 1) % len(ADS)

    # ---- listings --------------------------------------------------------------------------
    def _cached(self, name: str, build: Callable[[], Any]) -> Any:
        """Per-generation cache of listings; entries of older generations are dropped."""
        key = (self.generation, name)
        hit = self._listing_cache.get(key)
        if hit is None:
            if any(g != self.generation for g, _ in self._listing_cache):
                self._listing_cache.clear()
            hit = self._listing_cache[key] = build()
        return hit

    def topic_stories(self, slug: str) -> list[int]:
        """Copied stories of one outlet, newest copy first."""
        def build() -> list[int]:
            sel = [s for s in map(self.story, range(self.story_count))
                   if s.outlet.slug == slug and s.copied is not None]
            sel.sort(key=lambda s: (s.copied, s.index), reverse=True)
            return [s.index for s in sel]
        return self._cached("topic:" + slug, build)  # type: ignore[no-any-return]

    def outlet_stories(self, slug: str) -> list[int]:
        """One outlet's originals, newest first (the publisher's section page)."""
        def build() -> list[int]:
            sel = [i for i in range(self.story_count) if self.story(i).outlet.slug == slug]
            sel.sort(key=lambda i: (self.story(i).published, i), reverse=True)
            return sel
        return self._cached("pub:" + slug, build)  # type: ignore[no-any-return]

    def latest_copies(self, k: int) -> list[int]:
        def build() -> list[int]:
            sel = [i for i in range(self.story_count) if self.story(i).copied is not None]
            sel.sort(key=lambda i: (self.story(i).copied, i), reverse=True)
            return sel
        return self._cached("latest", build)[:k]  # type: ignore[no-any-return]

    def latest_originals(self, k: int) -> list[int]:
        def build() -> list[int]:
            return sorted(range(self.story_count), key=lambda i: (self.story(i).published, i), reverse=True)
        return self._cached("latest-pub", build)[:k]  # type: ignore[no-any-return]

    def digests(self) -> list[Digest]:
        return self._cached("digests", self._digests)  # type: ignore[no-any-return]

    def digest_by_path(self, path: str) -> Digest | None:
        paths = self._cached("digest-paths", lambda: {d.path: d for d in self.digests()})
        return paths.get(path)  # type: ignore[no-any-return]

    def _digests(self) -> list[Digest]:
        out = []
        for d in range(self.story_count // DIGEST_SIZE):
            ids = tuple(range(d * DIGEST_SIZE, (d + 1) * DIGEST_SIZE))
            date = max(self.story(i).published for i in ids) + dt.timedelta(hours=6)
            out.append(Digest(number=d + 1, stories=ids, date=date.replace(hour=6, minute=0)))
        return out

    def digest_link_original(self, i: int) -> bool:
        """Digest items link to the original for uncopied stories and every third story."""
        return self.story(i).copy_kind == "none" or i % 3 == 0

    def last_change(self) -> dt.datetime:
        """The newest copy or revision time at this generation (listing pages' Last-Modified)."""
        newest = max(self.story(i).copied or self.story(i).published for i in self.latest_copies(1) or [0])
        return max(newest, self.generation_time(self.generation) if self.generation else newest)
