"""The one error handler: every failure leaves as {"error": code, "message": text, "request_id": id}."""
from __future__ import annotations

import logging
import math

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from server.assist.schemas import MAX_FILE_BYTES
from server.errors import DrafterError, RateLimited

log = logging.getLogger(__name__)

HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_type", 429: "rate_limited"}
PLAIN_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
}


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": code, "message": message, "request_id": g.get("request_id", ""), **extra}


def error_response(error: DrafterError):
    response = jsonify({**error.to_dict(), "request_id": g.get("request_id", "")})
    response.status_code = error.status
    if isinstance(error, RateLimited) and error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


def too_large_message(length: int | None, limit: int) -> str:
    """What a caller over the body limit needs: the sizes, and the ways a large file still gets in."""
    size = f"The request is {length:,} bytes" if length else "The request is too large"
    message = f"{size}; this service takes at most {limit:,} bytes per request (DRAFTER_MAX_BODY_BYTES). "
    in_json = limit * 3 // 4  # base64 makes a file a third larger
    if in_json < MAX_FILE_BYTES:
        return message + (f"A file sent as base64 in JSON grows by a third, so files over about {in_json // 1024:,} KB "
                          "must come as a multipart upload to /api/v1/documents/extract or as a SharePoint/OneDrive "
                          "link.")
    return message + (f"One file of up to {MAX_FILE_BYTES // (1024 * 1024)} MB fits; send several large files in "
                      "separate requests, or link them from SharePoint or OneDrive.")


def _http_error(exc: HTTPException):
    code = HTTP_CODES.get(exc.code or 500, "http_error")
    if exc.code == 413:  # werkzeug's, from MAX_CONTENT_LENGTH: refused before the body is read
        message = too_large_message(request.content_length, current_app.config["MAX_BODY_BYTES"])
    else:
        message = PLAIN_MESSAGES.get(exc.code or 500) or exc.description or exc.name
    response = jsonify(error_body(code, message))
    response.status_code = exc.code or 500
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception):
    log.error("unexpected error in request %s", g.get("request_id", "-"), exc_info=exc)
    response = jsonify(error_body("internal_error", "Something went wrong on our side; it has been logged."))
    response.status_code = 500
    return response


def register_error_handlers(app) -> None:
    app.register_error_handler(DrafterError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
