"""The task pane's static files, read-only at /addin/<path>, and GET /preview (the plain-browser preview page).

Only regular files under addin/ with a known web type are served: no directory listings, no dotfiles, no
build folders, no trailing slash (the page's relative URLs would break); everything else is the JSON 404 of the error handler. Types are set here rather than guessed
from the system's mime.types, which on some machines still calls JavaScript application/x-javascript.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from flask import Blueprint, redirect, send_from_directory
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

# Pages load only this origin's modules and call only this origin. The Office task pane (issue 6) will add
# the Office.js origin and the Office hosts as frame ancestors for its own page.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'self'")


@bp.get("/preview")
def preview():
    return redirect("/addin/preview.html", code=302)


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
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.no_cache = True  # revalidate (ETag) so an edited module is picked up at once
    if suffix == ".html":
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
