"""GET /metrics: the Prometheus text exposition (format 0.0.4).

Who may read it: metrics say how much the service is used, by which models and endpoints (internal host
names), and how it fails; not for the internet the pane is served to. With DRAFTER_METRICS_TOKEN set, a
scraper sends `Authorization: Bearer <token>` (compared in constant time) from wherever it runs. Without it,
/metrics is served only in dev mode (which answers this computer alone) and is not there (404) in entra mode.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, current_app, request
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from server.errors import NotFound, Unauthorized
from server.observability.request_hooks import EXTENSION

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    _check_scraper()
    body = current_app.extensions[EXTENSION].exposition()
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4, headers={"Cache-Control": "no-store"})


def _check_scraper() -> None:
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        if current_app.config["AUTH_MODE"] == "dev":
            return
        raise NotFound("There is nothing at this address.")
    sent = request.headers.get("Authorization", "")
    scheme, _, credential = sent.partition(" ")
    # digests of equal length compared in constant time: neither the content nor the length of the token leaks
    if scheme.lower() != "bearer" or not hmac.compare_digest(_digest(credential.strip()), _digest(token)):
        raise Unauthorized("GET /metrics needs Authorization: Bearer <DRAFTER_METRICS_TOKEN>.")


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()
