"""warcprox as a child process on a free loopback port, writing gzipped WARCs into
``DATA/warcs/`` named ``PREFIX-TIMESTAMP17-SERIAL-warcprox-TOKEN.warc.gz`` (``.open`` while
written). No deduplication and no stats database (every response is written in full; the
archive's index is the one index), its CA and certificates in a private temporary folder."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from ..errors import FetchError

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Warcprox:
    """``with Warcprox(warcs_dir, prefix, info={...}) as proxy: proxy.url`` — stopped (its WARC
    files closed and renamed) on exit."""

    def __init__(self, warcs_dir: Path, prefix: str, *, info: dict[str, str] | None = None,
                 host: str = "127.0.0.1", max_resource_size: int | None = None,
                 fetch_timeout: float = 30.0) -> None:
        self.warcs_dir = Path(warcs_dir)
        self.prefix = prefix
        self.info = dict(info or {})
        self.host = host
        self.port = 0
        self.max_resource_size = max_resource_size
        self.fetch_timeout = fetch_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._tmp: str | None = None
        self._log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "Warcprox":
        self.warcs_dir.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.mkdtemp(prefix="archive-warcprox-")
        self._log = Path(self._tmp) / "warcprox.log"
        self.port = free_port(self.host)
        cmd = [sys.executable, "-m", "archive.render.warcprox_main"]
        for k, v in self.info.items():
            cmd += ["--info", f"{k}={v}"]
        cmd += ["--", "-b", self.host, "-p", str(self.port), "-d", str(self.warcs_dir), "-z",
                "-n", self.prefix, "--warc-filename", "{prefix}-{timestamp17}-{serialno}-warcprox-{randomtoken}",
                "--dedup-db-file", "/dev/null", "--stats-db-file", "/dev/null",
                "--cacert", os.path.join(self._tmp, "ca.pem"), "--certs-dir", os.path.join(self._tmp, "certs"),
                "--fetch-timeout", str(self.fetch_timeout), "-q"]
        if self.max_resource_size:
            cmd += ["--max-resource-size", str(self.max_resource_size)]
        log = self._log.open("wb")
        try:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self._tmp)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise FetchError(self.url, "warcprox",
                                 f"exited at start ({self.proc.returncode}): {self.log_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise FetchError(self.url, "warcprox", f"did not listen within {START_TIMEOUT:.0f} s")
            time.sleep(0.1)
        return self

    def log_text(self) -> str:
        try:
            return self._log.read_text(errors="replace") if self._log else ""
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM (warcprox finishes its queue and closes its WARC files), then wait."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.proc = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Warcprox":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
