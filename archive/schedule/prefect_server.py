"""``python -m archive.schedule.prefect_server FD``: Prefect's API server on a socket its parent bound.

Why not ``prefect server start --port P``: a free port the parent picks and closes before the
child binds it can be taken in between by any other process of the machine (another test's
server, another user's), and the server then dies with "address in use" or, worse, the health
check reaches somebody else's server. ``prefect server start --port 0`` does bind an unused
port, but Prefect 3.9.1 then names port 0 wherever it names itself (its banner, the API URL it
hands to the UI) and logs the real one only at INFO, below its default WARNING level. So the
parent (:func:`archive.schedule.processes.start_server`) binds the socket itself, to port 0 or
the user's port, knows the address before the child starts (``PREFECT_API_URL`` and the UI
agree), and passes the bound socket down; this child serves on it. No other process can take
the port at any moment.

What runs is what ``prefect server start --no-background`` runs with one worker in 3.9.1
(``prefect/cli/_server_utils.py``, ``_run_in_foreground``): uvicorn over
``create_app(final=True)``, keep-alive, websocket pings and log level from Prefect's settings
(the environment :func:`archive.schedule.env.prefect_environment` prepared).
"""
from __future__ import annotations

import socket
import sys

STARTUP_FAILURE = 3  # uvicorn's exit status when the app's start-up failed


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].isdigit():
        raise SystemExit("usage: python -m archive.schedule.prefect_server FD  (a bound TCP socket)")
    try:
        sock = socket.socket(fileno=int(args[0]))
        host, port = sock.getsockname()[:2]
    except OSError as exc:
        raise SystemExit(f"file descriptor {args[0]}: not a bound socket ({exc})") from None

    import uvicorn
    from prefect import __version__
    from prefect.server.api.server import create_app
    from prefect.settings import (PREFECT_SERVER_API_KEEPALIVE_TIMEOUT,
                                  PREFECT_SERVER_API_WEBSOCKET_PING_INTERVAL,
                                  PREFECT_SERVER_API_WEBSOCKET_PING_TIMEOUT,
                                  PREFECT_SERVER_LOGGING_LEVEL)

    print(f"Prefect {__version__} server on http://{host}:{port}/api", flush=True)
    config = uvicorn.Config(
        app=create_app(final=True), host=host, port=port,
        timeout_keep_alive=PREFECT_SERVER_API_KEEPALIVE_TIMEOUT.value(),
        ws_ping_interval=PREFECT_SERVER_API_WEBSOCKET_PING_INTERVAL.value(),
        ws_ping_timeout=PREFECT_SERVER_API_WEBSOCKET_PING_TIMEOUT.value(),
        log_level=str(PREFECT_SERVER_LOGGING_LEVEL.value()).lower())
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shut down on SIGINT, then re-raises it: a stop we asked for
        pass
    print("Server stopped!", flush=True)
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
