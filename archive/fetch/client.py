"""One HTTP exchange with httpx, as it happened on the wire.

* streamed; the entity body is kept as received (``iter_raw``: content-encoding kept byte for
  byte, chunked framing removed) up to ``max_body`` bytes, beyond which the exchange is kept
  with ``truncated="length"``;
* redirects are never followed here: every hop is its own :class:`~archive.model.Exchange`;
* httpx timeouts bound each network operation, and ``asyncio.timeout(deadline)`` bounds the
  whole exchange (a server trickling one byte a second would otherwise hold it for ever): a
  deadline (or a read timeout) after the headers keeps what arrived with ``truncated="time"``;
* :func:`retry_after` reads both forms of ``Retry-After`` (seconds and HTTP-date);
* https is verified (:func:`ssl_context`: certifi or ``SSL_CERT_FILE``, plus a ``ca_bundle``);
  a failed handshake is a :class:`FetchError` whose kind names the certificate's fault
  (:func:`tls_error_kind`) and whose detail is OpenSSL's reason.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import os
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import FetchError
from ..model import Exchange, utcnow

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Conditional:
    """Validators of the URL's last capture, sent as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        h: dict[str, str] = {}
        if self.etag:
            h["If-None-Match"] = self.etag
        if self.last_modified:
            h["If-Modified-Since"] = self.last_modified
        return h


def _text(b: bytes) -> str:
    return b.decode("latin-1")


def _error_kind(exc: BaseException) -> str:
    import httpx

    from .netbackend import SsrfRefused

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, SsrfRefused):
            return "ssrf"
        if isinstance(cause, socket.gaierror):
            return "dns"
        cause = cause.__cause__ or cause.__context__
    handshake = tls_failure(exc)
    if handshake is not None:
        return tls_error_kind(handshake)
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        msg = str(exc).lower()
        if "name or service" in msg or "nodename" in msg or "name resolution" in msg or "getaddrinfo" in msg:
            return "dns"
        return "connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "invalid-url"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol"
    if isinstance(exc, httpx.NetworkError):
        return "connect"
    return "http"


async def fetch_exchange(client: "httpx.AsyncClient", url: str, *, max_body: int, deadline: float,
                         conditional: Conditional | None = None,
                         extra_headers: dict[str, str] | None = None,
                         depth: int = 0, via: str | None = None) -> Exchange:
    """GET ``url`` once (no redirects followed). Raises :class:`FetchError` when no response
    headers arrived (kind ``dns``, ``connect``, ``timeout``, ``deadline``, ``invalid-url`` …)."""
    import httpx

    headers = dict(extra_headers or {})
    if conditional:
        headers.update(conditional.headers())
    started = utcnow()
    response: httpx.Response | None = None
    chunks: list[bytes] = []
    size = 0
    truncated: str | None = None
    ip: str | None = None
    try:
        async with asyncio.timeout(deadline):
            try:
                request = client.build_request("GET", url, headers=headers)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
                raise FetchError(url, "invalid-url", str(exc)) from None
            try:
                response = await client.send(request, stream=True, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise FetchError(url, _error_kind(exc), tls_error_detail(exc) or str(exc) or type(exc).__name__) \
                    from None
            try:
                stream = response.extensions.get("network_stream")
                if stream is not None:
                    peer = getattr(client, "_archive_peer", None)  # one lookup per connection
                    if peer is not None and peer[0] is stream:
                        ip = peer[1]
                    else:
                        addr = stream.get_extra_info("server_addr")
                        ip = str(addr[0]) if addr else None
                        client._archive_peer = (stream, ip)  # type: ignore[attr-defined]
                try:
                    async for chunk in response.aiter_raw():
                        if size + len(chunk) > max_body:
                            chunks.append(chunk[: max_body - size])
                            size = max_body
                            truncated = "length"
                            break
                        chunks.append(chunk)
                        size += len(chunk)
                except httpx.TimeoutException:  # a read timeout mid-body: a time limit, not a hang-up
                    truncated = "time"
                except httpx.HTTPError:
                    truncated = "disconnect"
            finally:
                await response.aclose()
    except TimeoutError:
        if response is None:
            raise FetchError(url, "deadline", f"no response within {deadline:g} s") from None
        truncated = "time"
    assert response is not None
    req = response.request
    return Exchange(
        url=url,
        method="GET",
        request_headers=[(_text(k), _text(v)) for k, v in req.headers.raw],
        status=response.status_code,
        reason=response.reason_phrase or "",
        response_headers=[(_text(k), _text(v)) for k, v in response.headers.raw],
        body=b"".join(chunks),
        started=started,
        http_version=response.http_version or "HTTP/1.1",
        ip=ip,
        truncated=truncated,
        depth=depth,
        via=via,
    )


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now_aware = (now or utcnow()).replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now_aware).total_seconds())


# OpenSSL's X509_V_ERR_* codes (``SSLCertVerificationError.verify_code``) by the reason a
# crawl records: the kind names what is wrong with the certificate, the detail keeps OpenSSL's text
_VERIFY_KINDS = {
    2: "tls-untrusted", 18: "tls-untrusted", 19: "tls-untrusted", 20: "tls-untrusted", 21: "tls-untrusted",
    9: "tls-not-yet-valid", 10: "tls-expired",
    62: "tls-hostname", 64: "tls-hostname",
    23: "tls-revoked",
}


