"""warcprox as a child process on an unused loopback port, writing gzipped WARCs into
``DATA/warcs/`` named ``PREFIX-TIMESTAMP17-SERIAL-warcprox-TOKEN.warc.gz`` (``.open`` while
written). No deduplication and no stats database (every response is written in full; the
archive's index is the one index), its CA and certificates in a private temporary folder.

The port: warcprox binds port 0 (the kernel picks an unused one) and writes the port it listens
on to a file (``warcprox_main --port-file``). A port picked here and closed before warcprox
binds it could be taken in between by any other process of the machine."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from ..errors import FetchError

# warcprox listens ≈ 1 s after start here when idle; a loaded machine takes several times
# that. A warcprox that fails exits, which ends the wait at once: this only stops a hung start.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


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
        port_file = Path(self._tmp) / "port"
        cmd = [sys.executable, "-m", "archive.render.warcprox_main", "--port-file", str(port_file)]
        for k, v in self.info.items():
            cmd += ["--info", f"{k}={v}"]
        cmd += ["--", "-b", self.host, "-p", "0", "-d", str(self.warcs_dir), "-z",
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
        self.port = self._wait_port(port_file)
        return self

    def _wait_port(self, port_file: Path) -> int:
        """The port warcprox reports once it listens; an error naming its log if it exits first."""
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if port_file.exists():
                return int(port_file.read_text())
            if self.proc.poll() is not None:
                error = FetchError(self.url, "warcprox",
                                   f"exited at start ({self.proc.returncode}): {self.log_text()[-2000:]}")
                self.stop()
                raise error
            if time.monotonic() > deadline:
                self.stop()
                raise FetchError(self.url, "warcprox", f"did not listen within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)

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
