"""GET /admin: the admin dashboard page (addin/admin/admin.html), under a policy that lets it do only its job.

The page and its modules are the add-in's static files (/addin/admin/...); it reads /api/v1/admin/usage with
a bearer token. In Entra mode it signs in with MSAL.js by redirect (this page is the SPA redirect URI), so its
policy adds the Entra authority to connect-src for MSAL's token and metadata requests; nothing else leaves
this origin. It is never framed: no Office host shows it, and MSAL is told not to renew tokens in an iframe.
"""
from __future__ import annotations

from flask import Blueprint, Response

from server.api.addin import ADDIN_DIR

bp = Blueprint("admin_page", __name__)
PAGE = ADDIN_DIR / "admin" / "admin.html"


@bp.get("/admin")
def dashboard():
    response = Response(PAGE.read_bytes(), content_type="text/html; charset=utf-8")
    response.cache_control.no_cache = True
    return response  # its policy (connect-src with the authority, never framed): server/api/security.py
