"""An ASGI app (the archive's Datasette) served by uvicorn in a thread of this process, on a
socket this process bound to port 0 (no pick-a-port-then-close race: the bound socket itself is
handed to uvicorn). The real ``archive serve`` program in a process of its own:
:mod:`support.archive_serve`."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

from support.datasette_client import archive_datasette


def archive_app(data_dir: Path) -> Any:
    """The ASGI app ``archive serve`` serves for ``data_dir``, with the shipped metadata."""
    return archive_datasette(data_dir).app()


class ServedApp:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])),
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the Datasette app did not start")
            time.sleep(0.05)

    def __enter__(self) -> "ServedApp":
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
