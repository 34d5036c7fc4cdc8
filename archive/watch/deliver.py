"""One watched pair, POSTed as JSON to a watch's webhook.

The body carries ``text`` (one line, as Slack- and Mattermost-style incoming webhooks expect) and
the pair's fields a receiver can act on; ``copy_replay`` / ``original_replay`` are paths on the
archive's Datasette (``/-/replay/<YYYYMMDDhhmmss>/<url>``). A 2xx answer is a delivery; anything
else (another status, a refused connection, a timeout) is a failure the next run retries.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

USER_AGENT = "syndication-archive-watch"


def replay_path(iso_ts: str | None, url: str) -> str | None:
    from ..replay import REPLAY_PREFIX, link_path, to_timestamp14

    ts = to_timestamp14(iso_ts) if iso_ts else None
    return link_path(REPLAY_PREFIX, ts, url) if ts else None


def lag_text(seconds: float | None) -> str:
    """``None`` → "?"; 2400 → '40 min'; 12600 → '3.5 h'; 259200 → '3 d' (negative: '−…')."""
    if seconds is None:
        return "?"
    sign = "−" if seconds < 0 else ""
    s = abs(int(seconds))
    if s < 3600:
        return f"{sign}{s // 60} min"
    if s < 2 * 86400:
        return f"{sign}{s / 3600:.1f} h".replace(".0 h", " h")
    return f"{sign}{s / 86400:.1f} d".replace(".0 d", " d")


def payload(watch: str, pair: dict[str, Any], *, test: bool = False) -> dict[str, Any]:
    body = {k: pair.get(k) for k in ("tag", "publisher", "aggregator", "copy_url", "original_url", "copy_title",
                                     "original_title", "copied", "original_published", "lag_seconds",
                                     "lag_resolution", "kind", "method", "confidence", "diff_summary")}
    body["watch"] = watch
    body["copy_replay"] = replay_path(pair.get("copied"), pair["copy_url"])
    body["original_replay"] = replay_path(pair.get("original_captured"), pair["original_url"])
    body["test"] = test
    body["text"] = (f"{'[test] ' if test else ''}archive watch {watch}: {pair['aggregator']} copied "
                    f"{pair['publisher']}'s story ({pair.get('kind') or 'copy'}, lag {lag_text(pair.get('lag_seconds'))}): "
                    f"{pair['copy_url']}")
    return body


@dataclass
class Answer:
    ok: bool
    status: int | None
    error: str | None


def post(webhook: str, body: dict[str, Any], *, timeout: float = 10.0) -> Answer:
    """POST ``body`` as JSON; never raises for a network or HTTP failure (it is the answer)."""
    req = urllib.request.Request(webhook, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (configured URL)
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        return Answer(False, int(exc.code), f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(False, None, f"{type(exc).__name__}: {reason}")
    if 200 <= status < 300:
        return Answer(True, status, None)
    return Answer(False, status, f"HTTP {status}")
