"""The WSGI entry point: `gunicorn server.wsgi:app`. The only module that builds the app at import time.

A configuration mistake prints one line naming the variable and exits, rather than a traceback. The exit
status is 3, gunicorn's "worker failed to boot": its master then stops instead of starting the worker again
and again. Dev mode also refuses to start when the sockets it was handed listen beyond loopback.

Once the app is built, everything it holds is frozen out of the garbage collector (gc.freeze): those ~90,000
long-lived objects (modules, functions, presets, tokenizer, Flask) never become garbage, yet each full
collection walked them all, a 15-30 ms pause of every thread in the worker, mid-stream, every few seconds
under load. That pause was the service's p99 under concurrency (bench/RESULTS.md).
"""
import gc
import sys

from server.app import create_app
from server.config import PREFIX, ConfigError, is_loopback_host
from server.listeners import listening_addresses

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR


def _check_dev_bind(config) -> None:
    if config["AUTH_MODE"] != "dev" or config["DEV_ALLOW_NON_LOOPBACK"]:
        return
    outside = sorted({a for a in listening_addresses() if not is_loopback_host(a)})
    if outside:
        raise ConfigError(f"{PREFIX}AUTH_MODE: dev mode only runs bound to loopback, but the server listens on "
                          f"{', '.join(outside)}; bind to 127.0.0.1 (or set DRAFTER_DEV_ALLOW_NON_LOOPBACK=true)")


try:
    app = create_app()
    _check_dev_bind(app.config)
except ConfigError as exc:
    print(f"drafter: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(WORKER_BOOT_ERROR) from None

gc.freeze()
