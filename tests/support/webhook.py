"""A webhook receiver on a real loopback socket (port 0): collects the JSON bodies POSTed to it,
and answers 500 while ``failing`` is set (a receiver that is down for a run)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, path: str = "/hook") -> None:
        self.bodies: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.failing = False
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with outer.lock:
                    (outer.refused if outer.failing else outer.bodies).append(body)
                self.send_response(500 if outer.failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tags(self) -> list[str]:
        with self.lock:
            return [b["tag"] for b in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
