"""The service's app with the AuditLog extension, for tests that start it the real ways (the `flask` command
line, gunicorn) before server/app.py registers AuditLog itself; once it does, this is create_app unchanged."""
from __future__ import annotations

from server.app import create_app as create_service_app
from server.governance.audit import EXTENSION, AuditLog


def create_app(config: dict | None = None):
    app = create_service_app(config)
    if EXTENSION not in app.extensions:
        AuditLog().init_app(app)
    return app
