"""The real ``archive serve`` program in a process of its own, for the tests that need real HTTP
(raw request lines, a browser, the replay headers on the wire). An in-process server of any
ASGI app (no subprocess): :mod:`support.served`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from support.ports import wait_listening

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """A real ``archive serve`` process on a loopback port it picked itself (``--port 0``; the
    port is read back from the kernel, see ``support.ports``)."""

    def __init__(self, data_dir: Path, metadata: Path | None = None) -> None:
        cmd = [sys.executable, "-m", "archive.cli", "serve", "--data", str(data_dir),
               "--port", "0", "--host", "127.0.0.1",
               "--config", str(ROOT / "config" / "sources.toml")]
        if metadata is not None:
            cmd += ["--metadata", str(metadata)]
        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self.port = wait_listening(self.proc, "archive serve", log=self._output)
            self.base = f"http://127.0.0.1:{self.port}"
            # uvicorn listens once the app's start-up is done: the first answer is the real one
            resp = httpx.get(self.base + "/-/versions.json", timeout=60)
            if resp.status_code != 200:
                raise RuntimeError(f"archive serve answered {resp.status_code}: {resp.text[:500]}")
        except BaseException:
            self.stop()
            raise

    def _output(self) -> str:
        """What the process printed: read only once it has exited (the read would wait for it)."""
        if self.proc.poll() is None or self.proc.stdout is None:
            return ""
        return self.proc.stdout.read().decode(errors="replace")

    def __enter__(self) -> "Served":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
