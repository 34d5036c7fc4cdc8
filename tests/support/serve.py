"""``archive serve``'s Datasette app in a thread, on a socket bound to port 0 (no port picked
and released: the bound socket itself is handed to uvicorn)."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

from tools import ROOT


class ArchiveServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "ArchiveServer":
        import uvicorn

        from archive.cli.query import load_metadata, make_datasette

        ds = make_datasette(self.data_dir, load_metadata(ROOT / "config" / "datasette.yml", self.data_dir))
        self.server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])),
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the archive server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.sock.close()
