"""A hostile HTTP server for hardening tests: raw asyncio sockets on loopback, one path per case.

Each case misbehaves in one way (5xx storms, 429s, resets, silence, slowloris, bombs, endless
streams, redirect loops, odd headers, huge or deeply nested HTML …). The server runs its own event
loop in a daemon thread and logs every event with ``time.monotonic()`` (the same clock as the test
process), so tests compare server-side timestamps, never the test's wall time.

    srv = HostileServer("127.0.0.1", robots="missing")
    srv.start(); ...; srv.stop()
    srv.url  # http://127.0.0.1:PORT
    srv.events("/slowloris")  # [(path, event, t), ...]

Given a server ``ssl.SSLContext`` (``ssl_context=``) the same cases are served over TLS
(``srv.url`` is then ``https://…``): the misbehaviour happens inside the TLS stream, and a reset
still resets the TCP connection under it.
"""
from __future__ import annotations

import asyncio
import email.utils
import itertools
import socket
import ssl
import struct
import threading
import time
import zlib
from typing import Awaitable, Callable, Iterable

Writer = asyncio.StreamWriter
Case = Callable[["HostileServer", Writer, str, int], Awaitable[None]]

BOMB_MB = 1024  # the gzip bomb inflates to 1 GiB of zeros (about 1 MiB on the wire)
HUGE_HTML_BYTES = 10 * 1024 * 1024
NESTED_DEPTH = 100_000
CHAIN_LENGTH = 20


def gzip_bomb(megabytes: int = BOMB_MB) -> bytes:
    """A valid one-member gzip stream of ``megabytes`` MiB of zeros, built without compressing
    them all: after a full flush, each MiB of zeros deflates to the same bytes."""
    zero = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zero, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, (megabytes << 20) & 0xFFFFFFFF)
    return header + first + block * (megabytes - 1) + tail + trailer


