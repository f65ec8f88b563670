"""The unified JSON manifest, its admin-centre package and their routes.

The manifest is checked by Microsoft's own validator (npm office-addin-manifest, installed by `make test`),
which validates a unified manifest against the JSON schema bundled in its dependency @microsoft/app-manifest:
no network. The PNG checks read the files with the small decoder below (the project has no imaging library).
"""
from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pytest

from server import __version__
from server import config as drafter_config
from server.manifests.common import settings_from_config, three_part_version
from server.manifests.package import PACKAGE_FILES, build_package
from server.manifests.unified import build_manifest, render_manifest, shorten
from server.manifests.xml import render_outlook, render_word
from tests.conftest import ROOT, skip_or_fail

ICONS = ROOT / "manifest" / "icons"
VALIDATOR = ROOT / "node_modules" / ".bin" / "office-addin-manifest"
BUNDLED_SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "5a1c5a2b-8d3e-4f0a-9b1c-2d3e4f5a6b7c"

# name -> (DRAFTER_* settings, the public host, the sign-in host validDomains must name)
CONFIGURATIONS = {
    "dev-localhost": ({"AUTH_MODE": "dev"}, "localhost:3000", "login.microsoftonline.com"),
    "production": ({
        "PUBLIC_URL": "https://drafter.example.gov.uk",
        "CLIENT_ID": CLIENT,
        "TENANT_IDS": TENANT,
        "ADDIN_NAME": 'Drafter "R&D" <Écrire>',
        "PROVIDER_NAME": "Department for Examples",
        "SUPPORT_URL": "https://intranet.example.gov.uk/drafter/help",
        "PRIVACY_URL": "https://intranet.example.gov.uk/drafter/privacy",
        "TERMS_URL": "https://intranet.example.gov.uk/drafter/terms",
        "WORD_ADDIN_ID": "0e7c2a4b-1111-4222-8333-944455556666",
        "OUTLOOK_ADDIN_ID": "0e7c2a4b-1111-4222-8333-944455557777",
        "APP_ID": "0e7c2a4b-1111-4222-8333-944455558888",
    }, "drafter.example.gov.uk", "login.microsoftonline.com"),
    "azure-government": ({
        "PUBLIC_URL": "https://drafter.agency.example.gov:8443",
        "CLIENT_ID": CLIENT,
        "TENANT_IDS": TENANT,
        "APP_ID_URI": f"api://drafter.agency.example.gov:8443/{CLIENT}",  # SSO: the pane's host with its port
        "AUTHORITY_HOST": "https://login.microsoftonline.us",
        "GRAPH_URL": "https://graph.microsoft.us",
    }, "drafter.agency.example.gov:8443", "login.microsoftonline.us"),
}


def load_config(name: str) -> dict:
    return drafter_config.load({}, CONFIGURATIONS[name][0])


def manifest_for(name: str) -> dict:
    config = load_config(name)
    return build_manifest(settings_from_config(config), config["AUTHORITY_HOST"])


# --- a tiny PNG reader: chunks, IHDR, and 8-bit RGB / RGBA pixels through the five scanline filters ---------

def png_chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0]
        yield kind, body
        at += 12 + length


def png_size(data: bytes) -> tuple[int, int]:
    kind, body = next(png_chunks(data))
    assert kind == b"IHDR"
    return struct.unpack(">II", body[:8])


def png_pixels(data: bytes) -> list[tuple[int, ...]]:
    """Every pixel as (r, g, b, a); 8-bit truecolour with or without alpha, not interlaced."""
    chunks = list(png_chunks(data))
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB/RGBA, non-interlaced"
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    previous = bytearray(stride)
    pixels = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
            else:
                assert kind == 0, f"unknown PNG filter type {kind}"
        for x in range(width):
            px = tuple(line[x * channels:(x + 1) * channels])
            pixels.append(px if channels == 4 else px + (255,))
        previous = line
    return pixels


def test_png_reader_undoes_every_filter():
    """The reader itself: a 3x5 image written with filters 0-4, one per row, decodes to what was encoded."""
    width, rows = 3, [[(10 * r + x, 200 - x, 7 * x + r, 255 - r) for x in range(3)] for r in range(5)]
    raw, previous = b"", bytes(width * 4)
    for kind, row in enumerate(rows):
        line = bytes(v for px in row for v in px)
        out = bytearray()
        for i, value in enumerate(line):
            left = line[i - 4] if i >= 4 else 0
            up, corner = previous[i], previous[i - 4] if i >= 4 else 0
            guess = left + up - corner
            pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
            paeth = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            predictor = [0, left, up, (left + up) // 2, paeth][kind]
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + bytes(out)
        previous = line

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 5, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert png_size(png) == (3, 5)
    assert png_pixels(png) == [px for row in rows for px in row]


# --- icons ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "size"), [
    ("icon-16.png", 16), ("icon-32.png", 32), ("icon-64.png", 64), ("icon-80.png", 80), ("icon-128.png", 128),
    ("color.png", 192), ("outline.png", 32),
])
def test_icons_have_their_pixel_sizes(name, size):
    data = (ICONS / name).read_bytes()
    assert png_size(data) == (size, size)
    assert len(png_pixels(data)) == size * size


