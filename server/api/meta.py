"""GET /api/v1/presets, /api/v1/me (with the Graph profile: display name, job title) and /api/v1/openapi.json."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from server.api.common import authenticate
from server.api.graph_access import caller_profile, links_readable
from server.api.openapi import Deployment, build_openapi

bp = Blueprint("meta", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)


@bp.get("/presets")
def presets():
    return jsonify({"presets": current_app.extensions["drafter.presets"].public_list()})


@bp.get("/me")
def me():
    quota = current_app.extensions["drafter.quotas"].status(g.principal.tenant_id, g.principal.object_id)
    return jsonify({**g.principal.to_dict(), **caller_profile(), "quota": quota})


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_openapi(current_app.config["PUBLIC_URL"],
                                 dev_mode=current_app.config["AUTH_MODE"] == "dev",
                                 deployment=Deployment(current_app.extensions["drafter.presets"], links_readable())))
