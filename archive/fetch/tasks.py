"""What travels between a crawl and its fetchers (pickled over the worker pipes): the options a
fetcher starts with, one task, and its result."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import WarcError
from ..model import Capture, FetchFailure

__all__ = ["EngineOptions", "Task", "Result", "fatal_of"]


@dataclass
class EngineOptions:
    """Everything a fetcher process needs (picklable: sent to worker processes)."""

    data_dir: str
    source: str
    crawl_id: str
    prefix: str
    user_agent: str
    timeout: float = 10.0
    deadline: float = 60.0
    max_body: int = 10 * 1024 * 1024
    retries: int = 3
    max_retry_after: float = 120.0
    respect_robots: bool = True
    per_host: int = 2
    delay: float = 1.0
    concurrency: int = 16
    override_politeness: bool = False
    requisites: bool = True
    requisite_max_size: int = 5 * 1024 * 1024
    warc_max_size: int = 1_000_000_000
    gzip_level: int = 6
    conditional_get: bool = False  # send the last capture's validators (see Engine._conditional)
    ca_bundle: str | None = None  # extra CAs trusted for https (client.ssl_context)
    link_text: str | None = None  # the rules block's anchor text naming an original (None: default)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    url: str  # canonical
    depth: int
    kind: str = "page"  # seed, page, feed, sitemap, original, requisite, redirect
    via: str | None = None
    expand: bool = True  # extract links from it (False: out of scope, one hop)
    chain: tuple[str, ...] = ()  # redirect chain that led here
    guard: bool = False  # found on a public page: private or loopback addresses refused (ssrf.py)


@dataclass
class Result:
    task: Task
    captures: list[Capture] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (canonical url, link kind)
    redirect: str | None = None  # canonical Location of a 3xx
    status: int | None = None
    bytes: int = 0
    extra_captures: int = 0  # robots.txt exchanges written on the way (not pages)
    lost: bool = False  # the fetcher process died before answering: the crawl settles the task itself
    # the fetcher's WARC file could not be written (disk full …): (path, offset, message) of the
    # WarcError. Nothing of this task is to be indexed, and the crawl stops (see Engine.broken)
    fatal: tuple[str, int | None, str] | None = None
    refused: bool = False  # the SSRF guard refused the URL (a fetch error, nothing fetched)


def fatal_of(exc: WarcError) -> tuple[str, int | None, str]:
    """A WarcError as picklable parts (its ``__init__`` takes three arguments, ``args`` one)."""
    text = str(exc)
    head = f"{exc.path}{f' at offset {exc.offset}' if exc.offset is not None else ''}: "
    return exc.path, exc.offset, text[len(head):] if text.startswith(head) else text
