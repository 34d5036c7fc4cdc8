"""Real exchanges for the tests that write WARCs themselves: a GET over a loopback socket with
httpx, kept as an :class:`archive.model.Exchange` the way the crawler keeps one (the raw body,
content-encoding kept and chunked framing removed, and the server's IP address)."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from archive.model import Exchange, utcnow


def _exchange(resp: httpx.Response, body: bytes, started: dt.datetime, url: str | None = None,
              **extra: Any) -> Exchange:
    """``url``: the URL as the test gave it (else the request's, as httpx normalised it)."""
    stream = resp.extensions.get("network_stream")
    addr = stream.get_extra_info("server_addr") if stream is not None else None
    req = resp.request
    return Exchange(
        url=url if url is not None else str(req.url), method=req.method,
        request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw],
        status=resp.status_code, reason=resp.reason_phrase,
        response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw],
        body=body, started=started, http_version=resp.http_version, ip=addr[0] if addr else None, **extra)


def fetch(url: str, started: dt.datetime) -> Exchange:
    """One real exchange at a chosen start time, the entity body as received (gzip stays gzip)."""
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
            return _exchange(r, b"".join(r.iter_raw()), started, url)


async def fetch_exchange(client: httpx.AsyncClient, url: str, *, headers: dict[str, str] | None = None,
                         depth: int = 0, via: str | None = None) -> Exchange:
    started = utcnow()
    async with client.stream("GET", url, headers=headers) as resp:
        body = b"".join([chunk async for chunk in resp.aiter_raw()])
        return _exchange(resp, body, started, depth=depth, via=via)


def fetch_all(urls: list[str], *, headers: dict[str, str] | None = None) -> list[Exchange]:
    """Each URL in turn (redirects not followed), as the crawler's async client fetches it."""
    async def run() -> list[Exchange]:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            return [await fetch_exchange(client, u, headers=headers) for u in urls]

    return asyncio.run(run())
