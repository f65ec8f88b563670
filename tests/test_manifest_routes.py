"""Every URL inside every manifest and the package is served by the running app, on the configured origin.

Also: the manifest routes' headers, the icons, the staff pages and `flask manifest build`.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile
from urllib.parse import urlsplit

import pytest
from lxml import etree

from server.manifests.common import ICON_SIZES, PACKAGE_ICONS

ORIGIN = "https://drafter.agency.test"
CLIENT = "0c5f3d2e-0000-4000-8000-0000000d12af"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TASKPANE = "/addin/taskpane.html"
MANIFESTS = ("word.xml", "outlook.xml", "manifest.json", "package.zip")
# URLs a manifest names that are not this service's pages: the sign-in host (AppDomains, validDomains) and
# the unified manifest's $schema.
EXTERNAL = {"https://login.microsoftonline.com",
            "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"}


@pytest.fixture(params=["entra", "dev"])
def deployment(request, app_config):
    """An entra deployment on a public origin, and a dev one on localhost (https, as make run serves it)."""
    if request.param == "entra":
        return {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": ORIGIN, "CLIENT_ID": CLIENT,
                "TENANT_IDS": [TENANT]}
    return {**app_config, "PUBLIC_URL": "https://localhost:3000"}


@pytest.fixture
def served(deployment):
    from server.app import create_app

    app = create_app(deployment)
    return app, app.test_client(), deployment["PUBLIC_URL"]


# Every GET reads the body whole (buffered), so a file served from disk is closed at once.
def fetch(client, origin: str, url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == origin, f"{url} is not on the public origin {origin}"
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), base_url=origin, buffered=True)


def download(client, origin: str, name: str) -> bytes:
    return client.get(f"/manifest/{name}", base_url=origin, buffered=True).data


def urls_in_xml(body: bytes) -> set[str]:
    doc = etree.fromstring(body)
    found = set()
    for element in doc.iter():
        values = [*element.attrib.values(), element.text or ""]
        found.update(v.strip() for v in values if v.strip().startswith(("http://", "https://")))
    return found


def urls_in_json(node) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(urls_in_json(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(urls_in_json(v) for v in node)) if node else set()
    return {node} if isinstance(node, str) and node.startswith(("http://", "https://")) else set()


def manifest_urls(client, origin: str) -> set[str]:
    urls = set()
    for name in ("word.xml", "outlook.xml"):
        urls |= urls_in_xml(download(client, origin, name))
    urls |= urls_in_json(json.loads(download(client, origin, "manifest.json")))
    with zipfile.ZipFile(io.BytesIO(download(client, origin, "package.zip"))) as package:
        urls |= urls_in_json(json.loads(package.read("manifest.json")))
    return urls


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def expected_type(path: str) -> str:
    if path.endswith(".png"):
        return "image/png"
    return "text/html; charset=utf-8"  # the pane, help, privacy and terms


def test_every_url_in_every_manifest_is_served_on_the_public_origin(served):
    app, client, origin = served
    urls = manifest_urls(client, origin) - EXTERNAL
    paths = {urlsplit(url).path for url in urls}
    # What the manifests must name, at least: the pane, every icon size, help, privacy and terms.
    assert {TASKPANE, "/addin/help.html", "/privacy", "/terms"} <= paths
    assert {f"/manifest/icons/icon-{size}.png" for size in (16, 32, 64, 80, 128)} <= paths
    checked = 0
    for url in sorted(urls):
        response = fetch(client, origin, url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == expected_type(urlsplit(url).path), url
        checked += 1
    assert checked >= 8


def test_the_pane_url_is_the_add_in_page_in_both_hosts(served):
    _, client, origin = served
    for name in ("word.xml", "outlook.xml"):
        doc = etree.fromstring(download(client, origin, name))
        sources = {el.get("DefaultValue") for el in doc.iter("{*}SourceLocation") if el.get("DefaultValue")}
        sources |= {el.get("DefaultValue") for el in doc.iter("{*}Url")}
        assert origin + TASKPANE in sources


def test_icons_have_the_size_their_name_says(served):
    _, client, origin = served
    for size in ICON_SIZES:
        response = client.get(f"/manifest/icons/icon-{size}.png", base_url=origin, buffered=True)
        assert png_size(response.data) == (size, size)
    package_sizes = {"color.png": (192, 192), "outline.png": (32, 32)}
    with zipfile.ZipFile(io.BytesIO(download(client, origin, "package.zip"))) as package:
        manifest = json.loads(package.read("manifest.json"))
        assert set(manifest["icons"].values()) == set(PACKAGE_ICONS)
        for name in PACKAGE_ICONS:
            assert png_size(package.read(name)) == package_sizes[name]
            assert download(client, origin, f"icons/{name}") == package.read(name)


# --- every icon a manifest names is a PNG of the size it claims ---------------------------------------------
# The XML manifests' IconUrl and HighResolutionIconUrl have fixed sizes by add-in type (Microsoft's manifest
# reference: task pane 32 and 64, mail 64 and 128); bt:Image elements claim theirs with `size` and point at a
# bt:Images entry through `resid`. The unified manifest names {"size", "url"} objects (ribbons, alternateIcons)
# and its package icons: color 192x192 and outline 32x32.
XML_ICON_SIZES = {"TaskPaneApp": (32, 64), "MailApp": (64, 128)}
PACKAGE_ICON_SIZES = {"color": 192, "outline": 32}


def xml_icon_claims(body: bytes) -> list[tuple[str, int, str]]:
    """(where, claimed size, URL) for every icon in an XML manifest."""
    doc = etree.fromstring(body)
    icon, high = XML_ICON_SIZES[doc.get("{http://www.w3.org/2001/XMLSchema-instance}type")]
    claims = [("IconUrl", icon, doc.find("{*}IconUrl").get("DefaultValue")),
              ("HighResolutionIconUrl", high, doc.find("{*}HighResolutionIconUrl").get("DefaultValue"))]
    for overrides in doc.iter("{*}VersionOverrides"):  # each one (Outlook nests 1.1 in 1.0) has its own resources
        urls = {image.get("id"): image.get("DefaultValue") for image in overrides.iterfind("{*}Resources/{*}Images/")}
        for use in overrides.iter("{*}Image"):
            if use.get("resid") and nearest_overrides(use) is overrides:
                claims.append((f"bt:Image {use.get('resid')}", int(use.get("size")), urls.get(use.get("resid"), "")))
    return claims


def nearest_overrides(element):
    while etree.QName(element).localname != "VersionOverrides":
        element = element.getparent()
    return element


def json_icon_claims(manifest: dict, where: str = "$") -> list[tuple[str, int, str]]:
    """(where, claimed size, URL) for every {"size", "url"} object in a unified manifest."""
    claims = []
    if isinstance(manifest, dict):
        if {"size", "url"} <= set(manifest):
            claims.append((where, manifest["size"], manifest["url"]))
        for key, value in manifest.items():
            claims += json_icon_claims(value, f"{where}.{key}")
    elif isinstance(manifest, list):
        for index, item in enumerate(manifest):
            claims += json_icon_claims(item, f"{where}[{index}]")
    return claims


def wrong_sizes(client, origin: str, claims) -> list[str]:
    """Every claim whose URL is not served as a PNG whose IHDR says exactly the claimed size."""
    wrong = []
    for where, size, url in claims:
        if not url:
            wrong.append(f"{where}: no URL")
            continue
        response = fetch(client, origin, url)
        if response.status_code != 200 or response.mimetype != "image/png":
            wrong.append(f"{where}: {url} answered {response.status_code} {response.mimetype}")
        elif png_size(response.data) != (size, size):
            wrong.append(f"{where}: {url} is {png_size(response.data)}, the manifest says {size}x{size}")
    return wrong


def test_every_icon_in_every_manifest_has_the_pixel_size_the_manifest_claims(served):
    _, client, origin = served
    checked = 0
    for name in ("word.xml", "outlook.xml"):
        claims = xml_icon_claims(download(client, origin, name))
        # IconUrl and HighResolutionIconUrl, then 3 sizes each for Word's group and button, and for Outlook's two
        # buttons (read, compose) in both VersionOverrides
        assert len(claims) == (2 + 2 * 3 if name == "word.xml" else 2 + 2 * 2 * 3), name
        assert wrong_sizes(client, origin, claims) == [], name
        checked += len(claims)
    with zipfile.ZipFile(io.BytesIO(download(client, origin, "package.zip"))) as package:
        packaged = json.loads(package.read("manifest.json"))
        for role, size in PACKAGE_ICON_SIZES.items():
            assert png_size(package.read(packaged["icons"][role])) == (size, size), role
        package_names = set(package.namelist())
    for manifest in (json.loads(download(client, origin, "manifest.json")), packaged):
        claims = json_icon_claims(manifest)
        assert len(claims) == 4 * 4 + 2 * 2  # 4 sizes x (2 groups + 2 buttons), then 2 x 2 alternateIcons
        assert wrong_sizes(client, origin, claims) == []
        assert set(manifest["icons"].values()) <= package_names
        for role, size in PACKAGE_ICON_SIZES.items():  # the package icons are served too, at the same size
            assert wrong_sizes(client, origin, [(role, size, f"{origin}/manifest/icons/{manifest['icons'][role]}")]) == []
        checked += len(claims)
    assert checked == 8 + 14 + 2 * 20


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    ("word.xml", '<bt:Image size="80" resid="Drafter.Icon.80"/>', '<bt:Image size="80" resid="Drafter.Icon.32"/>',
     "bt:Image Drafter.Icon.32: https://drafter.agency.test/manifest/icons/icon-32.png is (32, 32), the manifest "
     "says 80x80"),
    ("outlook.xml", "icons/icon-128.png", "icons/icon-64.png", "HighResolutionIconUrl: "),
    ("word.xml", "icons/icon-16.png", "icons/icon-17.png", "answered 404"),
])
def test_the_icon_size_check_catches_a_wrong_icon(app_config, name, old, new, expected):
    """The check bites: a manifest whose icon is another size than it claims (or missing) is reported."""
    from server.app import create_app

    config = {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": ORIGIN, "CLIENT_ID": CLIENT, "TENANT_IDS": [TENANT]}
    client = create_app(config).test_client()
    body = download(client, ORIGIN, name).decode("utf-8")
    assert old in body
    wrong = wrong_sizes(client, ORIGIN, xml_icon_claims(body.replace(old, new, 1).encode("utf-8")))
    assert wrong and any(expected in line for line in wrong), wrong


def test_the_icon_size_check_catches_a_wrong_json_icon(served):
    _, client, origin = served
    manifest = json.loads(download(client, origin, "manifest.json"))
    alternate = manifest["extensions"][0]["alternates"][1]["alternateIcons"]
    alternate["highResolutionIcon"]["url"] = alternate["icon"]["url"]  # a 64 px file claimed as 80
    assert wrong_sizes(client, origin, json_icon_claims(manifest)) == [
        f"$.extensions[0].alternates[1].alternateIcons.highResolutionIcon: {origin}/manifest/icons/icon-64.png is "
        "(64, 64), the manifest says 80x80"]


@pytest.mark.parametrize("written", [
    "HTTPS://DRAFTER.AGENCY.TEST", "https://Drafter.Agency.Test/", "https://drafter.agency.test:443",
    "HTTPS://drafter.agency.test:443/",
])
def test_a_public_url_written_another_way_serves_the_same_manifests(app_config, written):
    """Schemes and hosts are case-insensitive and :443 is https's own port: config normalizes them, so the unified
    manifest is not refused (409) as plain http and every URL names the one origin, ids included."""
    from server.app import create_app

    def deployment(public_url: str):
        config = {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": public_url, "CLIENT_ID": CLIENT,
                  "TENANT_IDS": [TENANT]}
        return create_app(config).test_client()

    client, canonical = deployment(written), deployment(ORIGIN)
    for name in MANIFESTS:
        response = client.get(f"/manifest/{name}", base_url=ORIGIN, buffered=True)
        assert response.status_code == 200, (name, response.get_json(silent=True))
        assert response.data == download(canonical, ORIGIN, name), name
    urls = manifest_urls(client, ORIGIN) - EXTERNAL
    assert urls and all(url.startswith(ORIGIN + "/") for url in urls)


@pytest.mark.parametrize(("path", "content_type", "filename"), [
    ("/manifest/word.xml", "application/xml; charset=utf-8", "drafter-word.xml"),
    ("/manifest/outlook.xml", "application/xml; charset=utf-8", "drafter-outlook.xml"),
    ("/manifest/manifest.json", "application/json; charset=utf-8", "drafter-manifest.json"),
    ("/manifest/package.zip", "application/zip", "drafter-package.zip"),
])
def test_manifests_download_without_sign_in(client, path, content_type, filename):
    response = client.get(path, buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_download_name_follows_the_add_in_name(app_config):
    from server.app import create_app

    client = create_app({**app_config, "ADDIN_NAME": "Agency Writer"}).test_client()
    response = client.get("/manifest/word.xml", buffered=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="agency-writer-word.xml"'


def test_icons_are_cacheable(client):
    response = client.get("/manifest/icons/icon-32.png", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.cache_control.public and response.cache_control.max_age == 24 * 3600


@pytest.mark.parametrize("path", [
    "/manifest/excel.xml", "/manifest/word.json", "/manifest/icons/icon-17.png", "/manifest/icons/draw.py",
    "/manifest/icons/../word.xml", "/manifest/icons/%2e%2e%2fword.xml", "/manifest/icons/.hidden.png",
    "/manifest/icons/Icon-32.PNG", "/manifest/icons/",
])
def test_anything_else_under_manifest_is_not_found(client, path):
    response = client.get(path, buffered=True)
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_the_manifest_routes_need_no_token_in_entra_mode(served):
    _, client, origin = served
    for name in MANIFESTS:
        assert client.get(f"/manifest/{name}", base_url=origin, buffered=True).status_code == 200


def test_build_writes_the_served_files(served, tmp_path):
    app, client, origin = served
    out = tmp_path / "dist" / "manifests"
    result = app.test_cli_runner().invoke(args=["manifest", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(MANIFESTS)
    for name in MANIFESTS:
        assert (out / name).read_bytes() == download(client, origin, name), name
    assert origin in result.output


def test_build_needs_an_output_folder(app):
    result = app.test_cli_runner().invoke(args=["manifest", "build"])
    assert result.exit_code == 2
    assert "--out" in result.output


def test_build_refuses_a_file_as_the_output_folder(app, tmp_path):
    target = tmp_path / "dist"
    target.write_text("not a folder")
    result = app.test_cli_runner().invoke(args=["manifest", "build", "--out", str(target)])
    assert result.exit_code == 2
    assert target.read_text() == "not a folder"


def test_over_plain_http_the_unified_manifest_is_refused_with_its_reason(app_config, tmp_path):
    """Dev mode may serve http on localhost; the XML manifests still render, the app manifest schema takes
    only https pages, so the unified manifest and its package are refused (409) rather than served invalid."""
    from server.app import create_app

    app = create_app({**app_config, "PUBLIC_URL": "http://localhost:3000"})
    client = app.test_client()
    for name in ("word.xml", "outlook.xml"):
        assert client.get(f"/manifest/{name}").status_code == 200
    for name in ("manifest.json", "package.zip"):
        response = client.get(f"/manifest/{name}")
        assert response.status_code == 409
        body = response.get_json()
        assert body["error"] == "https_required" and "needs an https public URL" in body["message"]
    result = app.test_cli_runner().invoke(args=["manifest", "build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1 and "needs an https public URL" in result.output
    assert not (tmp_path / "dist").exists()
