"""Hardening over both network backends: the hostile cases that test the client's own limits
(deadline, slowloris, silence, resets, over-size and endless bodies, a gzip bomb) served by
``tests/support/hostile_server.py`` in plain HTTP and over TLS, one crawl each.

Plain http goes through the project's asyncio backend (``archive/fetch/netbackend.py``), https
through httpcore's anyio backend with TLS: the overall deadline, the size limit, what a reset
keeps and the IP recorded must hold on both. Each case is a capture or a named ``fetch_errors``
row, checked the same way for both backends: end-to-end cases of the hardening ledger
(tests/support/hardening.py), each crawl's archive read back independently before any assert.

The deadline (15 s) is far beyond what the size-limited cases need (a few MB over loopback) even on
a loaded machine, and far below the trickles (600 s): each case is cut by the limit it tests.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from archive.config import load_config
from archive.fetch import CrawlOptions, crawl
from archive.model import CrawlStats
from support.hostile_server import HostileServer, gzip_bomb
from support.hardening import check_archive
from support.tls import LocalCA
from support.sources import write_sources

pytestmark = [pytest.mark.timeout(600), pytest.mark.hardening("e2e")]

DEADLINE = 15.0
TIMEOUT = 5.0  # per read: 5x the slowloris' 1 s between bytes (gaps stretch on a loaded
#                machine), so only the deadline cuts it
MAX_BODY = 4 * 1024 * 1024  # holds the gzip bomb (≈ 1 MiB on the wire) whole; cuts /too-big and /endless
CASES = ["/silent", "/slowloris", "/slow-headers", "/stall-body", "/reset-headers", "/reset-body",
         "/too-big", "/endless", "/bomb"]
BACKENDS = ["plain", "tls"]


@dataclass
class Outcome:
    backend: str
    srv: HostileServer
    data: Path
    stats: CrawlStats
    check: Any = None

    def u(self, path: str) -> str:
        return self.srv.url + path

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as conn:
            return conn.execute(sql, args).fetchall()

    def captures(self, path: str) -> list[tuple]:
        return self.rows("SELECT status, truncated, content_length FROM captures WHERE url = ?", self.u(path))

    def errors(self, path: str) -> list[str]:
        return sorted(e for (e,) in self.rows("SELECT error FROM fetch_errors WHERE url = ?", self.u(path)))

    def record(self, path: str) -> tuple[dict[str, str], bytes]:
        """(WARC headers, payload as stored) of the path's response record."""
        from warcio.archiveiterator import ArchiveIterator

        (wf, off), = self.rows("SELECT warc_file, warc_offset FROM captures WHERE url = ?", self.u(path))
        with (self.data / "warcs" / wf).open("rb") as fh:
            fh.seek(off)
            rec = next(iter(ArchiveIterator(fh)))
            return dict(rec.rec_headers.headers), rec.raw_stream.read()


@pytest.fixture(scope="module", params=BACKENDS)
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"hostile-{backend}")
    source: dict[str, object] = {
        "depth": 0, "ssrf_guard": False, "requisites": False, "follow_original": False, "per_host": 12,
        "concurrency": 24, "delay": 0, "retries": 1, "timeout": TIMEOUT, "deadline": DEADLINE,
        "max_body": MAX_BODY}
    ctx = None
    if backend == "tls":
        ca = LocalCA(tmp)
        ctx = ca.server_context("127.0.0.1")
        source["ca_bundle"] = str(ca.pem)  # trusted through the config, not SSL_CERT_FILE
    srv = HostileServer("127.0.0.1", robots="missing", ssl_context=ctx).start()
    try:
        source["start"] = [srv.url + p for p in CASES]
        toml = write_sources(tmp / "sources.toml", {"h": source}, rules_file="")
        stats = crawl(load_config(toml), tmp / "data", source="h", options=CrawlOptions(fetchers=1))
        check = check_archive(f"tls-backends[{backend}]", tmp / "data")  # before any assert
        yield Outcome(backend, srv, tmp / "data", stats, check)
    finally:
        srv.stop()


