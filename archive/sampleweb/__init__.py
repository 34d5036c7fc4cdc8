"""The bundled sample web: a deterministic aggregator (America One News style) that copies a
publisher's stories, served over real sockets on loopback for tests, the demo and benchmarks.

    from archive.sampleweb import SampleWeb
    with SampleWeb(articles=40, seed=1) as sw:
        print(sw.aggregator_url, sw.publisher_url)
"""
from __future__ import annotations

from .server import RequestRecord
from .web import DigestItemTruth, DigestTruth, SampleWeb, StoryTruth, Truth

__all__ = ["SampleWeb", "RequestRecord", "Truth", "StoryTruth", "DigestTruth", "DigestItemTruth"]
