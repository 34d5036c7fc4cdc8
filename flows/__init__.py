"""Prefect flows over the archive library: ``crawl`` (one source) and ``pipeline``
(crawl → extract → dedupe, with a run report and failure alerts).

Importing this package imports nothing heavy; each flow module imports Prefect itself. It does
one thing on import, on purpose: it turns Prefect's telemetry off (``archive.schedule.env.
telemetry_off``) before any flow module imports Prefect, which decides then whether to report.
"""
from archive.schedule.env import telemetry_off

telemetry_off()
