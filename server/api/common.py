"""What every /api/v1 view shares: the caller's identity, who may use what, and the JSON body."""
from __future__ import annotations

import functools

from flask import current_app, g, request

from server.auth.access import check_role, check_use
from server.auth.service import remember_failure
from server.auth.tokens import MalformedAuthorization
from server.errors import InvalidRequest, Unauthorized, UnsupportedType
from server.observability.request_hooks import identify_user


def authenticate() -> None:
    """Blueprint before_request: every /api/v1 call carries a valid bearer token of a user allowed to use Drafter."""
    headers = request.headers.getlist("Authorization")
    try:
        if len(headers) > 1:
            raise MalformedAuthorization("Send one Authorization header, not several.")
        principal = current_app.extensions["drafter.auth"].authenticate(headers[0] if headers else None)
    except Unauthorized as error:
        remember_failure(error)
        raise
    identify_user(principal)  # the request's log lines carry the user's pseudonym from here on
    config = current_app.config
    check_use(principal, allowed_roles=config["ALLOWED_ROLES"], allowed_groups=config["ALLOWED_GROUPS"])
    g.principal = principal


def require_role(role: str):
    """View decorator for admin endpoints, e.g. @require_role("Drafter.Admin"); 403 without the app role."""
    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            principal = g.get("principal")
            if principal is None:  # the blueprint forgot authenticate(): refuse rather than guess
                raise Unauthorized("Sign in first: send Authorization: Bearer <access token>.")
            check_role(principal, role)
            return view(*args, **kwargs)
        return guarded
    return decorate


def json_body(*, cache: bool = True) -> dict:
    """The request's JSON object; cache=False keeps neither the raw body nor the parsed one on the request (a
    base64 file is 13 MB twice over), so the caller holds the only copy."""
    if not request.is_json:  # JSON only: a form or text/plain body is what a cross-site form could send
        raise UnsupportedType("This address takes JSON only: send the body with Content-Type: application/json.")
    body = request.get_json(silent=True, cache=cache)
    if body is None:
        raise InvalidRequest("The body is not valid JSON.")
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.")
    return body
