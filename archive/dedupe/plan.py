"""Which articles of a round are compared: one representative per URL, its first capture; the
later captures of a URL only make ``versions``. Rounds are planned ahead of the one being
decided (their sketches start in the worker processes meanwhile), so a URL whose
representative is in a round planned before is not given another one."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..index.articles import article_fields
from .normalize import url_key
from .state import rep_url_keys

if TYPE_CHECKING:
    import sqlite3


@dataclass
class Plan:
    """A round decided ahead: its articles, representatives and later captures, and its
    sketches (computing in the worker processes while the main process works on earlier rounds)."""
    ids: list[int]
    reps: list[int]
    later: list[int]
    rep_keys: set[str]
    url_keys: dict[int, str]
    pending: Any = None
    chunks: list[list[int]] = field(default_factory=list)  # ids of each pending sketch chunk


def plan_round(conn: "sqlite3.Connection", ids: list[int], in_flight: set[str]) -> Plan:
    """One representative per URL: its first capture; later captures only make versions. URLs
    whose representative is stored, or belongs to a round planned before (``in_flight``), get
    none here."""
    by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
    keys: dict[int, str] = {}
    for aid, url, captured in article_fields(conn, ids, ("id", "url", "captured")):
        k = keys[int(aid)] = url_key(url) or url
        by_key[k].append((captured or "", int(aid)))
    known = rep_url_keys(conn, list(by_key))
    reps: list[int] = []
    later: list[int] = []
    for k, members in by_key.items():
        members.sort()
        if k in known or k in in_flight:
            later.extend(i for _, i in members)
        else:
            reps.append(members[0][1])
            later.extend(i for _, i in members[1:])
    reps.sort()
    return Plan(ids, reps, later, {k for k in by_key if k not in known and k not in in_flight}, keys)
