"""Deterministic news-like text: headlines, bylines, body paragraphs, captions.

Everything here is a pure function of ``(seed, index)``; ``random.Random`` seeded with a string
is stable across processes and Python runs (it hashes the string with SHA-512), so the same seed
always yields the same words. Headlines are unique by construction: the story index is mapped
through a bijection onto one combination of four word banks.
"""
from __future__ import annotations

import random
import re
import unicodedata

SUBJECTS = [
    "Senate Republicans", "House Democrats", "Putin", "The Pentagon", "Border agents",
    "The Supreme Court", "Governor Hale", "Treasury officials", "NATO allies", "Iran",
    "The FBI", "Federal judges", "Union leaders", "Campus protesters", "Tehran hardliners",
    "The White House", "State regulators", "Speaker Morrow", "Beijing", "Kyiv",
    "City council members", "Oil producers", "Farm groups", "Immigration judges",
    "The Federal Reserve", "Election officials", "Navy commanders", "School boards",
    "Tech executives", "Senator Calloway", "Hamas leaders", "The European Union",
    "Teachers unions", "Energy traders", "Army recruiters", "Homebuilders", "Airline pilots",
    "Health insurers", "County sheriffs", "Tribal leaders",
]
VERBS = [
    "push", "weigh", "block", "reject", "quietly expand", "fight over", "delay", "revive",
    "question", "defend", "scramble to fund", "rethink", "probe", "lobby against", "embrace",
    "brace for", "stall", "cut back", "sue over", "rally behind", "warn against", "double down on",
    "split over", "abandon", "fast-track", "freeze", "overhaul", "challenge", "renew", "dismiss",
]
OBJECTS = [
    "drone budget", "ceasefire plan", "tariff deal", "grain exports", "voter rolls", "pipeline permit",
    "sanctions package", "asylum backlog", "troop rotation", "bank merger", "tuition rules",
    "rail strike", "chip subsidies", "water rights", "ammunition order", "housing bill",
    "refinery rules", "election audit", "visa lottery", "naval base lease", "wildfire aid",
    "satellite contract", "police funding", "pension reform", "medical debt rules",
]
TAILS = [
    "amid budget fight", "after Gaza strikes", "as deadline nears", "ahead of summit",
    "despite court ruling", "in midterm push", "after Hamas attack", "as prices climb",
    "over security fears", "before key vote", "amid donor revolt", "after leaked memo",
    "as winter looms", "in late-night session", "over China ties", "after border surge",
    "amid strike threats", "as polls tighten", "in rebuke to critics", "after audit findings",
]

FIRST = ["Joel", "Maria", "Ethan", "Rachel", "Samuel", "Olivia", "Daniel", "Grace", "Victor", "Hannah",
         "Isaac", "Naomi", "Caleb", "Leah", "Marcus", "Ruth", "Owen", "Clara", "Peter", "Julia"]
LAST = ["Gehrke", "Alvarez", "Whitman", "Okafor", "Lindqvist", "Brennan", "Castillo", "Harlow",
        "Novak", "Pruitt", "Sandoval", "Keane", "Marsh", "Abernathy", "Tolliver", "Quint", "Ruskin",
        "Delacroix", "Fenwick", "Yardley"]
ROLES = ["Foreign Affairs Reporter", "Congressional Reporter", "National Security Reporter",
         "White House Correspondent", "Economics Reporter", "Senior Writer", "Political Reporter",
         "Investigative Reporter", "Legal Affairs Reporter", "Defense Reporter"]
OFFICIALS = ["senior European official", "Pentagon spokesman", "Senate aide", "state auditor",
             "former diplomat", "union negotiator", "campaign adviser", "county clerk",
             "Treasury economist", "border patrol chief", "retired general", "policy analyst"]
PLACES = ["Brussels", "Moscow", "Tallinn", "Phoenix", "El Paso", "Warsaw", "Tel Aviv", "Beijing",
          "Des Moines", "Atlanta", "Kyiv", "Doha", "Sacramento", "Omaha", "Ankara", "Lagos",
          "Columbus", "Riga", "Tampa", "Boise"]
NOUNS = ["budget", "memo", "ruling", "hearing", "deadline", "vote", "contract", "audit", "report",
         "treaty", "inquiry", "proposal", "shipment", "subsidy", "strategy", "deal", "policy",
         "lawsuit", "briefing", "forecast", "coalition", "agency", "committee", "caucus", "market",
         "settlement", "program", "warning", "timeline", "review"]
ADJS = ["fragile", "costly", "sweeping", "narrow", "secret", "bipartisan", "delayed", "contested",
        "unexpected", "long-awaited", "controversial", "temporary", "expanded", "revised", "urgent",
        "quiet", "formal", "unusual", "rival", "final"]
