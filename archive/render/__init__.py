"""Browser capture for ``render = true`` sources, one kind of fetch (a configured crawl reaches it
through :func:`archive.fetch.crawl_or_render`): headless Chromium (Debian's, driven by
Playwright) fetches each page through warcprox, the WARC-writing proxy, so that what the page's
scripts load is archived too. It owns the browser and the warcprox process; what warcprox wrote
is indexed like a crawl's files (:mod:`archive.index.rebuild`).

- :mod:`.warcprox_main` — ``python -m archive.render.warcprox_main`` runs warcprox with the
  archive's own ``warcinfo`` fields (``source``, ``crawl-id``, ``crawl-started``);
- :mod:`.proxy` — :class:`~.proxy.Warcprox`, that process on a free loopback port;
- :mod:`.capture` — :func:`~.capture.render_source` / :func:`~.capture.render_urls`: visit pages,
  write a ``crawl-end`` record, index the new WARC files.

warcprox refuses targets at 127.0.0.1 and ::1: render sources on other loopback addresses
(the sample web's publisher lives on 127.0.0.2).
"""
from __future__ import annotations

__all__ = ["capture", "proxy", "warcprox_main"]
