"""Which URLs enter a crawl: a fetched page's redirect and links, judged by scope, depth and kind.

In scope (:mod:`.scope`) a page's links are followed to the source's ``depth``; out of scope only
the links an in-scope page names as its original (:mod:`.originals`) are fetched, one hop, for
their requisites. Requisites (stylesheets, images, scripts) come from the page's own host, the
source's ``requisite_hosts`` or the scope. A URL enters once; one found again on a shorter path
before it was fetched takes the shorter depth. Admitted tasks are recorded in the frontier and
handed to the :class:`~archive.fetch.dispatch.Dispatcher`.
"""
from __future__ import annotations

from ..attribution import PublisherHosts
from ..config import Config, Source
from ..urls import host_of
from .dispatch import Dispatcher
from .tasks import Result, Task
from .frontier import Frontier
from .originals import pick_originals
from .scope import in_scope, scope_entries

__all__ = ["Admission"]


class Admission:
    """The URLs a crawl knows (``seen``) and the rules that admit new ones."""

    def __init__(self, config: Config, src: Source, dispatch: Dispatcher) -> None:
        self.src = src
        self.dispatch = dispatch
        self.scope = scope_entries(src)
        self.requisite_hosts = {h.lower() for h in src.requisite_hosts}
        self.publisher_hosts = PublisherHosts.from_config(config)  # evidence of an original
        self.seen: set[str] = set()
        self.frontier: Frontier | None = None  # set once the crawl is picked

    def queue(self, task: Task, *, record: bool = True) -> None:
        """Admit ``task`` (``record``: write its frontier row with the next batch)."""
        self.seen.add(task.url)
        if record and self.frontier is not None:
            self.frontier.add(task)
        self.dispatch.add(task)

    def admit(self, res: Result, *, guard: bool) -> None:
        """Queue what ``res`` brings in: its redirect, its links within scope and depth, the
        originals an in-scope page names (one hop), and requisites; ``guard``: the new tasks'
        addresses are checked by the SSRF guard (links of a public page)."""
        t = res.task
        src = self.src
        if res.redirect:
            url = res.redirect  # the guard also holds for a public page redirecting elsewhere
            if url not in self.seen:
                expand = t.expand and in_scope(url, self.scope)
                self.queue(Task(url=url, depth=t.depth, kind="redirect", via=t.url, expand=expand,
                                 chain=t.chain + (t.url,), guard=guard))
        if not t.expand and t.kind not in ("requisite", "original"):  # an original: its requisites
            return
        page_host = host_of(t.url)
        originals = pick_originals(t.url, res.links, self.publisher_hosts) \
            if src.follow_original and t.expand else set()
        for url, kind in res.links:
            if url in self.seen:
                queued = self.dispatch.waiting.get(url)
                if queued is not None and queued.depth > t.depth + 1 and kind != "requisite" and t.expand:
                    queued.depth = t.depth + 1  # found again on a shorter path before it was fetched
                continue
            if kind == "requisite":
                if not src.requisites:
                    continue
                h = host_of(url)
                if h == page_host or h in self.requisite_hosts or in_scope(url, self.scope):
                    self.queue(Task(url=url, depth=t.depth, kind="requisite", via=t.url, expand=False,
                                     guard=guard))
                continue
            if not t.expand:  # a stylesheet's own links: requisites only
                continue
            depth = t.depth if kind == "sitemap" and t.kind == "sitemap" else t.depth + 1
            if depth > src.depth:
                continue
            task_kind = kind if kind in ("feed", "sitemap") else "page"
            if in_scope(url, self.scope):
                self.queue(Task(url=url, depth=depth, kind=task_kind, via=t.url, expand=True, guard=guard))
            elif url in originals:
                # a link the in-scope page names as its original (archive/fetch/originals.py): one hop
                self.queue(Task(url=url, depth=depth, kind="original", via=t.url, expand=False,
                                 guard=guard))
