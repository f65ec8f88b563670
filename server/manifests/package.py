"""The app package for the Microsoft 365 admin centre: a zip of manifest.json, color.png and outline.png.

Exactly those three files, at the root of the archive (no folder), as the admin centre's upload expects; the
icons are the committed ones in manifest/icons (color 192x192, outline 32x32 white on transparent). Entries
carry a fixed timestamp, so the same settings always give the same bytes.
"""
from __future__ import annotations

import io
import zipfile

from server.manifests.common import PACKAGE_ICONS, ManifestSettings
from server.manifests.unified import DEFAULT_AUTHORITY_HOST, TEMPLATE, render_manifest

ICON_DIR = TEMPLATE.parent / "icons"
PACKAGE_FILES = ("manifest.json", *PACKAGE_ICONS)
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip timestamps: reproducible bytes, no build-time leakage


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build_package(settings: ManifestSettings, authority_host: str = DEFAULT_AUTHORITY_HOST) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _entry(archive, "manifest.json", render_manifest(settings, authority_host))
        for name in PACKAGE_ICONS:
            _entry(archive, name, (ICON_DIR / name).read_bytes())
    return buffer.getvalue()
