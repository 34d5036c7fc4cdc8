"""Planted pairs made from real text: Mozilla Readability's pages (``tests/support/realpages.py``).

Each usable page (at least ``MIN_WORDS`` words) is either an original, published on its own
host, or the body of another outlet's own story on an original's topic (a same-topic negative:
that body plus two of the original's sentences with its names and quotes). Copies of the
originals are made the ways real copy sites make them:

* ``full``      the text between the copy site's own header and footer lines;
* ``truncated`` the first 45–70 % of the words, cut at a paragraph;
* ``teaser``    the first two paragraphs, then the copy site's own list of unrelated headlines
  (the same list on the site's other teasers: the site's chrome);
* ``edited``    about 3 % of the words swapped for other words of the text, a few typos;
* ``reworded``  most content words replaced, names, numbers and function words kept (a
  spinner; reported apart, like the synthetic spinner copies).

Direction evidence is planted per copy and recorded in :class:`Truth` (``evidence``): an
attribution line in the copy's text (five phrasings, read by the extraction's own detector),
a canonical URL, the original's host in the publisher registry, the copy site learned as an
aggregator (its other copies carry attribution lines), publication dates, a capture gap of
days — or none of these (then the right answer is ``unknown``). Copies are captured within an
hour of their original otherwise, in either order. Seeded: same seed, same corpus.

About 25 of Readability's synthetic cases share one Lorem-ipsum text (and two Lifehacker pages
are one story): :func:`same_text_groups` groups pages whose texts hold each other, so pairs
inside a group (and between their copies) are true duplicates, not false pairs.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from archive.model import Article, iso

from .realpages import RealPage, real_pages

MIN_WORDS = 120
COPY_SITES = {  # host -> (header lines, footer lines)
    "dailyfeedhub.example": (["Home | World | Business | Tech", "Trending now on Daily Feed Hub"],
                             ["Share this story", "Daily Feed Hub brings you the news that matters, all day"]),
    "newsmirror.example": (["News Mirror", "Latest stories"], ["Comments are closed.", "© 2025 News Mirror"]),
    "licensedwire.example": (["Licensed Wire | Top stories"], ["Licensed Wire partners with publishers worldwide."]),
    "topstoriesnow.example": (["Top Stories Now"], []),
    "scraperpost.example": (["ScraperPost", "Posted by admin"], ["Tags: news, world, latest"]),
}
QUIET_SITE = "scraperpost.example"      # never attributes: its copies have no evidence of their own
TEASER_SITE = "topstoriesnow.example"
PHRASINGS = ("Source: {pub}", "Read more: {pub}", "This article originally appeared on {pub}.",
             "Originally published by {pub}", "Posted by {slug}_feed")
_STOP = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being it its
this that these those he she they we you i his her their our your not no so than then there here who what which
when where why how all any some more most other such only own same too very can will just should now also into
over after before about up out down off again further once said says would could""".split())
_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class Truth:
    copy: str                # capture_id
    original: str
    how: str                 # full, truncated, teaser, edited, reworded
    kind: str                # the expected kind: full, truncated, excerpt ("": truncated or excerpt)
    evidence: str            # attribution-line, canonical, registry, site-role, date, capture, none
    host: str


@dataclass
class RealCorpus:
    articles: list[Article] = field(default_factory=list)
    pairs: list[Truth] = field(default_factory=list)
    negatives: int = 0                     # same-topic stories of other outlets (not copies)
    groups: dict[str, int] = field(default_factory=dict)  # capture_id -> same-text group (originals, copies)
    registered: list[str] = field(default_factory=list)   # hosts in the publisher registry


def _grams(page: RealPage) -> set[tuple[str, ...]]:
    toks = [w.lower() for w in re.findall(r"\w+", page.text)]
    return {tuple(toks[i:i + 5]) for i in range(max(0, len(toks) - 4))}


def same_text_groups(pages: list[RealPage]) -> dict[str, int]:
    """Page name -> group: pages of which at least 30 % of the shorter's 5-word shingles are in
    the other share their text (Readability's Lorem-ipsum variants share long passages)."""
    grams = {p.name: _grams(p) for p in pages}
    parent = {p.name: p.name for p in pages}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    names = [p.name for p in pages]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ga, gb = grams[a], grams[b]
            if ga and gb and len(ga & gb) >= 0.3 * min(len(ga), len(gb)):
                parent[root(a)] = root(b)
    roots = sorted({root(n) for n in names})
    return {n: roots.index(root(n)) for n in names}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def publisher(name: str) -> str:
    return f"{slug(name).capitalize()} News"


