"""GET /manifest/word.xml, /manifest/outlook.xml, /manifest/manifest.json, /manifest/package.zip and
/manifest/icons/<name>.png, with no sign-in.

Admins download the manifests to deploy the add-in, and Office fetches the icons before anyone signs in, so
none of these routes authenticate. The manifests are rendered from this deployment's configuration on every
request (cheap, and never stale after a settings change).
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound

from server.manifests.common import settings_from_config
from server.manifests.package import build_package
from server.manifests.unified import render_manifest
from server.manifests.xml import RENDERERS, TEMPLATE_DIR

bp = Blueprint("manifest", __name__, url_prefix="/manifest")
ICON_DIR = TEMPLATE_DIR / "icons"
ICON_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\.png$")
ICON_MAX_AGE = 24 * 3600  # icons change with a release at most; a day keeps Office's fetches cheap


def manifest_settings():
    return settings_from_config(current_app.config)


def download_name(name: str, suffix: str) -> str:
    """'Drafter Assist' + 'word.xml' -> 'drafter-assist-word.xml' (ASCII, so every browser keeps it)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "drafter"
    return f"{slug}-{suffix}"


def attachment(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.no_cache = True
    return response


@bp.get("/<any(word, outlook):host>.xml")
def xml_manifest(host: str):
    settings = manifest_settings()
    body = RENDERERS[f"{host}.xml"](settings)
    return attachment(body, "application/xml; charset=utf-8", download_name(settings.name, f"{host}.xml"))


@bp.get("/manifest.json")
def unified_manifest():
    settings = manifest_settings()
    body = render_manifest(settings, current_app.config["AUTHORITY_HOST"])
    return attachment(body, "application/json; charset=utf-8", download_name(settings.name, "manifest.json"))


@bp.get("/package.zip")
def app_package():
    """The app package for the Microsoft 365 admin centre (Integrated apps: upload custom apps)."""
    settings = manifest_settings()
    body = build_package(settings, current_app.config["AUTHORITY_HOST"])
    return attachment(body, "application/zip", download_name(settings.name, "package.zip"))


@bp.get("/icons/<name>")
def icon(name: str):
    if not ICON_NAME.match(name) or not (ICON_DIR / name).is_file():
        raise NotFound()
    response = send_from_directory(ICON_DIR, name, mimetype="image/png", max_age=ICON_MAX_AGE)
    response.cache_control.public = True
    return response
