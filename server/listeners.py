"""The TCP addresses this process listens on, read from its own open sockets (Linux /proc; elsewhere none).

A gunicorn worker loads the app after the master has bound its sockets and forked, so the worker holds the
listening sockets when server/wsgi.py builds the app: their addresses say where the service can be reached,
whatever the command line or gunicorn's config said.
"""
from __future__ import annotations

import os
import socket
import stat


def listening_addresses() -> list[str]:
    """Host part of every listening TCP socket this process holds (e.g. "127.0.0.1", "0.0.0.0", "::")."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        try:
            fd = int(name)
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))  # a duplicate: closing it leaves the server's socket open
        except (OSError, ValueError):
            continue
        try:
            if (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)):
                found.append(sock.getsockname()[0])
        except OSError:
            pass
        finally:
            sock.close()
    return found
