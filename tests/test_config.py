"""Configuration: typed, validated once, and refused with one line naming the variable."""
from __future__ import annotations

import pytest

from server import config

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "11111111-2222-3333-4444-555555555555"
ENTRA = {"DRAFTER_CLIENT_ID": CLIENT, "DRAFTER_TENANT_IDS": TENANT}


def test_defaults_are_dev_friendly_but_entra_by_default():
    settings = config.load({"DRAFTER_AUTH_MODE": "dev"})
    assert settings["PUBLIC_URL"] == "https://localhost:3000"
    assert settings["MODEL_PROVIDER"] == "local"
    assert settings["MODEL_TOTAL_BUDGET"] == 120.0
    assert config.load(ENTRA)["AUTH_MODE"] == "entra"


def test_values_are_typed():
    settings = config.load({**ENTRA, "DRAFTER_MODEL_MAX_RETRIES": "5", "DRAFTER_MODEL_READ_TIMEOUT": "2.5",
                            "DRAFTER_TENANT_IDS": f" {TENANT.upper()} , {TENANT} "})
    assert settings["MODEL_MAX_RETRIES"] == 5
    assert settings["MODEL_READ_TIMEOUT"] == 2.5
    assert settings["TENANT_IDS"] == [TENANT, TENANT]


@pytest.mark.parametrize(("environ", "expected"), [
    ({"DRAFTER_AUTH_MODE": "magic"}, "DRAFTER_AUTH_MODE: must be one of entra, dev, got 'magic'"),
    ({}, "DRAFTER_CLIENT_ID: required in entra mode"),
    ({"DRAFTER_CLIENT_ID": CLIENT}, "DRAFTER_TENANT_IDS: required in entra mode"),
    ({"DRAFTER_CLIENT_ID": "not-a-guid", "DRAFTER_TENANT_IDS": TENANT}, "DRAFTER_CLIENT_ID: must be a GUID"),
    ({**ENTRA, "DRAFTER_TENANT_IDS": "contoso"}, "DRAFTER_TENANT_IDS: 'contoso' is not a GUID"),
    ({**ENTRA, "DRAFTER_ALLOWED_GROUPS": "drafters"}, "DRAFTER_ALLOWED_GROUPS: 'drafters' is not a GUID"),
    ({**ENTRA, "DRAFTER_MANIFEST_VERSION": "1.2"}, "DRAFTER_MANIFEST_VERSION: must be a version such as 1.4.2"),
    ({**ENTRA, "DRAFTER_GRAPH_URL": "graph.microsoft.com"}, "DRAFTER_GRAPH_URL:"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "http://drafter.agency.gov"}, "DRAFTER_PUBLIC_URL: must be https"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "http://localhost:3000"}, "DRAFTER_PUBLIC_URL: must be https"),
    ({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://drafter.test",
      "DRAFTER_DEV_ALLOW_NON_LOOPBACK": "true"}, "DRAFTER_PUBLIC_URL: must be https"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "ftp://drafter.agency.gov"}, "DRAFTER_PUBLIC_URL: must be an http(s) URL"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "https://agency.gov/drafter"}, "DRAFTER_PUBLIC_URL: must be an origin"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "https://agency.gov/?tenant=1"}, "DRAFTER_PUBLIC_URL: must be an origin"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "https://agency.gov#pane"}, "DRAFTER_PUBLIC_URL: must be an origin"),
    ({**ENTRA, "DRAFTER_PUBLIC_URL": "https://ann:pw@agency.gov"}, "DRAFTER_PUBLIC_URL: must be an origin"),
    ({**ENTRA, "DRAFTER_SUPPORT_URL": "http://help.agency.gov"}, "DRAFTER_SUPPORT_URL: must be an https URL"),
    ({**ENTRA, "DRAFTER_PRIVACY_URL": "agency.gov/privacy"}, "DRAFTER_PRIVACY_URL: must be an https URL"),
    ({**ENTRA, "DRAFTER_TERMS_URL": "https:///terms"}, "DRAFTER_TERMS_URL: must be an https URL"),
    ({**ENTRA, "DRAFTER_TERMS_URL": "https://agency.gov/terms of use"}, "DRAFTER_TERMS_URL: must be an https URL"),
    ({**ENTRA, "DRAFTER_ADDIN_NAME": "Drafter, the departmental writing aid"}, "DRAFTER_ADDIN_NAME: must be 1 to 30"),
    ({**ENTRA, "DRAFTER_PROVIDER_NAME": "x" * 33}, "DRAFTER_PROVIDER_NAME: must be 1 to 32"),
    ({**ENTRA, "DRAFTER_ADDIN_DESCRIPTION": "x" * 81}, "DRAFTER_ADDIN_DESCRIPTION: must be 1 to 80"),
    ({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "https://drafter.agency.gov"},
     "DRAFTER_AUTH_MODE: dev mode only runs on loopback"),
    ({**ENTRA, "DRAFTER_MODEL_PROVIDER": "openai"}, "DRAFTER_MODEL_BASE_URL: required when"),
    ({**ENTRA, "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": "ftp://x"},
     "DRAFTER_MODEL_BASE_URL: must be an http(s) URL"),
    ({**ENTRA, "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": "https://api.openai.com/v1"},
     "DRAFTER_MODEL_NAME: required when"),
    ({**ENTRA, "DRAFTER_MODEL_PROVIDER": "azure"}, "DRAFTER_AZURE_ENDPOINT: required when"),
    ({**ENTRA, "DRAFTER_MODEL_PROVIDER": "azure", "DRAFTER_AZURE_ENDPOINT": "https://x.openai.azure.com",
      "DRAFTER_AZURE_DEPLOYMENT": "gpt"}, "DRAFTER_CLIENT_SECRET: required for Azure OpenAI without"),
    ({**ENTRA, "DRAFTER_MODEL_MAX_RETRIES": "many"}, "DRAFTER_MODEL_MAX_RETRIES: must be a whole number"),
    ({**ENTRA, "DRAFTER_MODEL_MAX_RETRIES": "99"}, "DRAFTER_MODEL_MAX_RETRIES: must be between 0 and 10"),
    ({**ENTRA, "DRAFTER_MODEL_TOTAL_BUDGET": "soon"}, "DRAFTER_MODEL_TOTAL_BUDGET: must be a number"),
    ({**ENTRA, "DRAFTER_MODEL_CONNECT_TIMEOUT": "30", "DRAFTER_MODEL_TOTAL_BUDGET": "10"},
     "DRAFTER_MODEL_CONNECT_TIMEOUT: longer than"),
    ({**ENTRA, "DRAFTER_DEV_ALLOW_NON_LOOPBACK": "perhaps"}, "DRAFTER_DEV_ALLOW_NON_LOOPBACK: must be true or false"),
    ({**ENTRA, "DRAFTER_POLICY_FILE": "/nonexistent/policy.yaml"}, "DRAFTER_POLICY_FILE: no such file"),
])
def test_bad_values_are_refused_in_one_line(environ, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load(environ)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_dev_mode_on_a_public_host_needs_the_explicit_override():
    settings = config.load({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "https://drafter.test",
                            "DRAFTER_DEV_ALLOW_NON_LOOPBACK": "true"})
    assert settings["AUTH_MODE"] == "dev"


@pytest.mark.parametrize("public_url", ["http://localhost:3000", "http://127.0.0.1:3000", "https://localhost:3000"])
def test_dev_mode_may_serve_plain_http_on_loopback(public_url):
    assert config.load({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": public_url})["PUBLIC_URL"] == public_url


def test_manifest_links_may_point_elsewhere_over_https():
    settings = config.load({**ENTRA, "DRAFTER_SUPPORT_URL": "https://intranet.agency.gov/help?app=drafter",
                            "DRAFTER_PRIVACY_URL": "https://agency.gov/privacy"})
    assert settings["SUPPORT_URL"] == "https://intranet.agency.gov/help?app=drafter"


def test_azure_with_key_needs_no_client_credentials():
    settings = config.load({**ENTRA, "DRAFTER_MODEL_PROVIDER": "azure", "DRAFTER_AZURE_ENDPOINT":
                            "https://x.openai.azure.com/", "DRAFTER_AZURE_DEPLOYMENT": "gpt-4o",
                            "DRAFTER_AZURE_API_KEY": "k"})
    assert settings["AZURE_ENDPOINT"] == "https://x.openai.azure.com"


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True),
    ("drafter.agency.gov", False), ("10.0.0.1", False), ("", False), (None, False),
])
def test_loopback_hosts(host, loopback):
    assert config.is_loopback_host(host) is loopback


def test_wsgi_prints_one_line_and_exits_on_bad_config(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run([sys.executable, "-c", "import server.wsgi"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "DRAFTER_AUTH_MODE": "sideways"}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("drafter: configuration error: DRAFTER_AUTH_MODE: must be one of entra, dev, "
                                     "got 'sideways'")
