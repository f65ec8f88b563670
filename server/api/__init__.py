"""Thin blueprints; each module has one `bp`. Request ids are assigned here for every request."""
from __future__ import annotations

import re
import uuid

from flask import g, request

from server.api import addin, admin, admin_page, assist, dev, documents, health, manifest, meta, pages, security
from server.api.metrics import bp as metrics_bp
from server.observability import log_context

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _assign_request_id() -> None:
    # A load balancer's id is kept when it is sane, so logs can be joined across hops.
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    log_context.begin(g.request_id)  # from here on, every log line of this request carries its id


def _echo_request_id(response):
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def register_blueprints(app) -> None:
    app.before_request(_assign_request_id)
    security.init_app(app)  # headers on every response; a CORS preflight is refused before authentication
    if app.config["AUTH_MODE"] == "dev" and not app.config["DEV_ALLOW_NON_LOOPBACK"]:
        app.before_request(dev.loopback_only)
    app.after_request(_echo_request_id)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(addin.bp)
    app.register_blueprint(meta.bp)
    app.register_blueprint(assist.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(manifest.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_page.bp)
    if app.config["AUTH_MODE"] == "dev":
        app.register_blueprint(dev.bp)
