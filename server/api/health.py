"""GET /healthz (the process answers) and /readyz (the model endpoint and the audit store answer too)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from server import __version__

bp = Blueprint("health", __name__)
# what a job needs besides this process: the model to answer, and the store its audit record goes to
READINESS = (("model", "drafter.model"), ("store", "drafter.audit"))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "version": __version__})


@bp.get("/readyz")
def readyz():
    checks = {}
    for name, extension in READINESS:
        problem = current_app.extensions[extension].readiness()
        checks[name] = {"status": "ok"} if problem is None else {"status": "unavailable", "reason": problem}
    ready = all(check["status"] == "ok" for check in checks.values())
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    return response
