"""Logging configured once, for the whole process: module loggers, one line per record."""
from __future__ import annotations

import logging

_configured = False


def configure_logging(level: str = "info") -> None:
    global _configured
    root = logging.getLogger()
    if not _configured:
        if not root.handlers:  # gunicorn or pytest may have installed their own
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
        _configured = True
    logging.getLogger("server").setLevel(level.upper())
    # pypdf warns about every oddity of a damaged PDF (offsets, key names): the reader's own 422 says enough
    logging.getLogger("pypdf").setLevel(logging.ERROR)