VERBS_PAST = ["approved", "rejected", "delayed", "challenged", "defended", "questioned", "expanded",
              "outlined", "criticized", "endorsed", "leaked", "revised", "blocked", "announced",
              "dismissed", "praised", "investigated", "funded", "postponed", "signed"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_AP = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."]

class Rng(random.Random):
    """``random.Random`` with cheaper ``choice``/``randrange``/``randint`` (one float draw each).

    Seeded with a string, it is stable across processes and Python runs."""

    def choice(self, seq):  # type: ignore[no-untyped-def,override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


_COMBOS = len(SUBJECTS) * len(VERBS) * len(OBJECTS) * len(TAILS)  # 600 000
_MULT = 7919 * 13  # coprime with _COMBOS: spreads neighbouring indexes over the banks


def headline_parts(index: int) -> tuple[str, str, str, str]:
    """A unique (subject, verb, object, tail) for ``index`` (unique up to 600 000 stories)."""
    k = (index * _MULT + 12345) % _COMBOS
    k, a = divmod(k, len(SUBJECTS))
    k, b = divmod(k, len(VERBS))
    k, c = divmod(k, len(OBJECTS))
    d = k % len(TAILS)
    return SUBJECTS[a], VERBS[b], OBJECTS[c], TAILS[d]


SINGULAR = frozenset({"Putin", "The Pentagon", "The Supreme Court", "Governor Hale", "Iran", "The FBI",
                      "The White House", "Speaker Morrow", "Beijing", "Kyiv", "The Federal Reserve",
                      "Senator Calloway", "The European Union"})


def headline(index: int) -> str:
    s, v, o, t = headline_parts(index)
    if s in SINGULAR:  # third person singular, as a headline writer would
        v = _third_person(v)
    return f"{s} {v} {o} {t}"


def _third_person(v: str) -> str:
    first, _, rest = v.partition(" ")
    if first.endswith("s") and not first.endswith("ss"):
        return v
    if first in ("quietly",):
        second, _, rest2 = rest.partition(" ")
        return f"{first} {_third_person(second)}{' ' + rest2 if rest2 else ''}"
    if first.endswith(("sh", "ch", "ss", "x")):
        first += "es"
    elif first.endswith("y") and first[-2:-1] not in "aeiou":
        first = first[:-1] + "ies"
    else:
        first += "s"
    return f"{first}{' ' + rest if rest else ''}"


def slugify(text: str) -> str:
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"['’]", "", t)
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def byline(rng: random.Random) -> tuple[str, str]:
    """(name, role)"""
    return person(rng), rng.choice(ROLES)


CONNECTORS = ["", "", "", "Still, ", "Meanwhile, ", "By contrast, ", "In private, ", "Separately, ",
              "Later, ", "Earlier, ", "For now, ", "Even so, ", "At the same time, ", "In public, "]
WHEN = ["on Monday", "on Tuesday", "late Wednesday", "early Thursday", "on Friday", "over the weekend",
        "last week", "earlier this month", "in March", "this spring", "within hours", "overnight",
        "after midnight", "before dawn", "by Sunday", "in recent days", "two weeks ago", "last fall"]
SAYS = ["said", "told reporters", "wrote in a memo", "argued", "noted", "told the paper",
        "said in a statement", "warned", "conceded", "added", "insisted", "said privately"]
GROUPS = ["lawmakers", "donors", "analysts", "regulators", "diplomats", "governors", "voters",
          "prosecutors", "contractors", "economists", "veterans", "pilots", "farmers", "mayors",
          "students", "investors", "commanders", "auditors", "lobbyists", "clerks"]
LINKS = ["tied to", "aimed at", "covering", "drafted for", "meant to shield", "that would reshape",
         "opposed by", "backed by", "written around", "built on"]


def _subject(rng: random.Random, topic: tuple[str, str, str, str], officials: list[str]) -> str:
    k = rng.randrange(6)
    if k == 0:
        return topic[0]
    if k == 1:
        return f"{rng.randint(2, 96)} {rng.choice(GROUPS)} from {rng.choice(PLACES)}"
    if k == 2:
        return f"the {rng.choice(officials)}"
    if k == 3:
        return person(rng)
    if k == 4:
        return f"{rng.choice(GROUPS)} in {rng.choice(PLACES)}"
    return f"{_a(rng.choice(ADJS))} group of {rng.choice(GROUPS)}"


