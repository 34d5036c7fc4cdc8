"""The SSRF guard: a public page must not steer the crawler to private or loopback addresses.

A URL found on a public page (a link, a requisite, a redirect target) is fetched as a *guarded*
task (``Task.guard``). Its host is checked twice:

* before anything is fetched for it (robots.txt included): its literal host, then every address
  its name resolves to — a refusal is recorded as a fetch error of kind ``ssrf`` (a WARC
  ``metadata`` record, so ``archive reindex`` keeps it) naming the URL and the address;
* when a connection is made (``netbackend.GuardedBackend``): the name is resolved again (or
  taken from this guard's short cache), every address checked, and the connection made to a
  checked address — never to whatever a second lookup returns (DNS rebinding), so the
  ``WARC-IP-Address`` is the address that was checked.

:func:`private_host` is the one predicate (addresses are asked as ``http://ADDR:PORT/``).
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from typing import Awaitable, Callable
from urllib.parse import urlsplit

RESOLVE_TTL = 30.0  # seconds a checked resolution is reused (and connections pinned to it)


def private_host(url: str) -> bool:
    """True for localhost names and for any address that is not globally routable (private,
    loopback, link-local, shared 100.64/10, reserved, multicast, unspecified), however it is
    spelled: IPv4 in the short, integer, octal or hex forms that resolvers accept (``127.1``,
    ``2130706433``, ``0x7f000001``) and IPv4-mapped IPv6."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    ip = literal_address(host)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names without DNS (also the legacy IPv4 forms), or None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefx." for c in host.lower()):
        return None
    try:  # the legacy forms getaddrinfo resolves without DNS
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def address_url(address: str, port: int) -> str:
    """``http://ADDR:PORT/``: an address as the guard's predicate is asked about it."""
    return f"http://[{address}]:{port}/" if ":" in address else f"http://{address}:{port}/"


async def lookup(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (in the resolver's order, each once)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in out:
            out.append(addr)
    return out


Lookup = Callable[[str, int], Awaitable[list[str]]]


class Guard:
    """The checks of one fetcher: ``private(url)`` the predicate, ``lookup`` the resolver
    (default: :func:`lookup` of this module, looked up at each call)."""

    def __init__(self, private: Callable[[str], bool] | None = None, lookup: Lookup | None = None,
                 ttl: float = RESOLVE_TTL) -> None:
        self.private = private or private_host
        self._lookup = lookup
        self.ttl = ttl
        self._cache: dict[tuple[str, int], tuple[list[str], float]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host:port`` (a literal address: itself). Raises
        ``socket.gaierror`` when the name does not resolve."""
        ip = literal_address(host)
        if ip is not None:
            return [str(ip)]
        key = (host.lower(), port)
        hit = self._cache.get(key)
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        resolve = self._lookup or lookup
        addrs = await resolve(host, port)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = (addrs, time.monotonic() + self.ttl)
        return addrs

    def refused_address(self, addrs: list[str], port: int) -> str | None:
        """The first of ``addrs`` that is not public, or None."""
        for a in addrs:
            if self.private(address_url(a, port)):
                return a
        return None

    async def check(self, url: str) -> str | None:
        """Why ``url`` must not be fetched (naming the literal or resolved address), or None.
        A name that does not resolve is not refused here: the fetch reports it (``dns``)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if self.private(url):
            return f"{host} is a private or loopback address"
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addrs = await self.addresses(host, port)
        except (OSError, ValueError, UnicodeError):
            return None
        bad = self.refused_address(addrs, port)
        if bad is not None:
            return f"{host} resolves to {bad}, a private or loopback address"
        return None
