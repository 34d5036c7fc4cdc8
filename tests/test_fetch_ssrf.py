"""The SSRF guard by resolution (issue 7 follow-up): names found on a public page are resolved
and every address checked before and while connecting; connections go to the checked address
(DNS rebinding cannot move them); every refusal is a fetch error of kind ``ssrf`` written to the
WARC, so ``archive reindex`` keeps it.

Offline every server is on loopback: as in tests/test_hardening_security.py the guard's predicate
is made to see one address (127.0.0.1 with the public site's port) as public, and names are
answered by a resolver injected in the test (``ssrf.lookup``): ``intranet.example`` resolves to
127.0.0.2 (the private site), ``news.example`` to the public site."""
from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from archive.errors import FetchError
from archive.fetch import crawler, ssrf
from archive.fetch.engine import Task
from archive.fetch.frontier import decode_kind, encode_kind
from support.paths import ROOT
from support.site import HTML, Site, page
from support.db import query

pytestmark = pytest.mark.hardening("e2e")


def _public_only(*public_hosts: str) -> Callable[[str], bool]:
    """The real predicate, except that ``public_hosts`` (``127.0.0.1:PORT`` …) are public."""
    real = ssrf.private_host
    return lambda url: False if url.split("//")[1].startswith(public_hosts) else real(url)


def _resolver(names: dict[str, list[str]]) -> Callable[[str, int], Any]:
    async def lookup(host: str, port: int) -> list[str]:
        if host in names:
            return names[host]
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not known offline")
    return lookup


def _crawl(start: str, host: str, data: Path, guard: bool) -> None:
    from archive.config import Config, Settings, Source
    from archive.fetch import CrawlOptions, crawl

    src = Source(name="pub", start=(start,), scope=(host,), depth=2, delay=0.0, follow_original=True,
                 ssrf_guard=guard, requisites=False)
    config = Config(path=data / "none.toml", settings=Settings(), sources={"pub": src}, rules={})
    crawl(config, data, source="pub", options=CrawlOptions(fetchers=1))


