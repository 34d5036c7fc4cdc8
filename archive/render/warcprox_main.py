"""``python -m archive.render.warcprox_main [--port-file PATH] [--info KEY=VALUE]... -- WARCPROX-ARGS``:
warcprox with these changes made at start-up (warcprox itself is unmodified on disk):

- with ``--port-file``, once it listens it writes the port it listens on to PATH (written
  whole, then renamed into place): started with ``-p 0`` it takes an unused port and says
  which, so its parent never hands it a port that another process may take first;
- its ``warcinfo`` records also carry the given fields (the archive's reader takes ``source``,
  ``crawl-id`` and ``crawl-started`` from there, so the captures index under their crawl);
- it asks servers in HTTP/1.0 (Chromium's requests are otherwise forwarded as they are), so
  no response arrives with chunked framing: warcprox records the framing but digests the
  de-chunked payload, which ``warcio check`` (digesting the recorded bytes) reports as a
  payload digest mismatch. The request records say HTTP/1.0: what was sent;
- it never reuses a connection to a server: warcprox pools them, and a pooled connection the
  server was just closing (as it does after an HTTP/1.0 answer) made warcprox answer 502 and
  remember the whole host as bad for the rest of the run, so every later resource from that
  host (a page's script, say) went unrecorded. Each request gets a fresh connection, closed
  after its response.
"""
from __future__ import annotations

import os
import sys
from typing import Any


def _patch_warcinfo(fields: list[tuple[str, str]]) -> None:
    import warcprox.warc

    builder = warcprox.warc.WarcRecordBuilder
    original = builder.build_warcinfo_record

    def build_warcinfo_record(self: Any, filename: str) -> Any:
        record = original(self, filename)
        ctype, data = record.content
        extra = b"".join(f"{k}: {v}\r\n".encode("utf-8") for k, v in fields)
        record._content = (ctype, data + extra)  # hanzo records: content is a read-only property
        return record

    builder.build_warcinfo_record = build_warcinfo_record  # type: ignore[method-assign]


def _patch_http10() -> None:
    import warcprox.mitmproxy

    handler = warcprox.mitmproxy.MitmProxyHandler
    original = handler._build_request

    def _build_request(self: Any) -> bytes:
        saved = self.request_version
        self.request_version = "HTTP/1.0"
        try:
            return bytes(original(self))
        finally:
            self.request_version = saved

    handler._build_request = _build_request  # type: ignore[method-assign]


def _patch_no_reuse() -> None:
    import warcprox.mitmproxy

    def closed_after_use(conn: Any) -> bool:
        """Stands in for urllib3's ``is_connection_dropped`` in warcprox's handler: a connection
        taken from the pool (never put back, so always new) is reported dropped and opened; one
        that served its response is closed and reported dropped, so it is never pooled."""
        if getattr(conn, "sock", None) is not None:
            conn.close()
        return True

    warcprox.mitmproxy.is_connection_dropped = closed_after_use


def _patch_port_file(path: str) -> None:
    import warcprox.warcproxy

    proxy = warcprox.warcproxy.WarcProxy
    original = proxy.server_activate

    def server_activate(self: Any) -> None:
        original(self)  # listening from here on: connections wait in the backlog
        tmp = f"{path}.tmp"
        with open(tmp, "w") as fh:
            fh.write(f"{self.server_address[1]}\n")
        os.replace(tmp, path)

    proxy.server_activate = server_activate  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    fields: list[tuple[str, str]] = []
    port_file: str | None = None
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--port-file" and args:
            port_file = args.pop(0)
            continue
        if opt != "--info" or not args or "=" not in args[0]:
            raise SystemExit(f"{opt!r}: expected [--port-file PATH] --info KEY=VALUE ... -- WARCPROX-ARGS")
        key, _, value = args.pop(0).partition("=")
        if not key or any(c in key + value for c in "\r\n"):
            raise SystemExit(f"{key!r}: warcinfo fields are one line KEY=VALUE")
        fields.append((key, value))
    if args and args[0] == "--":
        args.pop(0)
    if port_file:
        _patch_port_file(port_file)
    _patch_warcinfo(fields)
    _patch_http10()
    _patch_no_reuse()
    import warcprox.main

    warcprox.main.main(["warcprox", *args])


if __name__ == "__main__":
    main()
