"""A reusable pywb harness: replay WARC files through a real ``wayback`` on a loopback port.

    with Wayback(warc_paths, tmp_path / "pywb") as wb:
        resp = wb.fetch("http://127.0.0.1:8000/page", "20261127120000",
                        headers={"Accept-Encoding": "gzip"})   # id_: the archived bytes

``wb-manager init/add`` and ``wayback`` act on ``./collections`` of their working directory, so
they run in ``workdir`` (a temp dir). pywb's ``id_`` replay decodes gzip unless the request sends
``Accept-Encoding: gzip``. The server runs from ``.venv-tools`` (pywb cannot share Prefect's venv)
and is always stopped (SIGTERM, then SIGKILL) when the block ends. ``wayback -p 0`` binds a port
the kernel picks (gevent's server takes port 0 as is) but prints it nowhere: the port is read
back from the kernel (``support.ports.wait_listening``). wayback listens twice, the second time
for the warcserver it queries itself (also on port 0, ``pywb/apps/frontendapp.py``), which
answers ``/`` with a JSON list of its modes: the front end is the other port.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Iterable

import httpx
from support.ports import wait_listening

from support.interop import tool


def wayback_ts(iso_ts: str) -> str:
    """14-digit Wayback timestamp of an ISO 8601 WARC-Date (``2026-11-27T12:00:00.123Z``)."""
    digits = "".join(ch for ch in iso_ts if ch.isdigit())
    return digits[:14]


def _front_end(port: int) -> bool:
    """Whether wayback's front end (not its internal warcserver) answers on ``port``."""
    resp = httpx.get(f"http://127.0.0.1:{port}/", timeout=60.0)
    return not (resp.headers.get("content-type", "").startswith("application/json") and "modes" in resp.text)


class Wayback:
    def __init__(self, warcs: Iterable[Path], workdir: Path, *, collection: str = "test",
                 startup_timeout: float = 180.0) -> None:
        self.warcs = [Path(w) for w in warcs]
        self.workdir = Path(workdir)
        self.collection = collection
        self.startup_timeout = startup_timeout
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.workdir / "wayback.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        out = subprocess.run([tool("wb-manager"), *args], cwd=self.workdir, capture_output=True, text=True,
                             timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"wb-manager {' '.join(args)} failed: {out.stdout}{out.stderr}")

    def start(self) -> "Wayback":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._run("init", self.collection)
        if self.warcs:
            self._run("add", self.collection, *map(str, self.warcs))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([tool("wayback"), "-p", "0", "-b", "127.0.0.1"],
                                         cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        try:
            self.port = wait_listening(self.proc, "wayback", timeout=self.startup_timeout,
                                       log=lambda: self.log.read_text(errors="replace"), serves=_front_end)
        except BaseException:
            self.stop()
            raise
        return self

    def url(self, target: str, timestamp: str = "", mod: str = "id_") -> str:
        return f"{self.base}/{self.collection}/{timestamp}{mod}/{target}"

    def fetch(self, target: str, timestamp: str = "", *, headers: dict[str, str] | None = None,
              mod: str = "id_") -> httpx.Response:
        """GET the replay of ``target`` (redirects not followed)."""
        return httpx.get(self.url(target, timestamp, mod), headers=headers or {}, timeout=30.0,
                         follow_redirects=False)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def __enter__(self) -> "Wayback":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["Wayback", "wayback_ts"]