def test_names_resolving_to_private_addresses_are_refused_and_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public page links to a name resolving to the private site, to ``localhost``, to a
    name resolving to itself, and redirects to the private name: only the public name is
    fetched (WARC-IP-Address the checked address); each refusal is a fetch error naming the
    URL and the address; the rows survive a full ``archive reindex``. Control: the same crawl
    with the private site's address seen as public fetches its pages (through the same
    resolver), so the refusals came from the resolved address."""
    from warcio.archiveiterator import ArchiveIterator

    public, private = Site("127.0.0.1"), Site("127.0.0.2")
    with public, private:
        pub_host = public.url("/").split("//")[1].rstrip("/")
        pub_port = pub_host.split(":")[1]
        priv_port = private.url("/").rsplit(":", 1)[1].rstrip("/")
        named = f"http://intranet.example:{priv_port}/secret"
        loop = f"http://localhost:{priv_port}/secret?l=1"
        rebound = f"http://intranet.example:{priv_port}/secret?r=1"
        story = f"http://news.example:{pub_port}/story"
        for path in ("/secret", "/secret?l=1", "/secret?r=1"):
            private.pages[path] = (200, [("Content-Type", HTML)], page("internal only"))
        # each off-scope link names itself the original ("Source: …"): the only links a crawl follows
        public.pages["/"] = (200, [("Content-Type", HTML)], page(
            "Front", f'<a href="{named}">Source: a</a> <a href="{loop}">Source: b</a> '
                     f'<a href="{story}">Source: c</a> <a href="/go">d</a>'))
        public.pages["/go"] = (302, [("Location", rebound), ("Content-Type", "text/plain")], b"moved")
        public.pages["/story"] = (200, [("Content-Type", HTML)], page("A public story"))
        monkeypatch.setattr(crawler, "_private_host", _public_only(pub_host))
        monkeypatch.setattr(ssrf, "lookup", _resolver({"intranet.example": ["127.0.0.2"],
                                                       "news.example": ["127.0.0.1"]}))

        guarded = tmp_path / "guarded"
        _crawl(public.url("/"), pub_host, guarded, True)
        caps = {u: (ip, f, o) for u, ip, f, o in query(guarded, "SELECT url, ip, warc_file, warc_offset FROM captures")}
        assert not [u for u, c in caps.items() if c[0] == "127.0.0.2"], caps
        assert named not in caps and loop not in caps and rebound not in caps
        assert caps[story][0] == "127.0.0.1" and caps[public.url("/go")] is not None
        with (guarded / "warcs" / caps[story][1]).open("rb") as fh:
            fh.seek(caps[story][2])
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
            assert b"A public story" in rec.content_stream().read()
        sql = "SELECT url, error, detail FROM fetch_errors ORDER BY url"
        refusals = {u: d for u, e, d in query(guarded, sql) if e == "ssrf"}
        assert set(refusals) == {named, loop, rebound}, refusals
        assert "intranet.example resolves to 127.0.0.2" in refusals[named]
        assert "intranet.example resolves to 127.0.0.2" in refusals[rebound]
        assert "localhost is a private or loopback address" in refusals[loop]
        assert public.url("/") in refusals[named]  # the page that linked to it
        before = query(guarded, sql)
        proc = subprocess.run([sys.executable, "-m", "archive.cli", "reindex", "--data", str(guarded)],
                              capture_output=True, text=True, timeout=120, cwd=str(ROOT))
        assert proc.returncode == 0, proc.stderr
        assert query(guarded, sql) == before

        control = tmp_path / "open"
        monkeypatch.setattr(crawler, "_private_host", _public_only(pub_host, f"127.0.0.2:{priv_port}"))
        _crawl(public.url("/"), pub_host, control, True)
        open_caps = {u: ip for u, ip in query(control, "SELECT url, ip FROM captures")}
        assert open_caps.get(named) == "127.0.0.2" and open_caps.get(rebound) == "127.0.0.2"
        assert [r[0] for r in query(control, "SELECT url FROM fetch_errors WHERE error = 'ssrf'")] == [loop]


@pytest.mark.parametrize("plain_backend", ["1", "0"])
def test_connections_go_to_the_checked_address_never_a_rebound_one(
        plain_backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name answering a public address first and a private one on the next lookup (DNS
    rebinding). Within the guard's cache the connection goes to the checked address; with no
    reuse (ttl 0) the connection-time lookup sees the private address and is refused (kind
    ``ssrf``) — for the project's plain-http backend and for httpcore's own."""
    from archive.fetch.client import fetch_exchange, make_client

    monkeypatch.setenv("ARCHIVE_PLAIN_BACKEND", plain_backend)
    with Site("127.0.0.1") as public:
        public.pages["/"] = (200, [("Content-Type", HTML)], page("Public"))
        host = public.url("/").split("//")[1].rstrip("/")
        url = f"http://rebind.example:{host.split(':')[1]}/"
        answers: list[str] = []

        async def rebinding(name: str, port: int) -> list[str]:
            answers.append(name)
            return ["127.0.0.1"] if len(answers) == 1 else ["127.0.0.2"]

        async def run(ttl: float) -> Any:
            answers.clear()
            guard = ssrf.Guard(_public_only(host), rebinding, ttl=ttl)
            assert await guard.check(url) is None  # the first answer is public
            client = make_client(user_agent="t", timeout=5, concurrency=1, tls=False, guard=guard)
            try:
                return await fetch_exchange(client, url, max_body=1 << 20, deadline=10)
            except FetchError as exc:
                return exc
            finally:
                await client.aclose()

        pinned = asyncio.run(run(30.0))
        assert not isinstance(pinned, FetchError), pinned
        assert pinned.status == 200 and pinned.ip == "127.0.0.1" and len(answers) == 1
        rebound = asyncio.run(run(0.0))
        assert isinstance(rebound, FetchError) and rebound.kind == "ssrf", rebound
        assert "rebind.example resolves to 127.0.0.2" in rebound.detail and len(answers) == 2


@pytest.mark.hardening("unit")
def test_guard_decisions_on_addresses_and_the_frontier_keeps_the_guard() -> None:
    """Resolved addresses go through the same predicate as literal hosts; a guarded task's
    frontier kind keeps the flag (a resumed crawl goes on checking), old kinds still read."""
    guard = ssrf.Guard()
    assert guard.refused_address(["93.184.216.34", "10.0.0.8"], 80) == "10.0.0.8"
    assert guard.refused_address(["::1"], 443) == "::1"
    assert guard.refused_address(["93.184.216.34", "2001:4860:4860::8888"], 80) is None
    assert asyncio.run(guard.check("http://[::ffff:127.0.0.1]/")) is not None
    for task in (Task("http://a/", 1, kind="original", expand=False, guard=True),
                 Task("http://a/", 1, kind="page", guard=True), Task("http://a/", 1, kind="page", expand=False)):
        assert decode_kind(encode_kind(task)) == (task.kind, task.expand, task.guard)
    assert decode_kind("page*") == ("page", False, False) and decode_kind(None) == ("page", True, False)
