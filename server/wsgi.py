"""The WSGI entry point: `gunicorn server.wsgi:app`. The only module that builds the app at import time.

A configuration mistake prints one line naming the variable and exits, rather than a traceback.
"""
import sys

from server.app import create_app
from server.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"drafter: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
