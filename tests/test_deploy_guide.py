"""The admin guide (docs/deploy.md) against the service it describes: what it names exists, and it says one thing."""
from __future__ import annotations

import re

import pytest

from server import config
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_every_setting_the_guide_names_is_a_setting(guide):
    named = set(re.findall(r"\bDRAFTER_([A-Z][A-Z0-9_]*[A-Z0-9])\b", guide))
    assert named, "the guide names the settings it relies on"
    assert named - set(config.BY_NAME) == set()


def test_every_drafter_page_the_guide_names_is_served(guide, client):
    """A page the guide sends admins or users to exists (the task pane included: no 'built later' notes)."""
    paths = set(re.findall(r"(?<![\w.])(/(?:addin|manifest)/[\w./-]+\.(?:html|xml|json|zip|png)|/healthz)\b", guide))
    assert {"/addin/taskpane.html", "/manifest/word.xml", "/manifest/package.zip", "/healthz"} <= paths
    for path in sorted(paths):
        assert client.get(path, buffered=True).status_code == 200, path
    assert "later issue" not in guide and "until it ships" not in guide.lower()


def test_the_guide_gives_one_windows_version_for_the_unified_manifest(guide):
    """Microsoft's client support table gives one figure for Office on Windows; the guide repeats it everywhere
    (its only "Version NNNN (Build ...)" figures are the unified manifest's; other minimums are plain versions)."""
    versions = set(re.findall(r"unified from (\d{4})\b", guide)) | set(re.findall(r"Version (\d{4}) \(Build", guide))
    assert versions == {"2304"}
    assert "16.103" not in guide  # no Mac version: Office on Mac does not take the unified manifest directly


def test_the_guide_explains_the_manifest_generated_from_alternate_icons(guide):
    assert "`alternateIcons`" in guide and "generates an add-in only (XML) manifest" in guide
