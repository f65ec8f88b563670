"""Typed errors raised anywhere in Drafter and rendered once, by the API's error handler.

Pure Python: core modules (llm/, assist/, documents/, governance/) raise these without importing Flask.
Every error becomes the one JSON shape `{"error": code, "message": text, "request_id": id}`.
"""
from __future__ import annotations


class DrafterError(Exception):
    """Base of every error the API renders; `code` and `status` come from the contract in DESIGN.md."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = dict(extra or {})

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidRequest(DrafterError):
    code, status = "invalid_request", 400


class Unauthorized(DrafterError):
    code, status = "unauthorized", 401


class InteractionRequired(Unauthorized):
    """401 interaction_required: Entra wants the user signed in again, perhaps with more claims (MFA,
    conditional access). `claims` (the challenge, a JSON string) goes into the body so the pane can pass it
    to its sign-in call."""

    code = "interaction_required"

    def __init__(self, message: str, *, claims: str | None = None, **kw):
        super().__init__(message, **kw)
        self.claims = claims
        if claims:
            self.extra["claims"] = claims


class Forbidden(DrafterError):
    code, status = "forbidden", 403


class BlockedByPolicy(DrafterError):
    code, status = "blocked_by_policy", 403


class NotFound(DrafterError):
    code, status = "not_found", 404


class MethodNotAllowed(DrafterError):
    code, status = "method_not_allowed", 405


class HttpsRequired(DrafterError):
    """Something this deployment cannot produce while it is served over plain http (dev on localhost)."""
    code, status = "https_required", 409


class TooLarge(DrafterError):
    code, status = "too_large", 413


class UnsupportedType(DrafterError):
    code, status = "unsupported_type", 415


class UnreadableDocument(DrafterError):
    code, status = "unreadable_document", 422


class RateLimited(DrafterError):
    """429; `retry_after` (seconds) becomes the Retry-After header."""

    code, status = "rate_limited", 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UpstreamError(DrafterError):
    """The model endpoint failed or answered something unusable (502)."""

    code, status = "upstream_error", 502


class ContentFiltered(UpstreamError):
    """The provider's content filter stopped the prompt or the answer; still 502 upstream_error."""


class UpstreamTimeout(DrafterError):
    """The model endpoint did not answer within the configured budget (504)."""

    code, status = "upstream_timeout", 504


class Cancelled(DrafterError):
    """The caller went away; never rendered, used to stop work early."""

    code, status = "cancelled", 499


class StoreUnavailable(DrafterError):
    """The audit and usage store cannot be reached or is busy past its timeout (503): a job is not run
    unaccounted for."""

    code, status = "store_unavailable", 503
