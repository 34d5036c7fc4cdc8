"""The render proxy (warcprox as started by :class:`archive.render.proxy.Warcprox`) against a
server that answers once per connection and closes it a little later, as a loaded server does
after an HTTP/1.0 answer: every request through the proxy is answered and recorded. Before the
proxy stopped reusing server connections, the second request went down the closing connection,
got 502, and warcprox then answered 502 for the whole host (seen as a flaky render test that
lost a page's script under CI load)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from archive.render.proxy import Warcprox
from archive.warc.reader import WarcReader

SLOW_CLOSE = 0.3  # seconds between the answer and the close


class _OnceThenSlowClose(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buf = b""
        self.answered = False

    def data_received(self, data: bytes) -> None:
        if self.answered:
            return  # a closing connection takes no second request
        self.buf += data
        if b"\r\n\r\n" not in self.buf:
            return
        path = self.buf.split(b" ", 2)[1]
        body = b"answer for " + path
        self.transport.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.answered = True
        asyncio.get_running_loop().call_later(SLOW_CLOSE, self.transport.close)


@pytest.fixture()
def slow_closer() -> Iterator[str]:
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(_OnceThenSlowClose, "127.0.0.2", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        server.close()
        loop.close()


def test_every_request_is_answered_and_recorded_when_the_server_closes_slowly(
        slow_closer: str, tmp_path: Path) -> None:
    urls = [f"{slow_closer}/r{i}" for i in range(5)]
    with Warcprox(tmp_path, "t") as proxy:
        with httpx.Client(proxy=proxy.url, timeout=30) as client:  # one client connection, reused
            answers = [(r.status_code, r.text) for r in (client.get(u) for u in urls)]
    assert [s for s, _ in answers] == [200] * len(urls), answers
    assert [t for _, t in answers] == [f"answer for /r{i}" for i in range(5)]
    recorded: list[str] = []
    for f in sorted(tmp_path.glob("*.warc.gz")):
        reader = WarcReader(f)
        recorded += [c.url for c in reader.captures()]
        assert not reader.problems, reader.problems
    assert sorted(recorded) == urls
