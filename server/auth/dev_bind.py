"""Dev mode serves only the computer it runs on: where the server listens is checked, not only who calls.

Anyone who reaches /dev/token can sign in as anyone, so dev mode refuses to start when the server it runs in
listens beyond loopback (DRAFTER_DEV_ALLOW_NON_LOOPBACK aside). What "the server listens on" means depends
on how the app was started, so two checks cover every way:

- at start-up (`check_at_start`, from the Auth extension): the listening sockets this process already holds
  (a gunicorn worker, `make run`, uwsgi: the server binds before it loads the app) and the `--host` of
  `flask run` (which loads the app before it binds). A wide bind raises ConfigError, so the server stops.
- at the first request of each process (`check_serving`): servers that load the app before binding
  (gunicorn --preload, app.run(), waitress) hold their sockets by then; with a wide one, every request is
  refused with 403 and the reason, loopback callers included, so such a start serves nothing.
"""
from __future__ import annotations

import logging
import os

from server.config import PREFIX, ConfigError, is_loopback_host
from server.errors import Forbidden
from server.listeners import listening_addresses

log = logging.getLogger(__name__)

_checked: dict[int, tuple[str, ...]] = {}  # pid -> the wide addresses found at its first request


def _flask_run_host() -> str | None:
    """The --host of `flask run` when it is loading this app now (it binds only after loading)."""
    import click

    try:
        from flask.cli import run_command
    except ImportError:
        return None
    context = click.get_current_context(silent=True)
    if context is None or context.command is not run_command:
        return None
    host = context.params.get("host")
    return host if isinstance(host, str) else None


def wide_addresses() -> list[str]:
    """Addresses beyond loopback that this process listens on, or that `flask run` is about to bind."""
    addresses = set(listening_addresses())
    host = _flask_run_host()
    if host is not None:
        addresses.add(host)
    return sorted(a for a in addresses if not is_loopback_host(a))


def check_at_start(config) -> None:
    if config["AUTH_MODE"] != "dev" or config["DEV_ALLOW_NON_LOOPBACK"]:
        return
    outside = wide_addresses()
    if outside:
        raise ConfigError(f"{PREFIX}AUTH_MODE: dev mode only runs bound to loopback, but the server listens on "
                          f"{', '.join(outside)}; bind to 127.0.0.1 (or set DRAFTER_DEV_ALLOW_NON_LOOPBACK=true)")


def check_serving() -> None:
    """Refuse every request (403) when this process listens beyond loopback; checked once per process."""
    pid = os.getpid()
    outside = _checked.get(pid)
    if outside is None:
        outside = _checked[pid] = tuple(a for a in listening_addresses() if not is_loopback_host(a))
        if outside:
            log.error("dev mode listens beyond loopback (%s): every request is refused; bind to 127.0.0.1",
                      ", ".join(outside))
    if outside:
        raise Forbidden(f"This Drafter runs in development mode but listens on {', '.join(outside)}, beyond this "
                        "computer, so it serves nothing. Restart it bound to 127.0.0.1, or set "
                        "DRAFTER_AUTH_MODE=entra to serve other computers.")
