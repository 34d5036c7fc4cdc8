"""The article fields dedupe decisions use, read from the ``articles`` table."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Iterable

from ..index.articles import article_fields
from .normalize import host_key, name_key, site_names, url_key

if TYPE_CHECKING:
    import sqlite3

COLUMNS = ("id", "capture_id", "url", "site", "sitename", "published", "aggregator_date",
           "captured", "original_url", "original_publisher", "attribution")


@dataclass
class Meta:
    id: int
    capture_id: str
    url: str
    site: str
    sitename: str | None
    published: str | None
    aggregator_date: str | None
    captured: str | None
    original_url: str | None
    original_publisher: str | None
    attribution: str | None = None      # how the page named its original (extraction's clue)
    first_captured: str | None = None   # earliest capture of this URL in the archive

    @cached_property
    def key(self) -> str:
        return url_key(self.url) or self.url

    @cached_property
    def original_key(self) -> str | None:
        return url_key(self.original_url)

    @cached_property
    def host(self) -> str:
        return host_key(self.site or self.url)

    @cached_property
    def names(self) -> set[str]:
        return site_names(self.site or self.url, self.sitename)

    @cached_property
    def publisher_key(self) -> str:
        return name_key(self.original_publisher)


def load_meta(conn: "sqlite3.Connection", ids: Iterable[int]) -> dict[int, Meta]:
    out: dict[int, Meta] = {}
    for row in article_fields(conn, list(ids), COLUMNS):
        m = Meta(*row)
        m.id = int(m.id)
        out[m.id] = m
    return out
