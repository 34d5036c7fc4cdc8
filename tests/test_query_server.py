"""A real ``archive serve`` process: dot segments sent as they are (Datasette's test client
would remove them), a canned ``write: true`` query refused, replay headers over real HTTP."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from support.archive_serve import Served
from support.paths import ROOT
from support.query_archive import Archive
from support.raw_http import raw_get


@pytest.fixture(scope="module")
def served(arc: Archive, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # the shipped metadata plus one canned write query, to show that it cannot write
    meta = yaml.safe_load((ROOT / "config" / "datasette.yml").read_text())
    meta["databases"]["archive"]["queries"]["wipe"] = {"sql": "delete from captures", "write": True}
    path = tmp_path_factory.mktemp("meta") / "datasette.yml"
    path.write_text(yaml.safe_dump(meta))
    server = Served(arc.data_dir, metadata=path)
    try:
        yield server
    finally:
        server.stop()


DOT_TARGETS = [
    "/-/replay/20250101000000/http://127.0.0.1/../../../../etc/passwd",
    "/-/replay/20250101000000/../../../../etc/passwd",
    "/-/replay/../../../../etc/passwd",
    "/-/replay/20250101000000/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/-/replay/20250101000000/http://127.0.0.1/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/-/replay/20250101000000/..%2f..%2f..%2farchive.db",
    "/-/replay/20250101000000/%2e%2e%2f%2e%2e%2fwarcs",
    "/-/replay/20250101000000/file:///etc/passwd",
]


@pytest.mark.parametrize("target", DOT_TARGETS)
def test_dot_segments_never_reach_files(served: Served, target: str) -> None:
    status, data = raw_get(served.port, target)
    assert status in (400, 404), data[:300]
    assert b"root:" not in data and b"SQLite format" not in data and b"WARC/1.1" not in data


def test_replay_over_real_http(served: Served, arc: Archive) -> None:
    r = httpx.get(f"{served.base}/-/replay/20250101000000/{arc.urls['story']}")
    assert r.status_code == 200 and r.content == arc.bodies["story"]
    assert r.headers["content-security-policy"] == "sandbox"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    r = httpx.get(f"{served.base}/-/replay/20250101050000/{arc.urls['chunked']}")
    assert r.content == arc.bodies["chunked"]
    assert "transfer-encoding" not in r.headers and "keep-alive" not in r.headers
    status, data = raw_get(served.port, f"/-/replay/20250101050000/{arc.urls['chunked']}")
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert status == 200 and b"transfer-encoding" not in head and b"x-hop" not in head


def _count(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("captures", "articles", "syndication")}


def test_canned_write_query_cannot_write(served: Served, arc: Archive) -> None:
    db = arc.data_dir / "archive.db"
    before = _count(db)
    assert before["captures"] > 0
    with httpx.Client(base_url=served.base) as client:
        page = client.get("/archive/wipe")
        assert page.status_code == 200
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
        assert token, "the canned write query form should carry a CSRF token"
        r = client.post("/archive/wipe", data={"csrftoken": token.group(1)})
        assert r.status_code < 500
        # Datasette reports the refusal as a message (200/302), so look at the database itself
    assert _count(db) == before


def test_served_mutable_not_immutable(served: Served) -> None:
    dbs = httpx.get(f"{served.base}/-/databases.json").json()
    archive = [d for d in dbs if d["name"] == "archive"][0]
    assert archive["is_mutable"] is True  # flows keep writing: never -i
    # and the archive plugin answers through the entry point in the real process
    plugins = httpx.get(f"{served.base}/-/plugins.json").json()
    assert any("hooks" in p and "register_routes" in p["hooks"] for p in plugins)
