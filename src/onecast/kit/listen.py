"""Take the listening socket before saying anything: a busy port is one line and exit 2, never
"listening on ..." followed by uvicorn's "address already in use"."""

from __future__ import annotations

import errno
import socket

from onecast.kit.cli_errors import fail

PORT_HINT = "pick another with --port or ONECAST_PORT"


def bind_listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: restart over TIME_WAIT
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is already in use (another onecast serve?): stop that process or {PORT_HINT}")
        if exc.errno == errno.EACCES:
            fail(f"not allowed to listen on port {port} (ports below 1024 need privileges): {PORT_HINT}")
        if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
            fail(f"cannot listen on {host}: not an address of this machine; use --host 127.0.0.1 or 0.0.0.0")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    return sock
