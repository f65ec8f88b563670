"""Logging configured once, for the whole process: module loggers, one line per record, JSON or text.

Drafter's handler (DrafterLogHandler) sits on the root logger, so libraries' lines share the format. Under
gunicorn it is installed before the app by gunicorn's logconfig_dict (server/observability/gunicorn_hooks.py),
so gunicorn's own lines are formatted alike; the app then sets its format and filter. Where something else
already owns the root logger (pytest), no second handler is added.
"""
from __future__ import annotations

import logging

from server.observability.log_context import RequestLogFilter
from server.observability.log_format import formatter_for


class DrafterLogHandler(logging.StreamHandler):
    """The handler whose format DRAFTER_LOG_FORMAT decides (stderr by default)."""


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if isinstance(handler, DrafterLogHandler)]
    if not ours and not root.handlers:  # gunicorn or pytest may have installed their own
        ours = [DrafterLogHandler()]
        root.addHandler(ours[0])
    for handler in ours:
        handler.setFormatter(formatter_for(fmt))
        if not any(isinstance(f, RequestLogFilter) for f in handler.filters):
            handler.addFilter(RequestLogFilter())
    logging.getLogger("server").setLevel(level.upper())
    # pypdf warns about every oddity of a damaged PDF (offsets, key names): the reader's own 422 says enough
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # SQLAlchemy's engine logs statements with their parameters at INFO, and an audit record's parameters are
    # user ids and, with retention on, the text itself: never, whatever level "sqlalchemy" is given for debugging
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