class _Maker:
    def __init__(self, seed: int, pages: list[RealPage]) -> None:
        self.r = random.Random(seed)
        self.serial = 0
        self.base = dt.datetime(2025, 4, 1, 8, 0, 0)
        vocab = sorted({w.lower() for p in pages for w in _WORD.findall(p.text) if len(w) >= 4} - _STOP)
        self.vocab = vocab
        self.headlines = [p.title for p in pages if 3 <= len(p.title.split()) <= 14]

    def cid(self) -> str:
        self.serial += 1
        return f"real-{self.serial:05d}"

    # ------------------------------------------------------------------ texts
    def edited(self, paras: list[str]) -> list[str]:
        words_of_text = [w for p in paras for w in p.split()]
        out = []
        for p in paras:
            ws = p.split()
            for i, w in enumerate(ws):
                x = self.r.random()
                if x < 0.025:
                    ws[i] = self.r.choice(words_of_text)
                elif x < 0.03 and len(w) > 4:  # a typo: two letters swapped
                    k = self.r.randrange(1, len(w) - 2)
                    ws[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
            out.append(" ".join(ws))
        return out

    def reworded(self, paras: list[str]) -> list[str]:
        """A spinner: most lower-case content words swapped for another word of the corpus."""
        r = random.Random(self.r.random())

        def swap(m: re.Match[str]) -> str:
            w = m.group(0)
            if not w.islower() or len(w) < 4 or w in _STOP or r.random() > 0.75:
                return w
            return self.vocab[(hash_word(w) + r.randrange(3)) % len(self.vocab)]

        return [_WORD.sub(swap, p) for p in paras]

    def truncated(self, paras: list[str]) -> list[str]:
        """The first 45–70 % of the words: whole paragraphs, the last one cut at a word."""
        total = sum(len(p.split()) for p in paras)
        keep = int(total * self.r.uniform(0.45, 0.7))
        out, n = [], 0
        for p in paras:
            words = p.split()
            if n + len(words) > keep:
                out.append(" ".join(words[:keep - n]) + " …")
                break
            out.append(p)
            n += len(words)
        return [p for p in out if p.strip(" …")]

    def teaser(self, paras: list[str], site_list: list[str]) -> list[str]:
        """The opening up to its second paragraph of 8 words or more, and 40 words at least
        (headings and captions before them kept), then the site's headline list."""
        body: list[str] = []
        for p in paras:
            body.append(p)
            if sum(1 for b in body if len(b.split()) >= 8) >= 2 and sum(len(b.split()) for b in body) >= 40:
                break
        start = self.r.randrange(3)
        return body + ["More stories"] + site_list[start:start + 10]


def hash_word(w: str) -> int:
    h = 0
    for ch in w:
        h = (h * 131 + ord(ch)) % 1_000_003
    return h


def build(seed: int = 11, originals_share: float = 0.75) -> RealCorpus:
    pages = [p for p in real_pages() if p.words >= MIN_WORDS]
    groups = same_text_groups(pages)
    m = _Maker(seed, pages)
    r = m.r
    order = list(pages)
    r.shuffle(order)
    n_orig = int(len(order) * originals_share)
    originals, bodies = order[:n_orig], order[n_orig:]
    alone = [g for g in groups.values()]
    bodies = [b for b in bodies if alone.count(groups[b.name]) == 1]  # no other page shares its text
    c = RealCorpus()
    registered = {p.name for p in originals if r.random() < 0.25}
    site_lists = {h: r.sample(m.headlines, 14) for h in COPY_SITES}
    for k, page in enumerate(originals):
        host = f"www.{slug(page.name)}.example"
        if page.name in registered:
            c.registered.append(host)
        dated = r.random() < 0.3
        when = m.base + dt.timedelta(hours=r.randrange(0, 40 * 24))
        orig = Article(capture_id=m.cid(), url=f"https://{host}/story/{slug(page.name)}", source="realplanted",
                       site=host, title=page.title, author=None, published=iso(when) if dated else None,
                       aggregator_date=None, text=page.text, word_count=page.words, original_publisher=None,
                       original_url=None, sitename=publisher(page.name), captured=iso(when),
                       language=None)
        c.articles.append(orig)
        c.groups[orig.capture_id] = groups[page.name]
        for _ in range(r.choice((1, 2, 2, 3))):
            art, truth = _copy(m, c, page, orig, site_lists, dated)
            c.articles.append(art)
            c.pairs.append(truth)
            c.groups[art.capture_id] = groups[page.name]
        if bodies and r.random() < 0.5:  # another outlet's own story on this topic
            body = bodies.pop()
            c.articles.append(_negative(m, page, body, orig))
            c.negatives += 1
    _learned_sites(c)
    r.shuffle(c.articles)
    return c


def _learned_sites(c: RealCorpus, min_pairs: int = 3) -> None:
    """A copy site with at least ``min_pairs`` attributed copies is learned as an aggregator:
    that is evidence for its other copies (those planted as ``site-role`` need it)."""
    attributed: dict[str, int] = {}
    for t in c.pairs:
        if t.evidence in ("attribution-line", "canonical"):
            attributed[t.host] = attributed.get(t.host, 0) + 1
    for t in c.pairs:
        learned = attributed.get(t.host, 0) >= min_pairs
        if t.evidence == "site-role" and not learned:
            t.evidence = "none"
        elif t.evidence == "none" and learned:
            t.evidence = "site-role"


def _copy(m: _Maker, c: RealCorpus, page: RealPage, orig: Article, site_lists: dict[str, list[str]],
          dated: bool) -> tuple[Article, Truth]:
    r = m.r
    how = r.choice(("full", "full", "truncated", "teaser", "teaser", "edited", "reworded"))
    host = TEASER_SITE if how == "teaser" else r.choice(sorted(set(COPY_SITES) - {TEASER_SITE}))
    paras = list(page.paragraphs)
    kind = {"full": "full", "edited": "full", "reworded": "full", "truncated": "truncated", "teaser": "excerpt"}[how]
    if how == "truncated":
        paras = m.truncated(paras)
    elif how == "teaser":
        paras = m.teaser(paras, site_lists[host])
        held = sum(len(p.split()) for p in paras[:paras.index("More stories")])
        share = held / max(1, page.words)
        kind = "excerpt" if share < 0.25 else "full" if share >= 0.9 else "truncated" if share > 0.45 else ""
    elif how == "edited":
        paras = m.edited(paras)
    elif how == "reworded":
        paras = m.reworded(paras)
    head, foot = COPY_SITES[host]
    # evidence: most copy sites attribute most copies (and are then learned as aggregators, which
    # decides their other copies); the quiet site and the teaser site never attribute
    roll = r.random()
    if host in (QUIET_SITE, TEASER_SITE):
        evidence = "none"
    else:
        evidence = "attribution-line" if roll < 0.6 else ("canonical" if roll < 0.75 else "site-role")
    attr_line = None
    orig_url = None
    if evidence == "attribution-line":
        attr_line = r.choice(PHRASINGS).format(pub=publisher(page.name), slug=slug(page.name))
    elif evidence == "canonical":
        orig_url = orig.url
    lines = list(head) + paras + list(foot)
    if attr_line:
        lines = lines + [attr_line] if r.random() < 0.6 else head + [attr_line] + paras + list(foot)
    text = "\n".join(lines)
    t_orig = dt.datetime.fromisoformat(orig.captured.rstrip("Z"))
    captured = t_orig + dt.timedelta(minutes=r.randrange(-50, 50))
    published = None
    if evidence == "none" or evidence == "site-role":
        if dated:  # the original's date and the copy's later one decide
            published = iso(t_orig + dt.timedelta(hours=r.randrange(3, 72)))
            evidence = "date" if evidence == "none" else evidence
        elif r.random() < 0.3:  # captured days after the original
            captured = t_orig + dt.timedelta(days=r.randrange(2, 6))
            evidence = "capture" if evidence == "none" else evidence
    if evidence == "none" and orig.site in c.registered:
        evidence = "registry"
    original_publisher, attribution = _named(lines, host, orig_url)
    art = Article(capture_id=m.cid(), url=f"https://{host}/{how}/{slug(page.name)}-{m.serial}", source="realplanted",
                  site=host, title=page.title, author=None, published=published, aggregator_date=None,
                  text=text, word_count=len(text.split()), original_publisher=original_publisher,
                  original_url=orig_url, sitename=None, captured=iso(captured), attribution=attribution,
                  language=None)
    return art, Truth(art.capture_id, orig.capture_id, how, kind, evidence, host)


def _named(lines: list[str], host: str, orig_url: str | None) -> tuple[str | None, str | None]:
    """What the extraction stage would store: the outlet an attribution line names (its own
    detector) and how the original was named."""
    from archive.extract.attribution import find

    if orig_url:
        return None, "canonical"
    found = find(lines, url=f"https://{host}/x")
    return (found[0].publisher, "attribution-line") if found else (None, None)


def _negative(m: _Maker, topic: RealPage, body: RealPage, orig: Article) -> Article:
    """Another outlet's own story on the topic: its own text, with two of the original's
    sentences that carry names or quotes."""
    r = m.r
    sentences = [s for p in topic.paragraphs for s in re.split(r"(?<=[.!?])\s+", p)
                 if 8 <= len(s.split()) <= 40 and (re.search(r"[\"“”]", s) or re.search(r"\s[A-Z][a-z]+", s))]
    paras = list(body.paragraphs)
    for s in r.sample(sentences, min(2, len(sentences))):
        paras.insert(r.randrange(1, len(paras) + 1), s)
    host = f"www.{slug(body.name)}.example"
    when = dt.datetime.fromisoformat(orig.captured.rstrip("Z")) + dt.timedelta(minutes=r.randrange(-300, 300))
    text = "\n".join(paras)
    return Article(capture_id=m.cid(), url=f"https://{host}/story/{slug(body.name)}", source="realplanted",
                   site=host, title=body.title, author=None, published=None, aggregator_date=None, text=text,
                   word_count=len(text.split()), original_publisher=None, original_url=None,
                   sitename=publisher(body.name), captured=iso(when), language=None)
