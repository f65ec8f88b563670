"""Dev mode only: POST /dev/token issues an access token, GET /dev/jwks.json publishes its key.

Registered only when DRAFTER_AUTH_MODE=dev, which the configuration refuses off loopback.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify

from server.api.common import json_body
from server.errors import InvalidRequest

bp = Blueprint("dev", __name__, url_prefix="/dev")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
ROLE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _issuer():
    return current_app.extensions["drafter.auth"].dev_issuer


@bp.post("/token")
def token():
    body = json_body()
    name, email, roles = body.get("name"), body.get("email"), body.get("roles", [])
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidRequest("name must be a non-empty string of at most 200 characters.", field="name")
    if not isinstance(email, str) or not EMAIL.match(email):
        raise InvalidRequest("email must be an email address.", field="email")
    if not isinstance(roles, list) or len(roles) > 20 or not all(isinstance(r, str) and ROLE.match(r) for r in roles):
        raise InvalidRequest("roles must be a list of app role names such as Drafter.Admin.", field="roles")
    unknown = set(body) - {"name", "email", "roles"}
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidRequest(f"{field} is not a field of this request.", field=field)
    access_token = _issuer().issue(name=name.strip(), email=email, roles=roles)
    return jsonify({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600})


@bp.get("/jwks.json")
def jwks():
    return jsonify(_issuer().jwks())
