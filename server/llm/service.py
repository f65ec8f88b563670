"""The ModelGateway extension: one model client per app, built from config, shared by every job."""
from __future__ import annotations

import logging
import threading
import time

from server.config import ConfigError
from server.errors import DrafterError
from server.llm.factory import create_model

log = logging.getLogger(__name__)
EXTENSION = "drafter.model"
READY_CACHE_SECONDS = 5.0


class ModelGateway:
    def __init__(self, app=None):
        self.model = None
        self._ready: tuple[float, str | None] | None = None  # (checked at, error or None)
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        try:
            self.model = create_model(app.config, session=app.extensions["drafter.http"])
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        app.extensions[EXTENSION] = self

    def readiness(self) -> str | None:
        """None when the model endpoint answers; else a short reason. Cached briefly: probes come often."""
        now = time.monotonic()
        with self._lock:
            if self._ready and now - self._ready[0] < READY_CACHE_SECONDS:
                return self._ready[1]
        try:
            self.model.ping()
            problem = None
        except DrafterError as exc:
            problem = exc.message
        with self._lock:
            self._ready = (time.monotonic(), problem)
        return problem