def _head(status: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _html(*links: str, extra: str = "") -> bytes:
    return ("<html><head><title>t</title></head><body>" + "".join(f'<a href="{u}">x</a>' for u in links)
            + extra + "</body></html>").encode("utf-8")


def _reset(writer: Writer) -> None:
    """Close with an RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class HostileServer:
    """One host (address + free port). ``robots``: ``missing`` (404), ``huge`` (2 MiB of rules,
    the last one disallowing ``/never``), ``error`` (500), ``bomb`` (a gzip bomb) or ``ok``."""

    def __init__(self, address: str = "127.0.0.1", *, robots: str = "missing", pages: int = 0,
                 storm: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.address = address
        self.ssl_context = ssl_context
        self.robots = robots
        self.normal_pages = pages  # > 0: a plain well-behaved site of that many pages at /p/N
        self.storm = storm  # > 0: a host whose every page /s/N answers 503 (odd N with Retry-After: 1)
        self.port = 0
        self.log: list[tuple[str, str, float]] = []
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._bomb: bytes | None = None
        self.readers: dict[Writer, asyncio.StreamReader] = {}  # for cases that wait for the client to leave

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context is not None else 'http'}://{self.address}:{self.port}"

    def start(self) -> "HostileServer":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("hostile server did not start")
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(asyncio.start_server(self._serve, self.address, 0,
                                                                    ssl=self.ssl_context))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for t in asyncio.all_tasks():
                if t is not asyncio.current_task():
                    t.cancel()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def note(self, path: str, event: str) -> None:
        with self._lock:
            self.log.append((path, event, time.monotonic()))

    def events(self, path: str | None = None, event: str | None = None) -> list[tuple[str, str, float]]:
        with self._lock:
            return [e for e in self.log if (path is None or e[0] == path) and (event is None or e[1] == event)]

    # ---------------------------------------------------------------- connections
    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.readers[writer] = reader
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                    return  # OSError: resets, and TLS connections cut without close_notify
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split(" ")
                path = parts[1] if len(parts) >= 2 else "/"
                with self._lock:
                    n = self.counts.get(path, 0)
                    self.counts[path] = n + 1
                self.note(path, "request")
                keep = await self._dispatch(writer, path, n)
                if not keep:
                    return
        except (OSError, asyncio.CancelledError):
            return
        finally:
            self.readers.pop(writer, None)
            if not writer.transport.is_closing():
                writer.close()

    async def _send(self, writer: Writer, status: int, headers: list[tuple[str, str]], body: bytes,
                    reason: str = "X") -> bool:
        headers = headers + [("Content-Length", str(len(body)))]
        writer.write(_head(status, reason, headers) + body)
        await writer.drain()
        return True

    async def _dispatch(self, w: Writer, path: str, n: int) -> bool:
        html = [("Content-Type", "text/html; charset=utf-8")]
        if path == "/robots.txt":
            return await self._robots(w)
        if self.storm:
            if path == "/":
                return await self._send(w, 200, html, _html(*[f"/s/{i}" for i in range(self.storm)]))
            odd = path.rsplit("/", 1)[-1].isdigit() and int(path.rsplit("/", 1)[-1]) % 2 == 1
            return await self._send(w, 503, [("Retry-After", "1")] if odd else [], b"storm", "Service Unavailable")
        if self.normal_pages:
            if path == "/":
                return await self._send(w, 200, html, _html(*[f"/p/{i}" for i in range(self.normal_pages)]))
            if path.startswith("/p/"):
                self.note(path, "served")
                return await self._send(w, 200, html, _html(extra=f"<p>page {path}</p>"))
            return await self._send(w, 404, [], b"no")
        case = CASES.get(path.split("?", 1)[0])
        if case is None:
            if path.startswith("/chain/"):
                i = int(path.rsplit("/", 1)[1] or 0)
                return await self._send(w, 302, [("Location", f"/chain/{i + 1}")], b"")
            if path.startswith("/odd/") or path in ("/huge-tail", "/nested-tail", "/rel-target", "/soup-tail"):
                return await self._send(w, 200, html, _html(extra=f"<p>ok {path}</p>"))
            return await self._send(w, 404, [("Content-Type", "text/plain")], b"not found")
        return await case(self, w, path, n)

    async def _robots(self, w: Writer) -> bool:
        txt = [("Content-Type", "text/plain")]
        if self.robots == "missing":
            return await self._send(w, 404, txt, b"no robots here")
        if self.robots == "error":
            return await self._send(w, 500, txt, b"robots broke")
        if self.robots == "bomb":  # 256 MiB of zeros, gzip-encoded: ~260 KB, under the robots size limit
            return await self._send(w, 200, txt + [("Content-Encoding", "gzip")], gzip_bomb(256))
        if self.robots == "huge":
            rules = "User-agent: *\n" + "".join(f"Disallow: /nothing-{i}/\n" for i in range(100_000))
            return await self._send(w, 200, txt, (rules + "Disallow: /never\n").encode())
        return await self._send(w, 200, txt, b"User-agent: *\nAllow: /\n")


# ---------------------------------------------------------------------------- the cases

async def _index(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    links = [p for p in CASES if p not in ("/", "/loop-b")] + ["/chain/0"]  # /loop-b: reached by redirect only
    odd = ["/odd/a%20b", "/odd/a b c", "/odd/ünï cødé/päth", "/odd/" + "l" * 4000,
           "http://bücher.example/idn", "http://xn--bcher-kva.example/puny", "/odd/?q=%ZZ&x=<y>"]
    return await s._send(w, 200, [("Content-Type", "text/html; charset=utf-8")], _html(*links, *odd))


async def _storm(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 503, [("Content-Type", "text/plain")], b"storm", "Service Unavailable")


async def _storm_ra(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 503, [("Retry-After", "1"), ("Content-Type", "text/plain")], b"storm")


async def _429_seconds(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    if n == 0:
        return await s._send(w, 429, [("Retry-After", "1")], b"slow down")
    return await s._send(w, 200, [("Content-Type", "text/html")], _html(extra="after 429"))


async def _429_date(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    if n == 0:
        return await s._send(w, 429, [("Retry-After", email.utils.formatdate(time.time() + 2, usegmt=True))],
                             b"slow down")
    return await s._send(w, 200, [("Content-Type", "text/html")], _html(extra="after 429 date"))


async def _429_absurd(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 429, [("Retry-After", "999999")], b"come back in 11 days")


async def _reset_after(s: HostileServer, w: Writer, path: str, sent: bytes) -> bool:
    """Send ``sent`` (part of a message), then reset the connection."""
    w.write(sent)
    await w.drain()
    await asyncio.sleep(0.05)
    _reset(w)
    s.note(path, "reset")
    return False


async def _reset_headers(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await _reset_after(s, w, path, b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")


async def _reset_body(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    head = _head(200, "OK", [("Content-Type", "text/html"), ("Content-Length", "100000")])
    return await _reset_after(s, w, path, head + b"<html>" + b"x" * 994)


async def _silent(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    """Say nothing more; note when the client hangs up (EOF or reset on its side)."""
    reader = s.readers[w]
    try:
        while await reader.read(4096):
            pass
    except OSError:  # a reset, or (over TLS) a connection cut without close_notify
        pass
    finally:
        s.note(path, "gone")
    return False


async def _stream(s: HostileServer, w: Writer, path: str, pieces: Iterable[bytes], pause: float,
                  note: bool = True) -> bool:
    """Write ``pieces`` one at a time, ``pause`` seconds apart, until they run out or the client
    hangs up; note "dropped" at the end when ``note``. is_closing(): over TLS a write after the
    client hung up is dropped without an error (drain() returns at once), and an endless stream
    would fill the server's memory for ever. The pause, even 0, yields: drain() need not (over
    TLS it seldom does), and the other cases must run."""
    try:
        for piece in pieces:
            if w.is_closing():
                break
            w.write(piece)
            await w.drain()
            await asyncio.sleep(pause)
    except OSError:
        pass
    finally:
        if note:
            s.note(path, "dropped")
    return False


async def _trickle(s: HostileServer, w: Writer, path: str, data: bytes) -> bool:
    """One byte a second until the client gives up."""
    return await _stream(s, w, path, (data[i:i + 1] for i in range(len(data))), 1.0)


async def _slowloris(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    w.write(_head(200, "OK", [("Content-Type", "text/html"), ("Content-Length", "600")]))
    await w.drain()
    return await _trickle(s, w, path, b"<html>" + b"z" * 594)


async def _stall_body(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    w.write(_head(200, "OK", [("Content-Type", "text/html"), ("Content-Length", "5000")]) + b"<html>" + b"s" * 994)
    await w.drain()
    return await _silent(s, w, path, n)


async def _slow_headers(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await _trickle(s, w, path, _head(200, "OK", [("Content-Type", "text/html"), ("X-Pad", "p" * 500)]))


async def _too_big(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    size = 13 * 1024 * 1024
    w.write(_head(200, "OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))]))
    chunk = b"B" * 65536
    return await _stream(s, w, path, itertools.repeat(chunk, size // len(chunk)), 0, note=False)


async def _bomb(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    if s._bomb is None:
        s._bomb = gzip_bomb()
    return await s._send(w, 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], s._bomb)


async def _endless(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    w.write(_head(200, "OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    chunk = b"<p>" + b"e" * 16381
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    return await _stream(s, w, path, itertools.repeat(frame), 0)


async def _loop_a(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 302, [("Location", "/loop-b")], b"")


async def _loop_b(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 301, [("Location", "/loop-a")], b"")


async def _relative_location(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 302, [("Location", "rel-target")], b"")


async def _invalid_location(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 302, [("Location", "http://[::1:bad")], b"")


async def _no_charset(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 200, [("Content-Type", "text/html")], "<html><body>caf\xe9 no charset</body></html>"
                         .encode("latin-1"))


async def _wrong_charset(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 200, [("Content-Type", "text/html; charset=utf-8")],
                         "<html><body>na\xefve caf\xe9 \xff\xfe</body></html>".encode("latin-1"))


async def _bogus_charset(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    return await s._send(w, 200, [("Content-Type", "text/html; charset=x-no-such-charset")],
                         b"<html><body>bogus charset</body></html>")


async def _binary(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    import random

    rnd = random.Random(7)
    return await s._send(w, 200, [("Content-Type", "text/html")], bytes(rnd.randrange(256) for _ in range(200_000)))


async def _huge(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    para = b"<p>" + b"lorem ipsum dolor sit amet " * 36 + b"</p>\n"
    filler = para * (HUGE_HTML_BYTES // len(para))
    body = b"<html><body>" + filler + b'<a href="/huge-tail">tail</a></body></html>'
    return await s._send(w, 200, [("Content-Type", "text/html; charset=utf-8")], body)


async def _nested(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    body = (b"<html><body>" + b"<div>" * NESTED_DEPTH + b'<a href="/nested-tail">deep</a>'
            + b"</div>" * NESTED_DEPTH + b"</body></html>")
    return await s._send(w, 200, [("Content-Type", "text/html; charset=utf-8")], body)


async def _tag_soup(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    """Unclosed tags, comments and attribute names by the hundred thousand (regexes that rescan
    to the end from every unclosed start go quadratic on this: hours of a blocked event loop)."""
    body = (b'<html><body><a href="/soup-tail">tail</a>' + b"<a " * 100_000 + b"<!-- " * 100_000
            + b"<img " + b"x" * 200_000 + b" y=" * 100_000)
    return await s._send(w, 200, [("Content-Type", "text/html")], body)


async def _dup_headers(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    body = b"<html><body>dup</body></html>"
    w.write(_head(200, "OK", [("Content-Type", "text/html"), ("Content-Type", "text/plain"),
                              ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Dup", "1"), ("X-Dup", "2"),
                              ("Content-Length", str(len(body))), ("Content-Length", str(len(body)))]) + body)
    await w.drain()
    return True


async def _malformed_headers(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    body = b"<html><body>malformed</body></html>"
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nthis line is no header\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await w.drain()
    return False


async def _conflicting_length(s: HostileServer, w: Writer, path: str, n: int) -> bool:
    body = b"<html><body>conflict</body></html>"
    w.write(_head(200, "OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body))),
                              ("Content-Length", "5")]) + body)
    await w.drain()
    return False


CASES: dict[str, Case] = {
    "/": _index,
    "/storm": _storm,
    "/storm-retry-after": _storm_ra,
    "/429-seconds": _429_seconds,
    "/429-date": _429_date,
    "/429-absurd": _429_absurd,
    "/reset-headers": _reset_headers,
    "/reset-body": _reset_body,
    "/silent": _silent,
    "/slowloris": _slowloris,
    "/slow-headers": _slow_headers,
    "/stall-body": _stall_body,
    "/too-big": _too_big,
    "/bomb": _bomb,
    "/endless": _endless,
    "/loop-a": _loop_a,
    "/loop-b": _loop_b,
    "/relative-location": _relative_location,
    "/invalid-location": _invalid_location,
    "/no-charset": _no_charset,
    "/wrong-charset": _wrong_charset,
    "/bogus-charset": _bogus_charset,
    "/binary": _binary,
    "/huge": _huge,
    "/nested": _nested,
    "/tag-soup": _tag_soup,
    "/dup-headers": _dup_headers,
    "/malformed-headers": _malformed_headers,
    "/conflicting-length": _conflicting_length,
}
