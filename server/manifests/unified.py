"""The unified app manifest for Microsoft 365 (JSON): one app whose add-in runs in Word and in Outlook.

The template manifest/manifest.json is JSON whose string values may hold string.Template placeholders. It is
parsed first and each string substituted afterwards, so a value is never spliced into JSON text and needs no
escaping: json.dumps writes it. A string that is exactly one placeholder is replaced by the value itself, which
may be a list or an object, or None to drop the key (webApplicationInfo without a client id).

Word and Outlook each have their own ribbon and runtime, each with its own requirements: WordApi and Mailbox
never share one requirements object, since Office would then look for both in one application.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

from server.errors import HttpsRequired
from server.manifests.common import ManifestSettings

TEMPLATE = Path(__file__).resolve().parents[2] / "manifest" / "manifest.json"
RIBBON_ICON_SIZES = (16, 32, 64, 80)  # the sizes the schema allows that the service has (128 is not allowed)
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
ONE_PLACEHOLDER = re.compile(r"^\$\{(\w+)\}$")

# Lengths the schema allows (MicrosoftTeams.schema.json v1.30); longer settings are shortened, not refused.
NAME_SHORT, NAME_FULL = 30, 100
DESCRIPTION_SHORT, DESCRIPTION_FULL = 80, 4000
DEVELOPER_NAME, LABEL, TOOLTIP = 32, 64, 250


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word where one is near, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "\u2026"


def valid_domains(settings: ManifestSettings, authority_host: str = DEFAULT_AUTHORITY_HOST) -> list[str]:
    """Hosts the pane may navigate to inside Office: its own, and the Entra sign-in host for the dialog fallback."""
    hosts = [settings.host, urlsplit(authority_host or DEFAULT_AUTHORITY_HOST).netloc]
    return list(dict.fromkeys(host for host in hosts if host))


def _fields(settings: ManifestSettings, authority_host: str) -> dict[str, Any]:
    web_application_info = None
    if settings.client_id:
        web_application_info = {"id": settings.client_id, "resource": settings.app_id_uri}
    return {
        "app_id": settings.app_id,
        "version": settings.semantic_version,
        "name_short": shorten(settings.name, NAME_SHORT),
        "name_full": shorten(settings.name, NAME_FULL),
        "description_short": shorten(settings.description or settings.name, DESCRIPTION_SHORT),
        "description_full": shorten(settings.description or settings.name, DESCRIPTION_FULL),
        "provider": shorten(settings.provider, DEVELOPER_NAME),
        "website_url": settings.support_url,
        "privacy_url": settings.privacy_url,
        "terms_url": settings.terms_url,
        "valid_domains": valid_domains(settings, authority_host),
        "web_application_info": web_application_info,
        "taskpane_url": settings.taskpane_url,
        "label": shorten(settings.name, LABEL),
        "tooltip": shorten(settings.description or settings.name, TOOLTIP),
        "ribbon_icons": [{"size": size, "url": settings.icon_url(size)} for size in RIBBON_ICON_SIZES],
        "word_addin_id": settings.word_id,
        "outlook_addin_id": settings.outlook_id,
        **{f"icon_{size}": settings.icon_url(size) for size in RIBBON_ICON_SIZES},
    }


_DROP = object()


def _fill(node: Any, fields: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        filled = {key: _fill(value, fields) for key, value in node.items()}
        return {key: value for key, value in filled.items() if value is not _DROP}
    if isinstance(node, list):
        return [_fill(item, fields) for item in node]
    if isinstance(node, str):
        whole = ONE_PLACEHOLDER.match(node)
        if whole and not isinstance(fields[whole.group(1)], str):
            value = fields[whole.group(1)]
            return _DROP if value is None else value
        return Template(node).substitute(fields)
    return node


def build_manifest(settings: ManifestSettings, authority_host: str = DEFAULT_AUTHORITY_HOST) -> dict[str, Any]:
    """The manifest as a dict (tests and the package read it); `authority_host` is DRAFTER_AUTHORITY_HOST.

    Raises HttpsRequired for a plain-http public URL (allowed for localhost in dev mode): the app manifest
    schema only takes https pages, so such a manifest could never be uploaded or sideloaded."""
    if not settings.public_url.startswith("https://"):
        raise HttpsRequired("The unified manifest (and its package) needs an https public URL: Microsoft 365 "
                            f"only takes add-ins served over https, and {settings.public_url} is plain http. "
                            "Serve Drafter over https (make run does) and download it again.")
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    return _fill(template, _fields(settings, authority_host))


def render_manifest(settings: ManifestSettings, authority_host: str = DEFAULT_AUTHORITY_HOST) -> bytes:
    """manifest.json as UTF-8 bytes, indented for an admin who opens it."""
    manifest = build_manifest(settings, authority_host)
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
