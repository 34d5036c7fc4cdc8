"""HTTP heads as the archive records them: status line and header lines written byte for byte
as received (latin-1; a CR or LF inside a value becomes a space, so no value breaks the record's
framing), with the body stored de-chunked: ``Transfer-Encoding`` is renamed
``X-Archive-Orig-Transfer-Encoding`` and a true ``Content-Length`` is set (a differing original
one is kept as ``X-Archive-Orig-Content-Length``). warcio would %-encode non-ASCII values:
:data:`RawHttp` hands it the bytes as they were.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .records import ORIG_PREFIX

__all__ = ["fix_response_headers", "request_target", "RawHttp"]

_HOP_BY_HOP_BODY = {"transfer-encoding"}


def _enc(text: str) -> bytes:
    if "\r" in text or "\n" in text:  # never let a header value break the record's framing
        text = text.replace("\r", " ").replace("\n", " ")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def fix_response_headers(headers: list[tuple[str, str]], body_len: int, *, status: int,
                         method: str) -> list[tuple[str, str]]:
    """The headers to record for a de-chunked body: ``Transfer-Encoding`` renamed, a true
    ``Content-Length`` (the original kept as ``X-Archive-Orig-Content-Length`` when it differs).
    Responses that have no body by definition (HEAD, 1xx, 204, 304) keep their headers."""
    out: list[tuple[str, str]] = []
    chunked = False
    lengths: list[str] = []
    for k, v in headers:
        lk = k.lower()
        if lk in _HOP_BY_HOP_BODY:
            chunked = True
            out.append((ORIG_PREFIX + k, v))
        elif lk == "content-length":
            lengths.append(v)
            out.append((k, v))
        else:
            out.append((k, v))
    bodyless = method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200
    if bodyless and not chunked:
        return out
    true_len = str(body_len)
    if not chunked and len(lengths) == 1 and lengths[0].strip() == true_len:
        return out
    fixed: list[tuple[str, str]] = []
    for k, v in out:
        if k.lower() == "content-length":
            if v.strip() != true_len:
                fixed.append((ORIG_PREFIX + k, v))
        else:
            fixed.append((k, v))
    fixed.append(("Content-Length", true_len))
    return fixed


def _http_block(status_line: str, headers: list[tuple[str, str]]) -> bytes:
    buf = bytearray(_enc(status_line) + b"\r\n")
    for k, v in headers:
        buf += _enc(k) + b": " + _enc(v) + b"\r\n"
    buf += b"\r\n"
    return bytes(buf)


def request_target(url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target



def _raw_http_class() -> type:
    from warcio.statusandheaders import StatusAndHeaders

    class RawHttp(StatusAndHeaders):  # type: ignore[misc]
        """HTTP status line and headers written exactly as given (warcio would %-encode
        non-ASCII values)."""

        def __init__(self, statusline: str, headers: list[tuple[str, str]]) -> None:
            proto, _, rest = statusline.partition(" ")
            super().__init__(rest, list(headers), protocol=proto)
            self.headers_buff = _http_block(statusline, headers)

        def compute_headers_buffer(self, header_filter: Any = None) -> None:
            pass

    return RawHttp


class _RawHttpProxy:
    _cls: type | None = None

    def __call__(self, statusline: str, headers: list[tuple[str, str]]) -> Any:
        if _RawHttpProxy._cls is None:
            _RawHttpProxy._cls = _raw_http_class()
        return _RawHttpProxy._cls(statusline, headers)


RawHttp: Any = _RawHttpProxy()
"""``RawHttp(status_line, headers)``: warcio's ``StatusAndHeaders`` written exactly as given (warcio is
imported on first use)."""
