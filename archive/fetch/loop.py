"""The event loop a crawl (and each fetcher process) runs on."""
from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["run_loop"]


def run_loop(coro: Any) -> Any:
    """``asyncio.run`` on uvloop's event loop when it is installed (a faster loop and sockets:
    the crawl is CPU-bound on loopback), else on asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
