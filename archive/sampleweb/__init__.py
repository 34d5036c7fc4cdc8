"""The bundled sample web: a deterministic aggregator (built the way America One News builds its
pages) that copies a publisher's stories, served over real sockets on loopback for tests, the
demo and benchmarks; a third host holds what real copies link to besides their original.

    from archive.sampleweb import SampleWeb
    with SampleWeb(articles=40, seed=1) as sw:          # or the ``sample_web`` pytest fixture
        sw.aggregator_url, sw.publisher_url             # http://127.0.0.1:P1, http://127.0.0.2:P2
        sw.others_url                                   # http://127.0.0.3:P3 (share, sponsor, ads)
        sw.truth()                                      # stories, copies, digests: ground truth
        sw.features()                                   # where the odd cases live (absolute URLs)
        sw.advance()                                    # next generation (or POST /__sampleweb/advance)
        sw.request_log                                  # RequestRecord per request the servers saw

Aggregator (127.0.0.1):
    /                                           front: latest copies, topics, digests, odd links
    /usconservative/topic/{slug}[?page=N]       listing per outlet (waexaminer, nypost, pjmedia,
                                                watimes); /page/N 301s to ?page=N
    /usconservative/topic/{slug}/6-slug-{headline-slug}   a copy (full or truncated)
    /usconservative/topic/fq[?page=N]           digest index
    /usconservative/topic/fq/6-slug-the-digest-{mon}-{d}-{yyyy}-no-{n}   a digest page
    /usconservative/live/6-slug-live-updates-senate-budget-night   text built by its script only
    /old/topic/waexaminer -301-> /moved/topic/waexaminer -302-> /usconservative/topic/waexaminer
    /latest-digest -302-> newest digest;  /usconservative/topic/broken-feed -> the one 500
    /private/… (robots-disallowed, linked from the front page);  /__sampleweb/advance (POST),
    /__sampleweb/state (GET) — robots-disallowed control endpoints
Publisher (127.0.0.2), four outlets under their feed slug, and /live/senate-budget-night (script-built):
    /, /{slug}/[?page=N], /{slug}/{section}/{id}/{headline-slug} (originals), /r/{id} -302-> original,
    /feed.xml (RSS; /rss 301s to it), /sitemap.xml (index) -> /sitemap-N.xml, /private/…
Others (127.0.0.3): /share/{facebook|x|email}?…=<original URL> (share buttons), /qwiket/fantasy-sports
    (the header's "Sponsor:" links, on every aggregator page), /ads/N (a copy's two ads: one
    rel=nofollow, one rel=sponsored reading "Read more"), /{dailyledger|frontiertimes|capitolwire}/K/…
    (other outlets' stories in a copy's "related" box, beside one known publisher's original
    on 127.0.0.2); no copy's original: ``StoryTruth.decoy_links`` lists them per copy.
Aggregator, publisher: /robots.txt (no crawl-delay), /favicon.ico, /static/{am1|pub}.css (@import base.css,
background image, @font-face font.ttf), /static/app.js (adds a banner after load),
/static/img/photo-K-{320|640}.png (srcset).

Every 200 page has an ETag and Last-Modified and answers conditional GETs with 304; one third of
the text pages are sent gzip-encoded to clients that accept gzip, another third with chunked
framing (``is_gzip(url)``, ``is_chunked(url)``). Bodies depend only on (seed, articles,
generation, the three base URLs): same seed and ports, same bytes; nothing reads the clock.
"""
from __future__ import annotations

from .server import RequestRecord
from .truth import DigestItemTruth, DigestTruth, StoryTruth, Truth
from .web import SampleWeb

__all__ = ["SampleWeb", "RequestRecord", "Truth", "StoryTruth", "DigestTruth", "DigestItemTruth"]
