"""URL canonicalisation (crawl de-duplication) and SURT keys (the CDXJ ``urlkey``)."""
from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .errors import InputError

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/?:@!$&'()*+,;=-._~%"
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm_pct(text: str, safe: str) -> str:
    """Upper-case percent escapes, decode escaped unreserved characters, escape the unsafe."""
    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(0)[1:], 16))
        return ch if ch in _UNRESERVED else m.group(0).upper()

    return quote(_PCT.sub(fix, text), safe=safe)


def _host(parts_host: str | None, url: str) -> str:
    host = (parts_host or "").rstrip(".").lower()
    if not host:
        raise InputError(f"{url!r}: URL has no host")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as exc:
        raise InputError(f"{url!r}: host is not a valid internationalised name ({exc})") from None
    return host


def check_http_url(url: str) -> str:
    """Return ``url`` stripped, or raise :class:`InputError` naming it unless it is http(s)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InputError(f"{url!r}: not a URL ({exc})") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise InputError(f"{url!r}: only http and https URLs can be crawled or replayed")
    _host(parts.hostname, url)
    try:
        parts.port
    except ValueError:
        raise InputError(f"{url!r}: bad port") from None
    return url


def canonicalize(url: str) -> str:
    """The crawl's canonical form: lower-case scheme and host, default port and fragment
    dropped, empty path → ``/``, percent escapes normalised. The query order is kept (servers
    may depend on it). Raises :class:`InputError` for non-http(s) or host-less URLs."""
    url = check_http_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts.hostname, url)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _norm_pct(parts.path or "/", _SAFE_PATH)
    query = _norm_pct(parts.query, _SAFE_QUERY)
    return urlunsplit((scheme, netloc, path, query, ""))


def surt(url: str) -> str:
    """SURT key as CDXJ indexers write it: ``com,example)/path?query``.

    Scheme dropped, host reversed by labels (IPv4 addresses too), ``www.`` dropped, escapes decoded,
    default port dropped, everything lower-cased, query arguments sorted.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip().lower()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    if ":" not in host:  # CDXJ indexers (the surt package) reverse IPv4 addresses too
        host = ",".join(reversed(host.split(".")))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path or "/"
    path = quote(unquote(path), safe=_SAFE_PATH.replace("%", ""))
    key = f"{host})" + path.lower()
    if parts.query:
        args = sorted(parts.query.split("&"))
        key += "?" + "&".join(args).lower()
    return key


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, lower-cased (the politeness and ``site`` key)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return host if port in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else f"{host}:{port}"
