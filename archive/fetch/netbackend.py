"""A slim asyncio network backend for httpcore, used for plain-http connections.

httpcore reaches asyncio through anyio (cancel scopes around every read and write, an
``extra`` dictionary rebuilt on every ``get_extra_info``): on loopback, where the crawl is
CPU-bound, that layer was an eighth of the crawler's CPU. This backend is an
``asyncio.Protocol`` with a byte buffer: reads wait on one future, writes go straight to the
transport (with flow control), timeouts are one timer each. TLS connections keep httpcore's own
backend: :func:`use_for_plain_http` swaps the pool only of a client that never sees https.
"""
from __future__ import annotations

import asyncio
import socket
from typing import Any, Iterable

import httpcore


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _wake(self) -> None:
        w = self.waiter
        if w is not None and not w.done():
            w.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake()
        d = self.drain_waiter
        if d is not None and not d.done():
            d.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        d = self.drain_waiter
        if d is not None and not d.done():
            d.set_result(None)


async def _wait(fut: asyncio.Future[None], timeout: float | None, exc_class: type[Exception]) -> None:
    if timeout is None:
        await fut
        return
    def expire() -> None:
        if not fut.done():
            fut.set_exception(exc_class("timed out"))

    timer = asyncio.get_running_loop().call_later(timeout, expire)
    try:
        await fut
    finally:
        timer.cancel()


class PlainStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self.transport = transport
        self.protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        p = self.protocol
        while not p.buffer:
            if p.eof:
                if p.error is not None:
                    raise httpcore.ReadError(str(p.error))
                return b""
            p.waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(p.waiter, timeout, httpcore.ReadTimeout)
            finally:
                p.waiter = None
        data = bytes(p.buffer[:max_bytes])
        del p.buffer[:max_bytes]
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        p = self.protocol
        if self.transport.is_closing():
            raise httpcore.WriteError("connection closed")
        self.transport.write(buffer)
        if p.paused:
            p.drain_waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(p.drain_waiter, timeout, httpcore.WriteTimeout)
            finally:
                p.drain_waiter = None

    async def aclose(self) -> None:
        self.transport.close()

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("this backend serves plain http only")

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return bool(self.protocol.buffer) or self.protocol.eof
        if info == "server_addr":
            return self.transport.get_extra_info("peername")
        if info == "client_addr":
            return self.transport.get_extra_info("sockname")
        if info == "socket":
            return self.transport.get_extra_info("socket")
        return None


class PlainBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            conn = loop.create_connection(_Protocol, host, port,
                                          local_addr=(local_address, 0) if local_address else None)
            transport, protocol = await asyncio.wait_for(conn, timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connect to {host}:{port} timed out") from None
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"name or service not known: {host} ({exc})") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        return PlainStream(transport, protocol)  # type: ignore[arg-type]

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not crawled")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def use_for_plain_http(client: Any) -> None:
    """Give an httpx client that only ever fetches http:// URLs this backend (one connection)."""
    transport = client._transport
    old = transport._pool
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=None, max_connections=1, max_keepalive_connections=1, keepalive_expiry=30.0,
        http1=True, http2=False, retries=0, network_backend=PlainBackend())
    del old


class SsrfRefused(httpcore.ConnectError):
    """A guarded connection whose host resolves to a private or loopback address."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connections only to checked public addresses (see ``archive.fetch.ssrf``): the host is
    resolved by the guard (its short cache: the address checked before the fetch is the one
    connected to), every address is checked, and the connection is made to the address itself,
    so a second DNS answer cannot move it elsewhere (rebinding). TLS still verifies the name:
    httpcore sends the URL's host as SNI, whatever address the TCP connection went to."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, guard: Any) -> None:
        self.inner = inner
        self.guard = guard

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            addrs = await asyncio.wait_for(self.guard.addresses(host, port), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"name or service not known: {host} ({exc})") from exc
        bad = self.guard.refused_address(addrs, port)
        if bad is not None:
            raise SsrfRefused(f"refused by the SSRF guard: {host} resolves to {bad}, "
                              "a private or loopback address")
        error: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for addr in addrs:
            try:
                return await self.inner.connect_tcp(addr, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not crawled")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guard_client(client: Any, guard: Any) -> None:
    """Make every connection of an httpx client go through ``guard`` (``ssrf.Guard``)."""
    pool = client._transport._pool
    pool._network_backend = GuardedBackend(pool._network_backend, guard)