def test_outline_icon_is_white_on_transparent():
    pixels = png_pixels((ICONS / "outline.png").read_bytes())
    drawn = [px for px in pixels if px[3] > 0]
    assert all(min(px[:3]) >= 0xF0 for px in drawn), "outline.png may hold white only"
    assert len(drawn) > 32 * 32 // 10, "the outline draws something"
    assert sum(1 for px in pixels if px[3] == 0) > 32 * 32 // 2, "most of the outline icon is transparent"
    assert pixels[0][3] == pixels[31][3] == pixels[-1][3] == pixels[-32][3] == 0  # corners


def test_colour_icons_are_the_product_mark_not_a_blank():
    for name in ("icon-32.png", "icon-80.png", "color.png"):
        pixels = png_pixels((ICONS / name).read_bytes())
        opaque = [px for px in pixels if px[3] == 255]
        blue = [px for px in opaque if px[2] > px[0] + 60]
        white = [px for px in opaque if min(px[:3]) > 240]
        assert len(blue) > len(pixels) // 3 and len(white) > len(pixels) // 20, name


# --- the manifest -----------------------------------------------------------------------------------------

def run_validator(path: Path) -> subprocess.CompletedProcess:
    if shutil.which("node") is None:
        skip_or_fail("node is not installed (make test installs npm devDependencies; CI installs nodejs)")
    if not VALIDATOR.exists():
        skip_or_fail("node_modules/.bin/office-addin-manifest is missing: run `make test` (npm ci)")
    return subprocess.run([str(VALIDATOR), "validate", str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_official_validator_accepts_the_manifest(name, tmp_path):
    config = load_config(name)
    path = tmp_path / "manifest.json"
    path.write_bytes(render_manifest(settings_from_config(config), config["AUTHORITY_HOST"]))
    result = run_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not valid" not in result.stdout + result.stderr


def test_validator_works_offline_from_its_bundled_schema():
    """The schema URL maps to a file inside the package, which the validator reads before trying the network."""
    schema_url = manifest_for("dev-localhost")["$schema"]
    prefix = "https://developer.microsoft.com/"
    assert schema_url.startswith(prefix + "json-schemas/teams/")
    if not BUNDLED_SCHEMAS.exists():
        skip_or_fail("node_modules/@microsoft/app-manifest is missing: run `make test` (npm ci)")
    schema = json.loads((BUNDLED_SCHEMAS / schema_url[len(prefix):]).read_text(encoding="utf-8"))
    assert schema["properties"]["manifestVersion"]["const"] == manifest_for("dev-localhost")["manifestVersion"]


def test_official_validator_rejects_a_broken_manifest(tmp_path):
    """The validator really validates: a name over the schema's 30 characters fails with its JSON pointer."""
    manifest = manifest_for("production")
    manifest["name"]["short"] = "x" * 31
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run_validator(path)
    assert result.returncode != 0
    assert "/name/short" in result.stdout + result.stderr


def requirement_objects(node, where="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "requirements":
                yield where, value
            yield from requirement_objects(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from requirement_objects(item, f"{where}[{index}]")


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_requirements_never_mix_word_and_outlook(name):
    manifest = manifest_for(name)
    found = list(requirement_objects(manifest))
    assert len(found) >= 6  # the extension, two runtimes, two ribbons, two alternates
    for where, requirements in found:
        names = {capability["name"] for capability in requirements.get("capabilities", [])}
        assert not {"WordApi", "Mailbox"} <= names, where
        scopes = set(requirements.get("scopes", []))
        if "WordApi" in names:
            assert scopes == {"document"}, where
        if "Mailbox" in names:
            assert scopes == {"mail"}, where
    extension = manifest["extensions"][0]
    assert extension["requirements"] == {"scopes": ["document", "mail"]}


def test_each_host_has_its_ribbon_and_pane():
    extension = manifest_for("production")["extensions"][0]
    actions = {action["id"]: runtime for runtime in extension["runtimes"] for action in runtime["actions"]}
    by_scope = {}
    for ribbon in extension["ribbons"]:
        (scope,) = ribbon["requirements"]["scopes"]
        (tab,) = ribbon["tabs"]
        (group,) = tab["groups"]
        (control,) = group["controls"]
        runtime = actions[control["actionId"]]
        assert control["type"] == "button"
        assert runtime["requirements"] == ribbon["requirements"]
        assert runtime["code"]["page"] == "https://drafter.example.gov.uk/addin/taskpane.html"
        assert [action["type"] for action in runtime["actions"]] == ["openPage"]
        by_scope[scope] = (ribbon["contexts"], tab["builtInTabId"], ribbon["requirements"]["capabilities"])
    assert by_scope == {
        "document": (["default"], "TabHome", [{"name": "WordApi", "minVersion": "1.1"}]),
        "mail": (["mailRead", "mailCompose"], "TabDefault", [{"name": "Mailbox", "minVersion": "1.3"}]),
    }


def xml_id(xml: bytes) -> str:
    root = ET.fromstring(xml)
    return root.find("{http://schemas.microsoft.com/office/appforoffice/1.1}Id").text


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_alternates_hide_the_xml_add_ins(name):
    settings = settings_from_config(load_config(name))
    alternates = manifest_for(name)["extensions"][0]["alternates"]
    hidden = {alternate["requirements"]["scopes"][0]: alternate["hide"]["customOfficeAddin"]["officeAddinId"]
              for alternate in alternates}
    assert hidden == {"document": xml_id(render_word(settings)), "mail": xml_id(render_outlook(settings))}
    assert manifest_for(name)["id"] not in hidden.values()  # the new app is not either old add-in


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_alternates_carry_the_icons_an_xml_manifest_generated_from_them_needs(name):
    """Where the admin center generates an add-in only (XML) manifest from this one for clients without the unified
    manifest, it needs a valid alternateIcons in each scope: `icon` becomes IconUrl (task pane 32, mail 64 pixels)
    and `highResolutionIcon` HighResolutionIconUrl (64; mail wants 128, but the schema stops at 80)."""
    settings = settings_from_config(load_config(name))
    alternates = {alternate["requirements"]["scopes"][0]: alternate["alternateIcons"]
                  for alternate in manifest_for(name)["extensions"][0]["alternates"]}

    def xml_icons(xml: bytes) -> tuple[str, str]:
        root = ET.fromstring(xml)
        ns = "{http://schemas.microsoft.com/office/appforoffice/1.1}"
        return root.find(f"{ns}IconUrl").get("DefaultValue"), root.find(f"{ns}HighResolutionIconUrl").get("DefaultValue")

    word_icon, word_high = xml_icons(render_word(settings))
    mail_icon, _ = xml_icons(render_outlook(settings))
    assert alternates == {
        "document": {"icon": {"size": 32, "url": word_icon}, "highResolutionIcon": {"size": 64, "url": word_high}},
        "mail": {"icon": {"size": 64, "url": mail_icon},
                 "highResolutionIcon": {"size": 80, "url": settings.icon_url(80)}},
    }


def test_configured_ids_and_urls_are_used():
    manifest = manifest_for("production")
    assert manifest["id"] == "0e7c2a4b-1111-4222-8333-944455558888"
    hidden = [a["hide"]["customOfficeAddin"]["officeAddinId"] for a in manifest["extensions"][0]["alternates"]]
    assert hidden == ["0e7c2a4b-1111-4222-8333-944455556666", "0e7c2a4b-1111-4222-8333-944455557777"]
    assert manifest["developer"] == {
        "name": "Department for Examples",
        "websiteUrl": "https://intranet.example.gov.uk/drafter/help",
        "privacyUrl": "https://intranet.example.gov.uk/drafter/privacy",
        "termsOfUseUrl": "https://intranet.example.gov.uk/drafter/terms",
    }
    assert manifest["name"] == {"short": 'Drafter "R&D" <Écrire>', "full": 'Drafter "R&D" <Écrire>'}


def test_default_urls_and_ids_follow_the_public_url():
    manifest = manifest_for("dev-localhost")
    assert manifest["developer"]["privacyUrl"] == "https://localhost:3000/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://localhost:3000/terms"
    assert manifest["version"] == three_part_version(__version__)
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])  # the schema's n.n.n
    assert manifest == manifest_for("dev-localhost")  # stable: the same settings give the same ids
    other = drafter_config.load({}, {"AUTH_MODE": "dev", "PUBLIC_URL": "https://127.0.0.1:3443"})
    assert build_manifest(settings_from_config(other))["id"] != manifest["id"]


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_sign_in_and_domains(name):
    _, host, sign_in_host = CONFIGURATIONS[name]
    config = load_config(name)
    manifest = manifest_for(name)
    assert manifest["validDomains"] == [host, sign_in_host]
    if config["CLIENT_ID"]:
        assert manifest["webApplicationInfo"] == {"id": CLIENT, "resource": settings_from_config(config).app_id_uri}
        assert manifest["webApplicationInfo"]["resource"].startswith("api://")
    else:
        assert "webApplicationInfo" not in manifest  # dev mode: no Entra app to name
    permissions = {p["name"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]}
    assert permissions == {"Document.ReadWrite.User", "MailboxItem.ReadWrite.User"}


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_no_placeholder_is_left_and_every_icon_exists_at_its_size(name):
    manifest = manifest_for(name)
    assert not [text for text in strings(manifest) if "${" in text]
    public = load_config(name)["PUBLIC_URL"] + "/manifest/icons/"
    icons = []

    def collect(node):
        if isinstance(node, dict):
            if set(node) == {"size", "url"}:
                icons.append(node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(manifest)
    assert len(icons) >= 16
    for icon in icons:
        assert icon["url"].startswith(public), icon
        assert png_size((ICONS / icon["url"][len(public):]).read_bytes()) == (icon["size"], icon["size"])
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Drafter", 30, "Drafter"),
    ("  Drafter   for   Word  ", 30, "Drafter for Word"),
    ("a" * 30, 30, "a" * 30),
    ("a" * 31, 30, "a" * 29 + "\u2026"),
    ("Rewrite, summarize and draft with care", 20, "Rewrite, summarize\u2026"),
    ("Rewrite summarize-and-draft-everything", 20, "Rewrite summarize-a\u2026"),
])
def test_shorten_keeps_schema_limits(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


def test_long_settings_are_shortened_to_the_schema_limits():
    """Callers that bypass config's length checks still get a manifest the schema accepts."""
    settings = settings_from_config(load_config("production"))
    long = type(settings)(**{**settings.__dict__, "name": "N" * 120, "provider": "P " * 40,
                             "description": "word " * 1200})
    manifest = build_manifest(long)
    assert len(manifest["name"]["short"]) == 30 and len(manifest["name"]["full"]) == 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert len(manifest["developer"]["name"]) <= 32


# --- the package ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_package_holds_exactly_what_the_admin_centre_expects(name):
    config = load_config(name)
    settings = settings_from_config(config)
    data = build_package(settings, config["AUTHORITY_HOST"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"] == list(PACKAGE_FILES)
        manifest = json.loads(archive.read("manifest.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")
    assert manifest == build_manifest(settings, config["AUTHORITY_HOST"])
    assert png_size(color) == (192, 192) and png_size(outline) == (32, 32)
    assert color == (ICONS / "color.png").read_bytes() and outline == (ICONS / "outline.png").read_bytes()
    assert build_package(settings, config["AUTHORITY_HOST"]) == data  # reproducible bytes


def test_validator_accepts_the_manifest_inside_the_package(tmp_path):
    config = load_config("azure-government")
    with zipfile.ZipFile(io.BytesIO(build_package(settings_from_config(config), config["AUTHORITY_HOST"]))) as zf:
        zf.extractall(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["color.png", "manifest.json", "outline.png"]
    result = run_validator(tmp_path / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr


# --- the routes -------------------------------------------------------------------------------------------

def test_route_serves_the_manifest(client, app):
    response = client.get("/manifest/manifest.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter-manifest.json"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    expected = build_manifest(settings_from_config(app.config), app.config["AUTHORITY_HOST"])
    assert response.get_json() == expected
    assert "webApplicationInfo" not in expected and expected["validDomains"][0] == "localhost:3000"


def test_route_serves_the_package(client):
    response = client.get("/manifest/package.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter-package.zip"'
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        assert json.loads(archive.read("manifest.json")) == client.get("/manifest/manifest.json").get_json()


def test_routes_follow_the_deployments_settings(app_config):
    from server.app import create_app

    app_config.update(AUTH_MODE="entra", PUBLIC_URL="https://drafter.agency.example.gov", CLIENT_ID=CLIENT,
                      TENANT_IDS=[TENANT], AUTHORITY_HOST="https://login.microsoftonline.us",
                      ADDIN_NAME="Agency Drafter")
    client = create_app(app_config).test_client()
    response = client.get("/manifest/manifest.json")
    manifest = response.get_json()
    assert response.headers["Content-Disposition"] == 'attachment; filename="agency-drafter-manifest.json"'
    assert manifest["validDomains"] == ["drafter.agency.example.gov", "login.microsoftonline.us"]
    assert manifest["webApplicationInfo"]["id"] == CLIENT
    package = client.get("/manifest/package.zip")
    assert package.headers["Content-Disposition"] == 'attachment; filename="agency-drafter-package.zip"'


@pytest.mark.parametrize(("name", "size"), [("color.png", 192), ("outline.png", 32), ("icon-128.png", 128)])
def test_route_serves_the_package_icons(client, name, size):
    with client.get(f"/manifest/icons/{name}") as response:  # a file response: closed when done
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert png_size(response.data) == (size, size)
