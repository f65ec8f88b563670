"""The WSGI entry point: `gunicorn server.wsgi:app`. The only module that builds the app at import time.

A configuration mistake prints one line naming the variable and exits, rather than a traceback. The exit
status is 3, gunicorn's "worker failed to boot": its master then stops instead of starting the worker again
and again. Dev mode's refusal to start on sockets that listen beyond loopback is one of those mistakes
(checked while the app is built: server/auth/dev_bind.py).

Once the app is built, everything it holds is frozen out of the garbage collector (gc.freeze): those ~90,000
long-lived objects (modules, functions, presets, tokenizer, Flask) never become garbage, yet each full
collection walked them all, a 15-30 ms pause of every thread in the worker, mid-stream, every few seconds
under load. That pause was the service's p99 under concurrency (bench/RESULTS.md).
"""
import gc
import sys

from server.app import create_app
from server.config import ConfigError

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR

try:
    app = create_app()
except ConfigError as exc:
    print(f"drafter: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(WORKER_BOOT_ERROR) from None

gc.freeze()
