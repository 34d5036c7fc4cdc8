"""Prefect flows over the archive library: ``crawl`` (one source) and ``pipeline``
(crawl → extract → dedupe, with a run report and failure alerts).

Importing this package imports nothing heavy; each flow module imports Prefect itself.
"""
