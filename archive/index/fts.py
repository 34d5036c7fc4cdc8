"""User text turned into an FTS5 query that cannot fail to parse.

FTS5 gives syntax errors on bare user text: ``covid-19`` (``-`` is an operator), ``don't`` (an
unbalanced quote), ``U.S.``, a lone ``"``, ``AND`` / ``NEAR`` as words. Datasette 0.65's own
``_searchmode=raw`` breaks on exactly these. Every word (a run of non-space characters) becomes a
quoted string — the tokenizer then splits ``covid-19`` into the phrase ``covid 19`` —, text the user
put in double quotes stays one phrase, and the strings are ANDed (FTS5's implicit AND).
"""
from __future__ import annotations

import re

_PART = re.compile(r'"([^"]*)"|(\S+)')


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_query(text: str | None) -> str:
    """``'climate "sea level" covid-19'`` → ``'"climate" "sea level" "covid-19"'``; ``''`` for
    nothing searchable (callers guard on it: MATCH '' is an error too)."""
    parts = []
    for phrase, word in _PART.findall(text or ""):
        value = (phrase if phrase else word).strip().strip('"')
        if value and re.search(r"\w", value):
            parts.append(_quoted(value))
    return " ".join(parts)


def fts_phrase(text: str) -> str:
    """The whole text as one phrase (a watch's ``phrase``)."""
    return _quoted(" ".join(text.split())) if re.search(r"\w", text or "") else ""
