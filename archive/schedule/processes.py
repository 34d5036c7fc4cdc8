"""Child processes of ``archive schedule serve``: the Prefect server and its workers.

Every child starts in its own session (a Ctrl-C on the terminal reaches only ``serve``) with
SIGINT at its default action: a process started in the background inherits SIGINT ignored,
and a Prefect worker that ignores SIGINT also ignores SIGTERM (it answers SIGTERM by sending
itself SIGINT). Stopping sends ONE SIGINT and waits (two make a worker kill itself without
cleaning up); only a child that does not stop in time is terminated, then killed, with the
rest of its process group.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import ArchiveError
from .env import DEFAULT_POOL, WORKER_NAME_ENV, api_url_for_port, prefect_environment, prefect_home


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``(host, port)``, not yet listening, for a child to serve on.

    Port 0 lets the kernel pick an unused port; the socket holds it from this moment, so
    unlike a port picked and closed again no other process can take it before the child
    listens. Connections are refused until the child listens. ``SO_REUSEADDR`` as every
    server sets it: a restart on a fixed port is not blocked by the last run's closing
    connections.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ArchiveError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                           + (" (another server there? choose another --port)" if port else "")) from None
    return sock


# Ready in 9 s cold and 3.5 s warm here when idle; a loaded machine takes several times that.
# A server that fails exits, which ends the wait at once: this bound only stops a hung start.
SERVER_START_TIMEOUT = 300.0


def _child_init() -> None:  # runs in the child between fork and exec
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def prefect_command() -> list[str]:
    """``prefect`` of this interpreter (``python -m prefect``), whichever venv runs us."""
    return [sys.executable, "-m", "prefect"]


@dataclass
class Child:
    """One started child process and where its output goes."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """One SIGINT, then wait; TERM and KILL the process group only if it does not stop.

        Descendants that run in sessions of their own (a worker's flow-run processes) and
        outlive the child are terminated too: nothing started here is left behind.
        """
        family = descendants(self.proc.pid)
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(self.proc.pid, sig)
                    try:
                        self.proc.wait(5)
                        break
                    except subprocess.TimeoutExpired:
                        continue
        # anything the child left behind in its process group or elsewhere
        reap_group(self.proc.pid)
        reap(family)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.proc.returncode


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: state, ppid, pgrp, …, starttime (19)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2:].split()


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every live descendant of ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and len(fields) > 19 and fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry.name))
                starts[int(entry.name)] = fields[19]
    found: list[tuple[int, str]] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append((child, starts[child]))
            todo.append(child)
    return found


def still_alive(family: list[tuple[int, str]]) -> list[int]:
    """Those of ``family`` still running (same pid AND same start time: not a reused pid)."""
    alive = []
    for pid, start in family:
        fields = _stat(pid)
        if fields and len(fields) > 19 and fields[0] != "Z" and fields[19] == start:
            alive.append(pid)
    return alive


def reap(family: list[tuple[int, str]], grace: float = 5.0) -> None:
    deadline = time.monotonic() + grace
    while still_alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = still_alive(family)
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        end = time.monotonic() + 3
        while still_alive(family) and time.monotonic() < end:
            time.sleep(0.1)


def group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) whose process group is ``pgid`` (Linux /proc)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) > 2 and rest[0] != "Z" and int(rest[2]) == pgid:
            found.append(int(entry.name))
    return found


def reap_group(pgid: int, grace: float = 5.0) -> None:
    """Wait for a stopped child's process group to empty; terminate what stays behind."""
    deadline = time.monotonic() + grace
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not group_members(pgid):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        end = time.monotonic() + 3
        while group_members(pgid) and time.monotonic() < end:
            time.sleep(0.1)


def spawn(name: str, argv: list[str], env: dict[str, str], log_path: Path | None,
          cwd: Path | None = None, pass_fds: tuple[int, ...] = ()) -> Child:
    log: IO[bytes] | None = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=log if log else None, stderr=subprocess.STDOUT if log else None,
                            start_new_session=True, preexec_fn=_child_init, pass_fds=pass_fds)
    return Child(name=name, proc=proc, log_path=log_path, _log=log)


def wait_healthy(api_url: str, child: Child | None = None, timeout: float = 90.0) -> None:
    """Poll ``/health`` until the server answers (or its process dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            where = f"; see {child.log_path}" if child.log_path else ""
            raise ArchiveError(f"Prefect server exited with status {child.proc.returncode} "
                               f"before it was ready{where}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise ArchiveError(f"Prefect server at {api_url} not ready after {timeout:.0f} s")


def start_server(data_dir: Path, port: int = 0, *, host: str = "127.0.0.1",
                 extra_env: dict[str, str] | None = None) -> tuple[Child, str]:
    """Start Prefect's server with PREFECT_HOME under ``data_dir``; wait until it answers.

    ``port`` 0 takes any unused port. The socket is bound here and handed to the child
    (:mod:`.prefect_server`), so the returned URL is the server's before it even starts.
    """
    sock = bind_socket(host, port)
    try:
        port = int(sock.getsockname()[1])
        api_url = api_url_for_port(port, host)
        env = prefect_environment(data_dir, api_url)
        env["PREFECT_SERVER_API_HOST"] = host
        env["PREFECT_SERVER_API_PORT"] = str(port)
        # pick up deployments just applied within seconds, not a minute
        env.setdefault("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS", "10")
        env.update(extra_env or {})
        home = prefect_home(data_dir)
        home.mkdir(parents=True, exist_ok=True)
        child = spawn("server", [sys.executable, "-m", "archive.schedule.prefect_server", str(sock.fileno())],
                      env, home / "server.log", cwd=home, pass_fds=(sock.fileno(),))
    finally:
        sock.close()  # the child holds it now (or nobody: the port is free again)
    try:
        wait_healthy(api_url, child, timeout=SERVER_START_TIMEOUT)
    except BaseException:
        child.stop()
        raise
    return child, api_url


def start_worker(data_dir: Path, api_url: str, *, pool: str = DEFAULT_POOL, name: str | None = None,
                 limit: int | None = None, query_seconds: float = 5.0, queues: list[str] | None = None,
                 extra_env: dict[str, str] | None = None) -> Child:
    """Start a ``process`` worker on ``pool``; its flow runs write WARCs prefixed with ``name``.

    ``queues``: take runs only from these work queues of the pool (all of them when None).
    """
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    env = prefect_environment(data_dir, api_url)
    env[WORKER_NAME_ENV] = name
    env.setdefault("PREFECT_WORKER_QUERY_SECONDS", str(query_seconds))
    # runs due within this window start their process early (start-up off the critical path);
    # the flows wait for the scheduled time themselves (archive/schedule/due.py)
    env.setdefault("PREFECT_WORKER_PREFETCH_SECONDS", "10")
    env.update(extra_env or {})
    argv = prefect_command() + ["worker", "start", "--pool", pool, "--type", "process", "--name", name,
                                "--install-policy", "never"]
    if limit:
        argv += ["--limit", str(limit)]
    for queue in queues or []:
        argv += ["--work-queue", queue]
    return spawn(f"worker {name}", argv, env, prefect_home(data_dir) / f"worker-{name}.log")


def wait_stopped(children: list[Child]) -> dict[str, int | None]:
    """Stop workers first (they report their runs), then the server."""
    codes: dict[str, int | None] = {}
    for child in sorted(children, key=lambda c: c.name == "server"):
        codes[child.name] = child.stop()
    return codes
