"""``/-/replay/<timestamp>/<url>`` through Datasette's test client: headers, nearest capture,
ties, revisits, missing originals, query strings, encodings, bad input."""
from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest

from archive.datasette_plugin.app import load_metadata, make_datasette
from support.query_archive import Archive
from support.datasette_client import META, get


@pytest.fixture(scope="module")
def ds(arc: Archive) -> Any:
    return make_datasette(arc.data_dir, load_metadata(META, arc.data_dir))


def replay(ds: Any, ts: str, url: str, **kw: Any) -> Any:
    return get(ds, f"/-/replay/{ts}/{url}", **kw)


def test_security_headers_and_recorded_content_type(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250101000000", arc.urls["story"])
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == "sandbox"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["x-archive-capture-id"] == arc.captures["story"].id
    assert r.headers["memento-datetime"] == "Wed, 01 Jan 2025 00:00:00 GMT"
    # the recorded Set-Cookie and the site's own CSP are never forwarded
    assert "set-cookie" not in r.headers
    assert r.headers.get_list("content-security-policy") == ["sandbox"]
    assert r.content == arc.bodies["story"]


def test_hop_by_hop_headers_never_forwarded_and_chunked_body_replayed(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250101050000", arc.urls["chunked"])
    assert r.status_code == 200
    names = {k.lower() for k in r.headers.keys()}
    assert "transfer-encoding" not in names
    assert not any("transfer-encoding" in n for n in names)  # nor as X-Archive-Orig-…
    assert "keep-alive" not in names and "x-hop" not in names  # named by Connection
    assert r.headers.get("connection") is None
    assert r.content == arc.bodies["chunked"]
    assert int(r.headers["content-length"]) == len(arc.bodies["chunked"])


def test_nearest_capture_by_absolute_time(ds: Any, arc: Archive) -> None:
    # 10:00:00 and 10:00:20 captured: 10:00:05 → A, 10:00:15 → B
    assert b"tie A" in replay(ds, "20250101100005", arc.urls["tie_a"]).content
    assert b"tie B" in replay(ds, "20250101100015", arc.urls["tie_a"]).content
    assert b"tie B" in replay(ds, "20300101000000", arc.urls["tie_a"]).content
    assert b"tie A" in replay(ds, "19990101000000", arc.urls["tie_a"]).content
    first = replay(ds, "20250101000000", arc.urls["changing_1"])
    later = replay(ds, "20250101130000", arc.urls["changing_1"])  # 13 h after v1, 11 h before v2
    assert b"First version" in first.content and b"Second version" in later.content


def test_tie_goes_to_the_earlier_capture(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250101100010", arc.urls["tie_a"])  # 10 s from each
    assert r.headers["x-archive-capture-id"] == arc.captures["tie_a"].id
    assert b"tie A" in r.content


def test_revisit_is_resolved_to_its_original_payload(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250103000000", arc.urls["story"])
    assert r.status_code == 200
    assert r.headers["x-archive-capture-id"] == arc.captures["story_again"].id
    assert r.headers["x-archive-payload-from"] == arc.captures["story"].id
    assert r.content == arc.bodies["story"]


def test_revisit_with_missing_original_is_404_naming_it(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250101030000", arc.urls["orphan"])
    assert r.status_code == 404
    ghost = arc.urls["orphan"].replace("/orphan", "/ghost")
    assert ghost in r.text and "2024-12-31T00:00:00Z" in r.text and "missing" in r.text
    assert r.headers["content-security-policy"] == "sandbox"


def test_query_string_of_the_target_url(ds: Any, arc: Archive) -> None:
    url = arc.urls["query"]
    assert "?" in url
    r = replay(ds, "20250101050000", url)
    assert r.status_code == 200 and b"Search results for putin" in r.content
    # query arguments in another order are the same SURT key
    base, _, query = url.partition("?")
    swapped = base + "?" + "&".join(reversed(query.split("&")))
    assert replay(ds, "20250101050000", swapped).content == r.content
    # without the query it is another URL
    assert replay(ds, "20250101050000", base).status_code == 404


def test_gzip_payload_kept_or_decoded_by_accept_encoding(ds: Any, arc: Archive) -> None:
    ts, url = "20250101010000", arc.urls["gz"]
    raw = asyncio.run(_raw_get(ds, f"/-/replay/{ts}/{url}", {"Accept-Encoding": "gzip"}))
    assert raw[0] == "gzip" and raw[1] == arc.bodies["gz"]
    assert gzip.decompress(raw[1]) == arc.bodies["gz_decoded"]
    plain = asyncio.run(_raw_get(ds, f"/-/replay/{ts}/{url}", {"Accept-Encoding": "identity"}))
    assert plain[0] is None and plain[1] == arc.bodies["gz_decoded"]


async def _raw_get(ds: Any, path: str, headers: dict[str, str]) -> tuple[str | None, bytes]:
    """The response bytes as sent (httpx's test client would decode gzip itself)."""
    import httpx

    transport = httpx.ASGITransport(app=ds.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        async with client.stream("GET", path, headers=headers) as r:
            body = b"".join([c async for c in r.aiter_raw()])
            return r.headers.get("content-encoding"), body


def test_redirect_capture_points_back_into_the_archive(ds: Any, arc: Archive) -> None:
    r = replay(ds, "20250101020000", arc.urls["redirect"])
    assert r.status_code == 302
    assert r.headers["location"] == f"/-/replay/20250101020000/{arc.urls['story']}"


def test_percent_encoded_target_and_collapsed_slashes(ds: Any, arc: Archive) -> None:
    from urllib.parse import quote

    url = arc.urls["story"]
    assert replay(ds, "20250101000000", quote(url, safe="")).content == arc.bodies["story"]
    assert replay(ds, "20250101000000", url.replace("http://", "http:/")).content == arc.bodies["story"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)",
                                    "data:text/html,<script>alert(1)</script>", "ftp://example.com/x",
                                    "FILE:///etc/passwd", "file%3A%2F%2F%2Fetc%2Fpasswd"])
def test_foreign_schemes_are_400(ds: Any, target: str) -> None:
    r = replay(ds, "20250101000000", target)
    assert r.status_code == 400, r.text
    assert "only http and https" in r.text


@pytest.mark.parametrize("path", ["/-/replay/2025/http://example.com/", "/-/replay/20251301000000/http://x.org/",
                                  "/-/replay/", "/-/replay/20250101000000", "/-/replay/abc/http://x.org/"])
def test_malformed_paths_are_400(ds: Any, path: str) -> None:
    assert get(ds, path).status_code == 400


def test_unknown_url_is_404_naming_it(ds: Any) -> None:
    r = replay(ds, "20250101000000", "http://never.example/page")
    assert r.status_code == 404 and "http://never.example/page" in r.text


def test_only_get_captures_unless_asked(ds: Any, arc: Archive) -> None:
    r = get(ds, f"/-/replay/20250101000000/{arc.urls['story']}", headers={"X-Archive-Method": "POST"})
    assert r.status_code == 404 and "POST" in r.text


def test_index_rows_never_lead_outside_the_warcs_dir(ds: Any, arc: Archive) -> None:
    # even a tampered index row cannot make replay read a file outside DATA/warcs
    import dataclasses
    import sqlite3

    from archive.index.captures import CAPTURE_COLUMNS

    evil = dataclasses.replace(arc.captures["story"], id="evil-row", url="http://evil.example/",
                               urlkey="example,evil)/", warc_file="../archive.db", warc_offset=0)
    with sqlite3.connect(arc.data_dir / "archive.db") as conn:
        row = dataclasses.asdict(evil)
        conn.execute(f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES "
                     f"({', '.join('?' * len(CAPTURE_COLUMNS))})", [row[c] for c in CAPTURE_COLUMNS])
    r = replay(ds, "20250101000000", "http://evil.example/")
    assert r.status_code == 403  # refused, not a server failure
    assert "outside DATA/warcs" in r.text and b"SQLite format" not in r.content


def test_head_request_has_headers_and_no_body(ds: Any, arc: Archive) -> None:
    r = asyncio.run(ds.client.request("HEAD", f"/-/replay/20250101000000/{arc.urls['story']}"))
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-security-policy"] == "sandbox"
    assert r.headers["content-length"] == str(len(arc.bodies["story"]))


def test_not_modified_capture_shows_the_content_it_confirmed(ds: Any, arc: Archive) -> None:
    assert arc.captures["nm_2"].status == 304
    r = replay(ds, "20250102080000", arc.urls["nm_2"])
    assert r.status_code == 200 and r.content == arc.bodies["nm_1"]
    assert r.headers["x-archive-capture-id"] == arc.captures["nm_1"].id
    assert r.headers["x-archive-not-modified-capture"] == arc.captures["nm_2"].id