def _object(rng: random.Random, topic: tuple[str, str, str, str]) -> str:
    k = rng.randrange(5)
    if k == 0:
        return f"the {rng.choice(ADJS)} {rng.choice(NOUNS)} {rng.choice(LINKS)} the {topic[2]}"
    if k == 1:
        return f"{_a(rng.choice(NOUNS))} {rng.choice(LINKS)} {rng.choice(PLACES)}"
    if k == 2:
        return f"the {topic[2]} and its {rng.choice(ADJS)} {rng.choice(NOUNS)}"
    if k == 3:
        return f"{rng.choice(['two', 'three', 'four', 'several', 'dozens of'])} {_plural(rng.choice(NOUNS))} " \
               f"{rng.choice(LINKS)} {rng.choice(GROUPS)}"
    return f"what {rng.choice(GROUPS)} call {_a(rng.choice(ADJS))} {rng.choice(NOUNS)}"


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def _a(word: str) -> str:
    """``word`` with its indefinite article."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _sentence(rng: random.Random, topic: tuple[str, str, str, str], officials: list[str]) -> str:
    k = rng.randrange(7)
    if k <= 2:
        s = f"{rng.choice(CONNECTORS)}{_subject(rng, topic, officials)} {rng.choice(VERBS_PAST)} " \
            f"{_object(rng, topic)} {rng.choice(WHEN)}"
        if rng.random() < 0.5:
            s += f", {rng.choice(['according to', 'citing', 'per'])} {rng.randint(2, 40)} " \
                 f"{rng.choice(GROUPS)} {rng.choice(['familiar with', 'briefed on', 'close to'])} " \
                 f"the {rng.choice(NOUNS)}"
        return _cap(s) + "."
    if k == 3:
        q = f"{_cap(_object(rng, topic))} is {rng.choice(ADJS)}, and {rng.choice(GROUPS)} in " \
            f"{rng.choice(PLACES)} know it"
        return f"“{q},” {_subject(rng, topic, officials)} {rng.choice(SAYS)}."
    if k == 4:
        return _cap(f"{rng.choice(CONNECTORS)}{_subject(rng, topic, officials)} "
                    f"{rng.choice(SAYS)} {_object(rng, topic)} could cost "
                    f"${rng.randint(2, 96)}.{rng.randint(1, 9)} billion {rng.choice(WHEN)}.")
    if k == 5:
        return (f"“We {rng.choice(['will', 'cannot', 'should', 'must not'])} "
                f"{rng.choice(VERBS)} {_object(rng, topic)},” {_subject(rng, topic, officials)} "
                f"{rng.choice(SAYS)} {rng.choice(WHEN)}.")
    return (f"{_cap(_subject(rng, topic, officials))} had {rng.choice(VERBS_PAST)} "
            f"{_object(rng, topic)} since {rng.randint(1998, 2024)}, "
            f"{rng.choice(['when', 'after', 'before'])} {rng.choice(GROUPS)} in {rng.choice(PLACES)} "
            f"{rng.choice(VERBS_PAST)} {_object(rng, topic)}.")


def lead(seed: int, index: int) -> str:
    """The first paragraph (its own random stream, so summaries need not build the body)."""
    rng = Rng(f"sampleweb:{seed}:{index}:lead")
    topic = headline_parts(index)
    return (f"{topic[0]} {rng.choice(VERBS_PAST)} {_a(rng.choice(ADJS))} plan on the {topic[2]} "
            f"{topic[3]}, according to officials in {rng.choice(PLACES)} who keep a close watch on the "
            f"{rng.choice(NOUNS)}.")


def body(seed: int, index: int, *, promo_headlines: list[str], promo_line: str | None,
         caption_date: str) -> list[str]:
    """Body paragraphs of story ``index``: prose, inline promo headlines in capitals, a photo
    caption, and the publisher's own promo line (e.g. ``CLICK HERE TO READ MORE FROM …``)."""
    rng = Rng(f"sampleweb:{seed}:{index}:body")
    topic = headline_parts(index)
    officials = rng.sample(OFFICIALS, 3)
    n = rng.randint(8, 15)
    paras: list[str] = [lead(seed, index)]
    for _ in range(n):
        paras.append(" ".join(_sentence(rng, topic, officials) for _ in range(rng.randint(1, 3))))
    # inline promo headlines of the same outlet, in capitals (publisher chrome inside the text)
    for i, promo in enumerate(promo_headlines):
        paras.insert(min(len(paras), 2 + i * 5), promo.upper())
    cap_at = min(len(paras), rng.randint(4, 7))
    paras.insert(cap_at, f"{person(rng)} speaks during {_a(rng.choice(NOUNS))} hearing in "
                         f"{rng.choice(PLACES)}, {caption_date}")
    if promo_line:
        paras.insert(len(paras) - 2, promo_line)
    return paras


def update_paragraph(seed: int, index: int, revision: int) -> str:
    rng = Rng(f"sampleweb:{seed}:{index}:update:{revision}")
    return (f"UPDATE {revision}: The {rng.choice(OFFICIALS)} later said the {rng.choice(ADJS)} "
            f"{rng.choice(NOUNS)} had been {rng.choice(VERBS_PAST)}, and {rng.randint(3, 80)} more "
            f"officials in {rng.choice(PLACES)} were asked to review it.")


def summary(paragraphs: list[str], words: int = 28) -> str:
    first = paragraphs[0].split()
    return " ".join(first[:words]) + ("…" if len(first) > words else "")
