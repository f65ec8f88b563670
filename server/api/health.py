"""GET /healthz (the process answers) and /readyz (the model endpoint answers too)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from server import __version__

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "version": __version__})


@bp.get("/readyz")
def readyz():
    problem = current_app.extensions["drafter.model"].readiness()
    checks = {"model": {"status": "ok" if problem is None else "unavailable"}}
    if problem is not None:
        checks["model"]["reason"] = problem
    response = jsonify({"status": "ok" if problem is None else "unavailable", "checks": checks})
    response.status_code = 200 if problem is None else 503
    return response
