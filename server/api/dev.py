"""Dev mode only: POST /dev/token issues an access token, GET /dev/jwks.json publishes its key.

Registered only when DRAFTER_AUTH_MODE=dev, which the configuration refuses off loopback. `loopback_only`
guards the whole app in dev mode: a server that listens beyond loopback serves nothing (server/auth/dev_bind.py),
and a request from another machine (or relayed for one by a proxy) is refused, since anyone who can reach
/dev/token can sign in as anyone.
"""
from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, jsonify, request

from server.api.common import json_body
from server.assist.validator import BLANK, NOT_BLANK_PATTERN
from server.auth.dev_bind import check_serving
from server.config import is_loopback_host
from server.errors import Forbidden, InvalidRequest

log = logging.getLogger(__name__)

bp = Blueprint("dev", __name__, url_prefix="/dev")
# Matched whole (fullmatch): `$` alone would let "Drafter.Admin\n" through, which the published pattern refuses.
# Whitespace is spelled out (BLANK) so that the published patterns mean here what they mean in JSON Schema.
EMAIL = re.compile(f"^[^@{BLANK}]{{1,64}}@[^@{BLANK}]{{1,255}}$")
ROLE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
NOT_BLANK = re.compile(NOT_BLANK_PATTERN)
MAX_ROLES = 20
TOKEN_REQUEST = {  # published in /api/v1/openapi.json: exactly what token() below accepts
    "type": "object", "required": ["name", "email"], "additionalProperties": False, "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK_PATTERN},
        "email": {"type": "string", "pattern": EMAIL.pattern},
        "roles": {"type": "array", "maxItems": MAX_ROLES, "items": {"type": "string", "pattern": ROLE.pattern}}}}


def _issuer():
    return current_app.extensions["drafter.auth"].dev_issuer


@bp.post("/token")
def token():
    body = json_body()
    name, email, roles = body.get("name"), body.get("email"), body.get("roles", [])
    if not isinstance(name, str) or not NOT_BLANK.search(name) or len(name) > 200:
        raise InvalidRequest("name must be a non-empty string of at most 200 characters.", field="name")
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        raise InvalidRequest("email must be an email address.", field="email")
    if not isinstance(roles, list) or len(roles) > MAX_ROLES or not all(isinstance(r, str) and ROLE.fullmatch(r)
                                                                      for r in roles):
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


FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,]+)', re.IGNORECASE)
NOT_LOOPBACK = ("This Drafter runs in development mode, which only answers requests from the computer it runs "
                "on. An administrator can set DRAFTER_AUTH_MODE=entra to serve other computers.")


def _relayed_for() -> list[str]:
    """The client addresses a proxy in front of the service says it relays for (X-Forwarded-For, Forwarded)."""
    # Read from the WSGI environ, where repeated headers arrive joined with commas: no header objects built
    environ = request.environ
    forwarded_for, forwarded = environ.get("HTTP_X_FORWARDED_FOR"), environ.get("HTTP_FORWARDED")
    if not forwarded_for and not forwarded:
        return []
    relayed = [part.strip() for part in (forwarded_for or "").split(",")]
    relayed += [m.group(1).strip() for m in FORWARDED_FOR.finditer(forwarded or "")]
    return [address for address in relayed if address]


def loopback_only() -> None:
    """App before_request in dev mode (unless DRAFTER_DEV_ALLOW_NON_LOOPBACK): loopback callers only, and
    only while the server listens on loopback alone."""
    check_serving()
    peer = request.remote_addr
    outside = [a for a in [peer or "", *_relayed_for()] if not is_loopback_host(a)]
    if outside:
        log.warning("dev mode refused a request from %s (not loopback)", outside[0][:64])
        raise Forbidden(NOT_LOOPBACK)
