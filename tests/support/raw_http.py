"""An HTTP request sent byte for byte: the request line exactly as given, so that no client
normalises the path (``..`` segments and ``%2e%2e`` reach the server as written)."""
from __future__ import annotations

import socket


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line exactly as given (no client-side path normalisation)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data