def tls_error_kind(exc: ssl.SSLError) -> str:
    """The ``fetch_errors`` kind of a failed TLS handshake: ``tls-untrusted`` (no trusted CA
    issued it, self-signed), ``tls-expired``, ``tls-not-yet-valid``, ``tls-hostname`` (issued
    for another name or address), ``tls-revoked``, ``tls-certificate`` (any other verification
    failure) or ``tls`` (the handshake itself failed: protocol versions, ciphers, a reset)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _VERIFY_KINDS.get(getattr(exc, "verify_code", -1) or -1, "tls-certificate")
    return "tls"


def tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error that made a connection fail (``exc`` an ``httpx.ConnectError``), or None.
    Only a failed connection counts: a read that timed out over TLS carries an
    ``SSLWantReadError`` in its context (the TLS layer was waiting for bytes), which is no
    TLS failure."""
    import httpx

    if not isinstance(exc, httpx.ConnectError):
        return None
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, (ssl.SSLWantReadError,
                                                                      ssl.SSLWantWriteError)):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def tls_error_detail(exc: BaseException) -> str | None:
    """OpenSSL's own words for the TLS failure of a connection (e.g. "certificate verify
    failed: certificate has expired"), or None when ``exc`` is no TLS failure."""
    failure = tls_failure(exc)
    if failure is None:
        return None
    if isinstance(failure, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {failure.verify_message}"
    return str(failure.reason or failure)


_SSL_CONTEXTS: dict[tuple[str | None, str | None, str | None], ssl.SSLContext] = {}


def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """One verifying SSL context per trust setting, shared by every client (building one loads
    the CA bundle: ~40 ms). The default trust is certifi's bundle, or the file (directory) that
    ``SSL_CERT_FILE`` (``SSL_CERT_DIR``) names, as httpx reads them; ``ca_bundle`` (a source's
    or the settings' PEM file) adds its CAs to that trust, so a private CA for one source does
    not cost the public ones."""
    key = (os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None, ca_bundle)
    ctx = _SSL_CONTEXTS.get(key)
    if ctx is None:
        import httpx

        ctx = httpx.create_ssl_context()
        if ca_bundle:
            ctx.load_verify_locations(cafile=ca_bundle)
        _SSL_CONTEXTS[key] = ctx
    return ctx


def _keep_no_cookies(response: Any) -> None:
    """The crawler keeps no cookie jar: every page is fetched as a first visit (what an
    archive should record), and parsing ``Set-Cookie`` through ``http.cookiejar`` cost ~5 %."""


def _no_redirect_request(request: Any, response: Any) -> Any:
    """Stands in for httpx's ``_build_redirect_request``: this client never follows redirects
    (the crawler does, after validating ``Location`` itself), and httpx's own parsing of an
    invalid ``Location`` raised before the response came back, losing the 3xx the server sent."""
    return request


def make_client(*, user_agent: str, timeout: float, concurrency: int, tls: bool = True,
                guard: Any = None, ca_bundle: str | None = None) -> "httpx.AsyncClient":
    """An httpx client; ``tls=False`` for a client that only ever sees http:// URLs (it then
    skips loading the CA bundle, ~0.2 s at start-up: it never makes a TLS connection);
    ``guard`` (an ``ssrf.Guard``): it connects only to addresses the guard checked as public;
    ``ca_bundle``: CAs trusted besides the default ones (:func:`ssl_context`)."""
    import httpx

    client = httpx.AsyncClient(
        verify=ssl_context(ca_bundle) if tls else False,
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=max(concurrency, 1), max_keepalive_connections=max(concurrency, 1),
                            keepalive_expiry=30.0),
        follow_redirects=False,
        trust_env=False,
    )
    client.cookies.extract_cookies = _keep_no_cookies  # type: ignore[method-assign]
    client._build_redirect_request = _no_redirect_request  # type: ignore[method-assign]
    if not tls and os.environ.get("ARCHIVE_PLAIN_BACKEND", "1") != "0":
        from .netbackend import use_for_plain_http

        use_for_plain_http(client)
    if guard is not None:
        from .netbackend import guard_client

        guard_client(client, guard)
    return client


class ClientPool:
    """Single-connection clients for one host, lent out one per exchange.

    httpcore's pool scans every connection it holds on every request (expiry checks through
    anyio's ``extra`` attributes): with 16 connections in one pool that scan was a fifth of the
    crawl's CPU. One connection per client keeps it flat; keep-alive still holds per client.
    """

    def __init__(self, *, user_agent: str, timeout: float, tls: bool = True, guard: Any = None,
                 ca_bundle: str | None = None) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.tls = tls
        self.guard = guard
        self.ca_bundle = ca_bundle
        self.free: list["httpx.AsyncClient"] = []
        self.clients: list["httpx.AsyncClient"] = []

    @contextlib.contextmanager
    def lend(self) -> Iterator["httpx.AsyncClient"]:
        if self.free:
            client = self.free.pop()
        else:
            client = make_client(user_agent=self.user_agent, timeout=self.timeout, concurrency=1, tls=self.tls,
                                 guard=self.guard, ca_bundle=self.ca_bundle)
            self.clients.append(client)
        try:
            yield client
        finally:
            self.free.append(client)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
        self.clients, self.free = [], []