@pytest.mark.hardening("unit")
def test_the_two_backends_are_the_two_transports() -> None:
    """The parametrisation covers both code paths: an http-only client runs on the project's
    asyncio backend, an https client on httpcore's own (anyio, TLS)."""
    from archive.fetch.client import make_client
    from archive.fetch.netbackend import PlainBackend

    plain = make_client(user_agent="t", timeout=1.0, concurrency=1, tls=False)
    tls = make_client(user_agent="t", timeout=1.0, concurrency=1, tls=True)
    assert isinstance(plain._transport._pool._network_backend, PlainBackend)
    assert not isinstance(tls._transport._pool._network_backend, PlainBackend)


def test_crawl_finishes_and_every_case_is_recorded(outcome: Outcome) -> None:
    assert outcome.stats.finished
    assert all(outcome.captures(p) or outcome.errors(p) for p in CASES)
    assert all(u.startswith(f"{'https' if outcome.backend == 'tls' else 'http'}://")
               for (u,) in outcome.rows("SELECT url FROM captures"))
    assert {ip for (ip,) in outcome.rows("SELECT DISTINCT ip FROM captures")} == {"127.0.0.1"}


def test_archive_reads_back_complete(outcome: Outcome) -> None:
    assert outcome.check.records > 0 and outcome.check.lost == 0, str(outcome.check)


def test_server_that_never_answers_times_out(outcome: Outcome) -> None:
    assert outcome.captures("/silent") == []
    errs = outcome.errors("/silent")
    assert errs in (["timeout"], ["deadline"])  # the read timeout (retried once) or the deadline
    assert len(outcome.srv.events("/silent", "gone")) == outcome.srv.counts["/silent"]  # each one hung up


def test_slowloris_body_cut_at_the_deadline(outcome: Outcome) -> None:
    caps = outcome.captures("/slowloris")
    assert len(caps) == 1 and caps[0][:2] == (200, "time")
    assert outcome.errors("/slowloris") == ["deadline"]
    (_, _, start), = outcome.srv.events("/slowloris", "request")
    (_, _, dropped), = outcome.srv.events("/slowloris", "dropped")
    assert DEADLINE / 2 <= dropped - start < 60  # cut by the deadline, long before the 600 s trickle
    assert outcome.record("/slowloris")[0]["WARC-Truncated"] == "time"


def test_slowloris_headers_cut_at_the_deadline(outcome: Outcome) -> None:
    assert outcome.captures("/slow-headers") == []
    assert outcome.errors("/slow-headers") == ["deadline"]


def test_body_stalled_after_headers_kept_as_truncated_in_time(outcome: Outcome) -> None:
    assert outcome.captures("/stall-body") == [(200, "time", 1000)]
    assert outcome.errors("/stall-body") == ["deadline"]
    headers, body = outcome.record("/stall-body")
    assert headers["WARC-Truncated"] == "time" and body == b"<html>" + b"s" * 994


def test_reset_mid_headers(outcome: Outcome) -> None:
    assert outcome.captures("/reset-headers") == []
    errs = outcome.errors("/reset-headers")
    assert len(errs) == 1 and errs[0] in ("protocol", "connect"), errs


def test_reset_mid_body_keeps_what_arrived(outcome: Outcome) -> None:
    caps = outcome.captures("/reset-body")
    assert len(caps) == 1 and caps[0][:2] == (200, "disconnect")
    assert outcome.errors("/reset-body") == ["disconnect"]
    headers, body = outcome.record("/reset-body")
    # what arrived before the reset (all 1 000 bytes unless the reset overtook unread data)
    assert headers["WARC-Truncated"] == "disconnect" and (b"<html>" + b"x" * 994).startswith(body)


@pytest.mark.parametrize("path", ["/too-big", "/endless"])
def test_body_over_the_size_limit_kept_up_to_the_limit(outcome: Outcome, path: str) -> None:
    assert outcome.captures(path) == [(200, "length", MAX_BODY)]
    assert outcome.errors(path) == ["too-large"]
    assert outcome.record(path)[0]["WARC-Truncated"] == "length"


def test_gzip_bomb_stored_as_received_and_never_inflated(outcome: Outcome) -> None:
    from archive.content import ContentDecodeError
    from archive.fetch.discover import discover

    bomb = gzip_bomb()
    assert outcome.captures("/bomb") == [(200, None, len(bomb))]
    headers, body = outcome.record("/bomb")
    assert body == bomb  # the encoded bytes, as they crossed the wire
    with pytest.raises(ContentDecodeError):
        discover(body, outcome.u("/bomb"), "text/html", "gzip")
