"""What every /api/v1 view shares: the caller's identity and the JSON body."""
from __future__ import annotations

from flask import current_app, g, request

from server.errors import InvalidRequest


def authenticate() -> None:
    """Blueprint before_request: every /api/v1 call carries a valid bearer token."""
    g.principal = current_app.extensions["drafter.auth"].authenticate(request.headers.get("Authorization"))


def json_body() -> dict:
    if not request.is_json:
        raise InvalidRequest("Send a JSON body with Content-Type: application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidRequest("The body is not valid JSON.")
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.")
    return body
