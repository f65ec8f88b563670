"""The Observability extension: the app's metrics, its request hooks, and the models made to report their calls.

Built after ModelGateway and PolicyGuard: it wraps the model they hold, and every endpoint a route rule can
send a job to, in a MeteredModel, so each call to any model is timed whichever job or route made it.
"""
from __future__ import annotations

import logging

from server.llm.metered import MeteredModel
from server.observability import request_hooks
from server.observability.metrics import DrafterMetrics

log = logging.getLogger(__name__)


class Observability:
    def init_app(self, app) -> None:
        metrics = DrafterMetrics()
        request_hooks.install(app, metrics)
        gateway = app.extensions["drafter.model"]
        gateway.model = MeteredModel(gateway.model, metrics)
        guard = app.extensions["drafter.guard"]
        guard.routes = {name: MeteredModel(model, metrics) for name, model in guard.routes.items()}
        if app.config["METRICS_TOKEN"]:
            access = "bearer token (DRAFTER_METRICS_TOKEN)"
        elif app.config["AUTH_MODE"] == "dev":
            access = "open (dev mode answers this computer only)"
        else:
            access = "off (set DRAFTER_METRICS_TOKEN to serve it)"
        log.info("metrics: /metrics %s; %s", access,
                 "every worker's values added up" if metrics.multiprocess else "this process's values")
