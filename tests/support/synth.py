"""A synthetic news corpus with planted copies, for the dedupe tests and bench/dedupe.py.

Test-only: it lives beside the other test helpers (bench/dedupe.py puts ``tests/`` on its path
to import it), not in the library the archive ships.

Publishers write originals about topics (each topic has names, numbers and quotes). Other
publishers write their own same-topic stories that reuse those names and quotes (not copies).
Copies — on two aggregators or republished by another publisher — are full, truncated
(a leading 45–70 %), excerpted (the lede, ≤ 25 %), optionally lightly edited (≈ 3 % of words
swapped) and/or wrapped in boilerplate lines; a third carry no attribution at all. Spinner
copies (full or truncated, some wrapped) swap most content words for synonyms (a few for a
two-word phrase, a few dropped) but keep function words, names, numbers and quotes. Some originals
get a later capture with an edited paragraph (a version). Everything is seeded: same seed, same
corpus. Words are pseudo-words drawn from a Zipf law over a generated vocabulary.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from archive.model import Article, iso

if TYPE_CHECKING:
    import sqlite3

PUBLISHERS = [("www.capitolledger.com", "Capitol Ledger"), ("dailybeacon.org", "The Daily Beacon"),
              ("www.westernpost.net", "Western Post"), ("news.harborgazette.com", "Harbor Gazette"),
              ("www.plainsherald.com", "Plains Herald")]
AGGREGATORS = [("agg-one.news", "Agg One"), ("www.aggtwo.net", "AggTwo")]
BOILER_HEAD = ["Posted in {section} by the {agg} desk", "{agg} | {section} | {date}",
               "Shared from our partners on {date}", "Trending now on {agg}: {section} news"]
BOILER_TAIL = ["Follow {agg} for more {section} stories and updates every day",
               "Sponsored links below are chosen by our advertising partners",
               "Comments are closed for this story on {agg}",
               "Get the {agg} newsletter with the top {section} headlines each morning"]
SPIN_KEEP_RANKS = 100   # the most frequent words play the function words: spinners keep them
SPIN_RATE = 0.8         # share of the other words a spinner swaps
SECTIONS = ["politics", "world", "business", "science", "sports", "health"]


@dataclass
class Truth:
    copy: str                 # capture_id of the copy
    original: str             # capture_id of the original
    kind: str                 # full, truncated, excerpt
    attributed: bool
    spinner: bool = False
    edited: bool = False
    wrapped: bool = False
    host: str = ""
    appeared: str = ""        # when the copy really went up (the generator's own record)


@dataclass
class Corpus:
    articles: list[Article] = field(default_factory=list)
    pairs: list[Truth] = field(default_factory=list)
    versions: list[tuple[str, str]] = field(default_factory=list)  # (older, newer capture_id)
    siblings: int = 0                                            # same-topic non-copies


class _Words:
    def __init__(self, rng: random.Random, size: int, seed: int) -> None:
        import numpy as np

        syll = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "ri", "so",
                "tu", "va", "we", "xi", "yo", "za", "bri", "cla", "dre", "fli", "gro", "plo", "sta",
                "tre", "en", "ar", "or", "ul", "is", "om", "an", "el"]
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < size:
            w = "".join(rng.choice(syll) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            if w not in seen:
                seen.add(w)
                words.append(w)
        self.words = words
        weights = 1.0 / np.arange(1, size + 1) ** 1.05
        self.cum = np.cumsum(weights) / weights.sum()
        self.np = np.random.default_rng(seed)
        # a synonym for every word (spinners): a different word of similar rank
        self.synonym = {w: words[(i + 1 + rng.randrange(50)) % size] for i, w in enumerate(words)}
        self.rank = {w: i for i, w in enumerate(words)}

    def draw(self, n: int) -> list[str]:
        idx = self.cum.searchsorted(self.np.random(n))
        w = self.words
        return [w[i] for i in idx.tolist()]


class Generator:
    def __init__(self, seed: int = 7, vocab: int = 20000) -> None:
        self.rng = random.Random(seed)
        self.words = _Words(self.rng, vocab, seed)
        self.serial = 0
        self.base = dt.datetime(2025, 3, 1, 6, 0, 0)

    # ---------------------------------------------------------------- text pieces
    def _name(self) -> str:
        w = self.words.words
        return f"{w[self.rng.randrange(2000, 20000)].capitalize()} {w[self.rng.randrange(2000, 20000)].capitalize()}"

    def topic(self) -> dict:
        r = self.rng
        return {"names": [self._name() for _ in range(3)],
                "numbers": [str(r.randrange(2, 5000)) for _ in range(2)],
                "quotes": [" ".join(self.words.draw(r.randrange(12, 24))) for _ in range(3)],
                "section": r.choice(SECTIONS)}

    def _sentence(self, topic: dict) -> str:
        r = self.rng
        words = self.words.draw(r.randrange(8, 22))
        if r.random() < 0.5:
            words.insert(r.randrange(len(words)), r.choice(topic["names"]))
        if r.random() < 0.25:
            words.insert(r.randrange(len(words)), r.choice(topic["numbers"]))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def story(self, topic: dict, paragraphs: tuple[int, int] = (5, 10)) -> list[str]:
        r = self.rng
        paras = []
        for _ in range(r.randrange(*paragraphs)):
            paras.append(" ".join(self._sentence(topic) for _ in range(r.randrange(2, 4))))
        for q in r.sample(topic["quotes"], r.randrange(1, 3)):
            at = r.randrange(1, len(paras) + 1)
            paras.insert(at, f'{r.choice(topic["names"])} said: "{q.capitalize()}."')
        return paras

    # ---------------------------------------------------------------- articles
    def _cid(self) -> str:
        self.serial += 1
        return hashlib.blake2b(f"cap-{self.serial}".encode(), digest_size=8).hexdigest() + f"-{self.serial}"

    def original(self, topic: dict, pub: tuple[str, str], when: dt.datetime, date_only: bool) -> Article:
        paras = self.story(topic)
        host, name = pub
        slug = "-".join(self.words.draw(4))
        url = f"https://{host}/{when:%Y/%m/%d}/{slug}-{self.serial}"
        text = "\n".join(paras)
        captured = when + dt.timedelta(seconds=self.rng.randrange(300, 6 * 3600))
        return Article(capture_id=self._cid(), url=url, source="synthetic", site=host,
                       title=" ".join(self.words.draw(6)).capitalize(), author=self._name(),
                       published=when.date().isoformat() if date_only else iso(when),
                       aggregator_date=None, text=text, word_count=len(text.split()),
                       original_publisher=None, original_url=None, sitename=name,
                       captured=iso(captured), language="en")

    def _edit(self, paras: list[str], rate: float) -> list[str]:
        out = []
        for p in paras:
            words = p.split(" ")
            for i in range(len(words)):
                if self.rng.random() < rate and words[i].islower():
                    words[i] = self.words.draw(1)[0]
            out.append(" ".join(words))
        return out

    def _spin(self, paras: list[str], topic: dict, r: random.Random) -> list[str]:
        """An article spinner: most content words swapped for a synonym (a word of similar
        rank), a few for a two-word phrase or dropped; the most frequent words (the function
        words of this vocabulary), names, numbers and quote paragraphs kept."""
        keep = set(" ".join(topic["names"]).split()) | set(topic["numbers"])
        quotes = {q.capitalize() for q in topic["quotes"]}
        syn, rank = self.words.synonym, self.words.rank
        out = []
        for p in paras:
            if any(q in p for q in quotes):
                out.append(p)
                continue
            new: list[str] = []
            for w in p.split(" "):
                bare = w.rstrip(".…")
                core = bare.lower()
                if (bare in keep or rank.get(core, 0) < SPIN_KEEP_RANKS or not bare.isalpha()
                        or r.random() >= SPIN_RATE):
                    new.append(w)
                    continue
                x = r.random()
                if x < 0.04 and bare == core and w == bare:  # an adjective-like word dropped
                    continue
                s = syn[core] + (" " + syn[syn[core]] if x > 0.94 else "")  # a two-word phrase
                new.append((s.capitalize() if bare[:1].isupper() else s) + w[len(bare):])
            out.append(" ".join(new))
        return out

    def _boiler(self, lines: list[str], agg: str, section: str, date: str) -> str:
        return self.rng.choice(lines).format(agg=agg, section=section, date=date)

    def copy(self, orig: Article, topic: dict, kind: str, *, on_aggregator: bool, attributed: bool,
             edited: bool, wrapped: bool, spinner: bool = False,
             exclude_host: str = "") -> tuple[Article, Truth]:
        r = self.rng
        paras = orig.text.split("\n")
        total = sum(len(p.split()) for p in paras)
        if kind == "truncated":
            keep = int(total * r.uniform(0.45, 0.7))
            paras = _cut(paras, keep) 
            paras[-1] = paras[-1] + " …"
        elif kind == "excerpt":
            keep = max(25, int(total * r.uniform(0.12, 0.25)))
            paras = _cut(paras, keep)
        if spinner:
            paras = self._spin(paras, topic, random.Random(f"spin:{orig.capture_id}:{self.serial}"))
        if edited:
            paras = self._edit(paras, 0.03)
        pub_when = _parse(orig.published)
        if on_aggregator:
            host, name = r.choice(AGGREGATORS)
        else:
            choices = [p for p in PUBLISHERS if p[0] not in (orig.site, exclude_host)]
            host, name = r.choice(choices)
        if wrapped:
            date = f"{pub_when:%b %d, %Y}"
            paras = ([self._boiler(BOILER_HEAD, name, topic["section"], date)] + paras
                     + [self._boiler(BOILER_TAIL, name, topic["section"], date)])
        text = "\n".join(paras)
        if on_aggregator:
            posted = pub_when + dt.timedelta(seconds=r.randrange(600, 30 * 3600))
            appeared = posted
            captured = posted + dt.timedelta(seconds=r.randrange(60, 20 * 3600))
            agg_date = posted.date().isoformat() if r.random() < 0.7 else None
            published = (orig.published or '')[:10] or None if r.random() < 0.3 else None
            url = f"https://{host}/topic/{topic['section']}/6-slug-{'-'.join(self.words.draw(5))}-{self.serial}"
        else:
            shift = r.randrange(2 * 3600, 3 * 86400) if len(orig.published or "") > 10 else r.randrange(86400, 4 * 86400)
            when = pub_when + dt.timedelta(seconds=shift)
            appeared = when
            captured = when + dt.timedelta(seconds=r.randrange(300, 6 * 3600))
            agg_date = None
            published = iso(when)
            url = f"https://{host}/{when:%Y/%m/%d}/{'-'.join(self.words.draw(4))}-{self.serial}"
        orig_url = orig_pub = attribution = None
        if attributed:
            if r.random() < 0.5:
                orig_url, attribution = orig.url, "canonical"
            else:
                orig_pub, attribution = orig.sitename, "promo"
        art = Article(capture_id=self._cid(), url=url, source="synthetic", site=host, title=orig.title,
                      author=None, published=published, aggregator_date=agg_date, text=text,
                      word_count=len(text.split()), original_publisher=orig_pub, original_url=orig_url,
                      sitename=name, captured=iso(captured), attribution=attribution, language="en")
        return art, Truth(art.capture_id, orig.capture_id, kind, attributed, spinner, edited, wrapped, host,
                          appeared=iso(appeared))

    def later_capture(self, orig: Article) -> Article:
        paras = orig.text.split("\n")
        at = self.rng.randrange(len(paras))
        paras[at] = " ".join(self.words.draw(self.rng.randrange(15, 30))).capitalize() + "."
        paras.append("Update: " + " ".join(self.words.draw(12)) + ".")
        text = "\n".join(paras)
        captured = _parse(orig.captured) + dt.timedelta(hours=self.rng.randrange(2, 48))
        return Article(capture_id=self._cid(), url=orig.url, source=orig.source, site=orig.site,
                       title=orig.title, author=orig.author, published=orig.published,
                       aggregator_date=None, text=text, word_count=len(text.split()),
                       original_publisher=None, original_url=None, sitename=orig.sitename,
                       captured=iso(captured), language="en")


def _cut(paras: list[str], keep: int) -> list[str]:
    out: list[str] = []
    n = 0
    for p in paras:
        words = p.split()
        if n + len(words) <= keep:
            out.append(p)
            n += len(words)
            continue
        rest = keep - n
        if rest >= 5 or not out:
            out.append(" ".join(words[:max(rest, 5)]))
        break
    return out


def _parse(value: str | None) -> dt.datetime:
    from archive.model import parse_iso

    if value and len(value) <= 10:
        d = dt.date.fromisoformat(value)
        return dt.datetime(d.year, d.month, d.day, 12, 0, 0)
    return parse_iso(value or "2025-01-01T00:00:00Z")


def planted(n_originals: int = 850, seed: int = 7, *, copy_share: float = 0.6,
            sibling_share: float = 0.3, spinners: int = 60, version_share: float = 0.07) -> Corpus:
    """The planted-pairs corpus (about 2.4 × n_originals articles with the defaults)."""
    g = Generator(seed)
    r = g.rng
    c = Corpus()
    originals: list[tuple[Article, dict]] = []
    kinds = ["full", "full", "truncated", "excerpt"]
    for i in range(n_originals):
        topic = g.topic()
        pub = PUBLISHERS[i % len(PUBLISHERS)]
        when = g.base + dt.timedelta(seconds=r.randrange(0, 90 * 86400))
        orig = g.original(topic, pub, when, date_only=r.random() < 0.2)
        c.articles.append(orig)
        originals.append((orig, topic))
        if r.random() < sibling_share:  # same event, another outlet's own story (not a copy)
            other = [p for p in PUBLISHERS if p[0] != pub[0]]
            sib = g.original(topic, r.choice(other), when + dt.timedelta(minutes=r.randrange(-300, 300)),
                             date_only=False)
            c.articles.append(sib)
            c.siblings += 1
        if r.random() < copy_share:
            hosts: set[str] = set()
            for _ in range(r.choice((1, 1, 2, 3))):
                kind = r.choice(kinds)
                art, truth = g.copy(orig, topic, kind, on_aggregator=r.random() < 0.7,
                                    attributed=r.random() < 2 / 3, edited=r.random() < 0.25,
                                    wrapped=r.random() < 0.3)
                c.articles.append(art)
                c.pairs.append(truth)
        if r.random() < version_share:
            later = g.later_capture(orig)
            c.articles.append(later)
            c.versions.append((orig.capture_id, later.capture_id))
    for orig, topic in r.sample(originals, min(spinners, len(originals))):
        art, truth = g.copy(orig, topic, r.choice(("full", "full", "full", "truncated")),
                            on_aggregator=True, attributed=False, edited=False,
                            wrapped=r.random() < 0.3, spinner=True)
        c.articles.append(art)
        c.pairs.append(truth)
    r.shuffle(c.articles)
    return c


ARTICLE_COLUMNS = ("capture_id", "url", "source", "site", "title", "author", "published",
                   "aggregator_date", "text", "word_count", "original_publisher", "original_url",
                   "language", "sitename", "captured", "attribution", "text_hash", "rules")


def insert_articles(conn: "sqlite3.Connection", articles: Iterable[Article]) -> int:
    """Insert Article rows (as the extraction stage would) in one transaction; returns the count."""
    cols = ", ".join(ARTICLE_COLUMNS)
    marks = ", ".join("?" * len(ARTICLE_COLUMNS))
    rows = [tuple(getattr(a, k) for k in ARTICLE_COLUMNS) for a in articles]
    with conn:
        conn.executemany(f"INSERT INTO articles ({cols}) VALUES ({marks})", rows)
    return len(rows)
