"""Which record an exchange becomes: a ``response``, or a ``revisit`` of an earlier capture.

The re-crawl design (README "Re-crawls replay in any tool"), measured with pywb 2.10: a stored
``304`` (as a response or as a revisit) replays there as an empty 304, because pywb serves any
3xx revisit as recorded and never loads its original; a full answer stored as an
identical-payload-digest revisit with its real 200 head and the Refers-To fields replays as the
page. So conditional GET is off by default, and on only where a source asks for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Capture, Exchange
from .records import NOT_MODIFIED_PROFILE, REVISIT_PROFILE


@dataclass
class PreviousCapture:
    """The last capture of a URL, for revisit detection (from the ``captures`` table)."""

    payload_digest: str
    url: str
    timestamp: str  # its WARC-Date (ISO 8601 UTC)
    record_id: str | None = None  # Capture.id or a full WARC-Record-ID

    @classmethod
    def from_capture(cls, cap: Capture) -> "PreviousCapture":
        # a revisit's own refers-to fields point at the response that holds the payload
        if cap.record_type == "revisit" and cap.refers_to_url and cap.refers_to_date:
            return cls(payload_digest=cap.payload_digest or "", url=cap.refers_to_url,
                       timestamp=cap.refers_to_date, record_id=None)
        return cls(payload_digest=cap.payload_digest or "", url=cap.url,
                   timestamp=cap.timestamp, record_id=cap.id)


_VALIDATORS = ("if-none-match", "if-modified-since")


def revisit_profile(ex: Exchange, digest: str, previous: PreviousCapture | None) -> str | None:
    """The revisit profile this exchange is stored under, or None for a ``response`` record.

    * ``server-not-modified`` (WARC 1.1 §6.7.3): a ``304`` answer to a conditional GET (the
      request carried ``If-None-Match`` / ``If-Modified-Since``) of a URL with an earlier capture:
      the record keeps the 304's own head, refers to the capture whose validators were sent and
      carries that capture's payload digest (the payload the server confirmed);
    * ``identical-payload-digest`` (§6.7.2): any full answer whose payload digest equals the
      URL's last stored payload: the record keeps the answer's real head (a 200's, with its
      headers), no payload, and refers to the record that holds it. This is what an unchanged
      page gives when conditional GET is off (the default), and the form warcprox and
      browsertrix write; pywb 2.10 replays it as the 200 with the original's bytes
      (tests/test_recrawl_pywb.py).

    A 304 to a request that sent no validators is stored as the response it is."""
    if previous is None or not previous.payload_digest:
        return None
    if ex.status == 304:
        sent = {k.lower() for k, _ in ex.request_headers}
        return NOT_MODIFIED_PROFILE if sent & set(_VALIDATORS) else None
    return REVISIT_PROFILE if previous.payload_digest == digest else None
