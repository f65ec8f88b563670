"""`flask --app server.wsgi manifest build --out dist/`: every manifest of this deployment, written for admins.

The files are the ones GET /manifest/... serves, rendered from the same settings: word.xml and outlook.xml
(add-in-only XML manifests), manifest.json (the unified manifest) and package.zip (the admin centre's upload).
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from server.errors import HttpsRequired
from server.manifests.common import settings_from_config
from server.manifests.package import build_package
from server.manifests.unified import render_manifest
from server.manifests.xml import render_outlook, render_word

manifest_cli = AppGroup("manifest", help="Render the Office add-in manifests of this deployment.")


def render_all(config) -> dict[str, bytes]:
    settings = settings_from_config(config)
    try:
        return {
            "word.xml": render_word(settings),
            "outlook.xml": render_outlook(settings),
            "manifest.json": render_manifest(settings, settings.authority_host),
            "package.zip": build_package(settings, settings.authority_host),
        }
    except HttpsRequired as exc:  # nothing is written: admins deploy all four from one https origin
        raise click.ClickException(exc.message) from None


@manifest_cli.command("build")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write word.xml, outlook.xml, manifest.json and package.zip into (created if needed).")
def build(out: Path) -> None:
    """Write every manifest of this deployment into OUT."""
    files = render_all(current_app.config)
    out.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (out / name).write_bytes(body)
        click.echo(f"wrote {out / name} ({len(body)} bytes)")
    click.echo(f"for {current_app.config['PUBLIC_URL']}: deploy word.xml and outlook.xml, or package.zip, "
               "from the Microsoft 365 admin centre (Integrated apps)")
