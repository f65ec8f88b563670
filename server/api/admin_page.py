"""GET /admin: the admin dashboard page (addin/admin/admin.html), under a policy that lets it do only its job.

The page and its modules are the add-in's static files (/addin/admin/...); it reads /api/v1/admin/usage with
a bearer token. In Entra mode it signs in with MSAL.js by redirect (this page is the SPA redirect URI), so its
policy adds the Entra authority to connect-src for MSAL's token and metadata requests; nothing else leaves
this origin. It is never framed: no Office host shows it, and MSAL is told not to renew tokens in an iframe.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app

from server.api.addin import ADDIN_DIR

bp = Blueprint("admin_page", __name__)
PAGE = ADDIN_DIR / "admin" / "admin.html"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


def admin_page_policy(auth_mode: str, authority_host: str) -> str:
    connect = "'self'"
    if auth_mode == "entra":
        parts = urlsplit(str(authority_host or DEFAULT_AUTHORITY))
        connect += f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else f" {DEFAULT_AUTHORITY}"
    return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; font-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


@bp.get("/admin")
def dashboard():
    config = current_app.config
    response = Response(PAGE.read_bytes(), content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = admin_page_policy(config["AUTH_MODE"],
                                                                   config.get("AUTHORITY_HOST", ""))
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.no_cache = True
    return response
