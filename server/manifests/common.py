"""ManifestSettings: everything the manifests name, derived once from the configuration mapping.

Ids are stable per deployment: configured GUIDs, or uuid5 of the public URL so that rebuilding a manifest
never makes Office see a new add-in. Every URL is on PUBLIC_URL unless SUPPORT_URL, PRIVACY_URL or TERMS_URL
point elsewhere.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from server import __version__
from server.config import BY_NAME

TASKPANE_PATH = "/addin/taskpane.html"
HELP_PATH = "/addin/help.html"
PRIVACY_PATH = "/privacy"
TERMS_PATH = "/terms"
ICON_PATH = "/manifest/icons/"
ICON_SIZES = (16, 32, 64, 80, 128)
PACKAGE_ICONS = ("color.png", "outline.png")  # unified manifest: 192x192 colour, 32x32 outline


def derived_id(public_url: str, kind: str) -> str:
    """The default id of one manifest ('word', 'outlook', 'app'): uuid5 of the public URL and the kind."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, public_url.rstrip("/") + "/" + kind))


def four_part_version(version: str) -> str:
    """'1.2.3' -> '1.2.3.0' (XML manifests want up to four dotted integers); pre-release tags dropped."""
    leading = re.match(r"\d+(?:\.\d+)*", version.strip())
    numbers = [int(part) for part in leading.group(0).split(".")[:4]] if leading else []
    numbers += [0] * (4 - len(numbers))
    return ".".join(str(n) for n in numbers)


def three_part_version(version: str) -> str:
    """'1.2.3.0' or '1.2.3rc1' -> '1.2.3' (the unified manifest's version is semantic, three parts)."""
    return ".".join(four_part_version(version).split(".")[:3])


@dataclass(frozen=True)
class ManifestSettings:
    public_url: str  # origin, no trailing slash
    word_id: str
    outlook_id: str
    app_id: str
    client_id: str  # "" when SSO is not configured (dev mode): no WebApplicationInfo then
    app_id_uri: str
    version: str  # four parts, for the XML manifests
    name: str
    description: str
    provider: str
    support_url: str
    privacy_url: str
    terms_url: str
    authority_host: str = "https://login.microsoftonline.com"

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).netloc

    @property
    def semantic_version(self) -> str:
        return three_part_version(self.version)

    @property
    def taskpane_url(self) -> str:
        return self.public_url + TASKPANE_PATH

    def icon_url(self, size_or_name: int | str) -> str:
        name = f"icon-{size_or_name}.png" if isinstance(size_or_name, int) else size_or_name
        return self.public_url + ICON_PATH + name

    @property
    def sso_scopes(self) -> tuple[str, ...]:
        """Graph permissions the pane's token leads to: the profile (GET /me) and shared files (on-behalf-of)."""
        return ("openid", "profile", "User.Read", "Files.Read.All")

    @property
    def app_domains(self) -> tuple[str, ...]:
        """Origins the pane may navigate to besides its own: the Entra sign-in host (fallback sign-in dialog)."""
        return (self.authority_host,)


def _text(config: Mapping, name: str) -> str:
    """A display text, or its configuration default: the manifests refuse empty strings."""
    return str(config.get(name) or BY_NAME[name].default)


def settings_from_config(config: Mapping) -> ManifestSettings:
    public = str(config["PUBLIC_URL"]).rstrip("/")
    client_id = str(config.get("CLIENT_ID") or "").lower()
    app_id_uri = str(config.get("APP_ID_URI") or "")
    if not app_id_uri and client_id:
        app_id_uri = f"api://{urlsplit(public).netloc}/{client_id}"
    return ManifestSettings(
        public_url=public,
        word_id=str(config.get("WORD_ADDIN_ID") or derived_id(public, "word")),
        outlook_id=str(config.get("OUTLOOK_ADDIN_ID") or derived_id(public, "outlook")),
        app_id=str(config.get("APP_ID") or derived_id(public, "app")),
        client_id=client_id,
        app_id_uri=app_id_uri,
        version=four_part_version(config.get("MANIFEST_VERSION") or __version__),
        name=_text(config, "ADDIN_NAME"),
        description=_text(config, "ADDIN_DESCRIPTION"),
        provider=_text(config, "PROVIDER_NAME"),
        support_url=str(config.get("SUPPORT_URL") or public + HELP_PATH),
        privacy_url=str(config.get("PRIVACY_URL") or public + PRIVACY_PATH),
        terms_url=str(config.get("TERMS_URL") or public + TERMS_PATH),
        authority_host=str(config.get("AUTHORITY_HOST") or "https://login.microsoftonline.com").rstrip("/"),
    )
