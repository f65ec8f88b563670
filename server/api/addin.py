"""The task pane's static files, read-only at /addin/<path>, GET /preview (the plain-browser preview page), and
GET /addin/config.json (what the pane needs to sign in; nothing secret).

Only regular files under addin/ with a known web type are served: no directory listings, no dotfiles, no
build folders, no trailing slash (the page's relative URLs would break); everything else is the JSON 404 of the error handler. Types are set here rather than guessed
from the system's mime.types, which on some machines still calls JavaScript application/x-javascript.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound

bp = Blueprint("addin", __name__)
ADDIN_DIR = Path(__file__).resolve().parents[2] / "addin"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
HIDDEN_FOLDERS = {"node_modules"}

@bp.get("/addin/config.json")
def config_json():
    """How the pane signs in. Entra: the app's client id, the scope to ask for, and the authority (the one
    tenant of the allow-list, or `organizations` when several tenants may sign in)."""
    config = current_app.config
    mode = config["AUTH_MODE"]
    body = {"auth_mode": mode, "client_id": "", "app_id_uri": "", "scope": "", "authority": ""}
    if mode == "entra":
        client_id = str(config.get("CLIENT_ID") or "").lower()
        app_id_uri = str(config.get("APP_ID_URI") or "") or f"api://{urlsplit(config['PUBLIC_URL']).netloc}/{client_id}"
        tenants = list(config.get("TENANT_IDS") or [])
        authority_host = str(config.get("AUTHORITY_HOST") or "https://login.microsoftonline.com").rstrip("/")
        body.update(client_id=client_id, app_id_uri=app_id_uri, scope=f"{app_id_uri}/access_as_user",
                    authority=f"{authority_host}/{tenants[0] if len(tenants) == 1 else 'organizations'}")
    response = jsonify(body)
    response.cache_control.no_cache = True
    return response


@bp.get("/preview")
def preview():
    query = request.query_string.decode("latin-1")  # ?mode=outlook-read and the like travel on
    return redirect("/addin/preview.html" + (f"?{query}" if query else ""), code=302)


@bp.get("/addin/<path:path>")
def static_file(path: str):
    parts = PurePosixPath(path).parts
    suffix = PurePosixPath(path).suffix.lower()
    if (suffix not in CONTENT_TYPES or any(part.startswith(".") or part in HIDDEN_FOLDERS for part in parts)
            or "\\" in path or "\x00" in path or path.endswith("/")):
        raise NotFound()
    # send_from_directory refuses "..", absolute paths and non-files; the real-path check also refuses a
    # symlink that leads out of addin/.
    target = os.path.realpath(ADDIN_DIR / path)
    if os.path.commonpath([target, os.path.realpath(ADDIN_DIR)]) != os.path.realpath(ADDIN_DIR):
        raise NotFound()
    response = send_from_directory(ADDIN_DIR, path, mimetype=CONTENT_TYPES[suffix].split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPES[suffix]
    response.cache_control.no_cache = True  # revalidate (ETag) so an edited module is picked up at once
    return response  # its security headers (the Office pages' CSP among them): server/api/security.py
