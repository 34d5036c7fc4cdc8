"""Helpers shared by the test modules: no test module imports another, shared pieces live here
(fixtures in ``tests/conftest.py``), one idea per module.

Servers on loopback: ``site`` (pages a test sets, and the loopback base), ``warc_pages`` (fixed
pages for the WARC tests), ``requisite_site``, ``tiny`` (fixed routes with a request log),
``hostile_server``, ``webhook``, ``s3``, ``tls`` (certificates), ``ports`` (no port races).
The archive served: ``served`` (in this process), ``archive_serve`` (the real program),
``datasette_client`` (Datasette's test client), ``raw_http``; replayed elsewhere: ``pywb``;
in a browser: ``browser``, ``screenshots``.
Archives and their inputs: ``query_archive`` (the hand-made one), ``archive_build`` (the real
pipeline), ``crawled`` (a crawl to break), ``warcs`` (reproducible WARCs), ``exchanges`` (real
fetches), ``sources`` (sources files), ``realpages``, ``realplanted``, ``news_texts``, ``texts``.
Checking them: ``archive_check`` and ``hardening`` (the ledger), ``raw_record``, ``db``,
``program`` (the real ``archive`` command), ``waiting``; where things are: ``paths``, ``interop``.
"""

__all__ = [
    "archive_build", "archive_check", "archive_serve", "browser", "crawled", "datasette_client", "db",
    "exchanges", "hardening", "hostile_server", "interop", "news_texts", "paths", "ports", "program",
    "pywb", "query_archive", "raw_http", "raw_record", "realpages", "realplanted", "requisite_site",
    "s3", "screenshots", "served", "site", "sources", "texts", "tiny", "tls", "waiting", "warc_pages",
    "warcs", "webhook",
]
