"""Ports for test servers without the pick-a-free-port-then-close race.

A port picked by binding port 0 and closing the socket is free only at that instant: any other
process of a shared machine (another test's server, an outgoing connection's ephemeral port)
may take it before the child that was handed it binds it. Instead:

- a child that serves binds port 0 itself, and the port is read back from the kernel
  (:func:`wait_listening`: the child's listening socket in ``/proc``);
- a port that must refuse connections is held bound, never listening, for as long as it is
  used (:func:`refused_port`): connections to it are refused and no process can take it.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp


@contextlib.contextmanager
def refused_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port on ``host`` where nothing listens, reserved for the block: bound, not listening."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        yield int(sock.getsockname()[1])


def listening_ports(pid: int) -> set[int]:
    """TCP ports process ``pid`` listens on (Linux: its socket fds matched in /proc/PID/net/tcp*)."""
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    for fd in fds:
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == LISTEN and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def wait_listening(proc: subprocess.Popen[bytes], what: str, *, timeout: float = 180.0,
                   log: Callable[[], str] = lambda: "", serves: Callable[[int], bool] | None = None) -> int:
    """The port ``proc`` (started with port 0) serves on, once it listens.

    A process that listens on one port serves there. One that also listens for itself (pywb's
    internal warcserver) needs ``serves(port)``, which tells the serving port from the others.
    Fails at once, with ``log()``, if the process exits first. ``timeout`` only ends a hung
    start: a child that starts slowly on a loaded machine is still waited for.
    """
    deadline = time.monotonic() + timeout
    others: set[int] = set()
    while True:
        ports = listening_ports(proc.pid) - others
        if serves is None and len(ports) > 1:
            raise RuntimeError(f"{what} listens on several ports {sorted(ports)}: which one serves?")
        for port in sorted(ports):
            if serves is None or serves(port):
                return port
            others.add(port)
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}) before it listened: {log()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen within {timeout:.0f} s: {log()[-2000:]}")
        time.sleep(0.05)
