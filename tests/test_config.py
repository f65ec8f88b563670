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
    assert result.returncode == 3  # gunicorn: worker failed to boot, so the master stops too
    assert result.stderr.strip() == ("drafter: configuration error: DRAFTER_AUTH_MODE: must be one of entra, dev, "
                                     "got 'sideways'")


# --- the Entra authority host: https only, normalized so the issuers it gives match Entra's ----

@pytest.mark.parametrize(("value", "expected"), [
    ("https://login.microsoftonline.com", "https://login.microsoftonline.com"),
    ("HTTPS://Login.MicrosoftOnline.US/", "https://login.microsoftonline.us"),
    ("https://login.microsoftonline.com:443", "https://login.microsoftonline.com"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
])
def test_the_authority_host_is_normalized(value, expected):
    assert config.load({**ENTRA, "DRAFTER_AUTHORITY_HOST": value})["AUTHORITY_HOST"] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("http://login.microsoftonline.com", "DRAFTER_AUTHORITY_HOST: must be an https URL"),
    ("http://127.0.0.1:9", "DRAFTER_AUTHORITY_HOST: must be an https URL"),
    ("login.microsoftonline.com", "DRAFTER_AUTHORITY_HOST: must be an http(s) URL"),
    ("https://login.microsoftonline.com/common", "DRAFTER_AUTHORITY_HOST: must be an origin"),
    ("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
     "DRAFTER_AUTHORITY_HOST: must be an origin"),
    ("https://login.microsoftonline.com:0", "DRAFTER_AUTHORITY_HOST: the port must be a number"),
])
def test_an_authority_host_tokens_cannot_safely_use_is_refused(value, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, "DRAFTER_AUTHORITY_HOST": value})
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


# --- the public origin: normalized where URLs are case-insensitive, refused where the manifests would break ----

@pytest.mark.parametrize(("public_url", "expected"), [
    ("HTTPS://Drafter.Agency.GOV", "https://drafter.agency.gov"),  # schemes and hosts are case-insensitive
    ("https://drafter.agency.gov/", "https://drafter.agency.gov"),
    ("https://drafter.agency.gov//", "https://drafter.agency.gov"),
    ("https://drafter.agency.gov:443", "https://drafter.agency.gov"),  # the default port is no port
    ("HTTPS://DRAFTER.agency.gov:443/", "https://drafter.agency.gov"),
    ("https://drafter.agency.gov:", "https://drafter.agency.gov"),
    ("https://drafter.agency.gov:8443/", "https://drafter.agency.gov:8443"),
    ("https://xn--gency-fra.gov", "https://xn--gency-fra.gov"),
    ("https://10.1.2.3:443", "https://10.1.2.3"),
    ("  https://drafter.agency.gov  ", "https://drafter.agency.gov"),
])
def test_the_public_url_is_normalized_at_load(public_url, expected):
    assert config.load({**ENTRA, "DRAFTER_PUBLIC_URL": public_url})["PUBLIC_URL"] == expected


@pytest.mark.parametrize(("public_url", "expected"), [
    ("HTTP://LOCALHOST:3000", "http://localhost:3000"),
    ("http://localhost:80/", "http://localhost"),
    ("https://[::1]:3000", "https://[::1]:3000"),
    ("https://[0:0:0:0:0:0:0:1]:443", "https://[::1]"),
])
def test_a_dev_origin_is_normalized_too(public_url, expected):
    assert config.load({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": public_url})["PUBLIC_URL"] == expected


@pytest.mark.parametrize(("public_url", "expected"), [
    ("https://drafter.ägency.gov", "DRAFTER_PUBLIC_URL: the host must be written in ASCII (its xn-- punycode form "
                                   "such as drafter.xn--gency-fra.gov)"),
    ("https://DRAFTER.ÄGENCY.gov", "DRAFTER_PUBLIC_URL: the host must be written in ASCII"),
    ("https://@drafter.agency.gov", "DRAFTER_PUBLIC_URL: must be an origin"),  # an empty user is still a user
    ("https://ann@drafter.agency.gov", "DRAFTER_PUBLIC_URL: must be an origin"),
    ("https://drafter.agency.gov?", "DRAFTER_PUBLIC_URL: must be an origin"),  # an empty query is still one
    ("https://drafter.agency.gov#", "DRAFTER_PUBLIC_URL: must be an origin"),
    ("https://drafter.agency.gov/#pane", "DRAFTER_PUBLIC_URL: must be an origin"),
    ("https://drafter.agency.gov/addin/", "DRAFTER_PUBLIC_URL: must be an origin"),
    ("https://drafter.agency.gov:0", "DRAFTER_PUBLIC_URL: the port must be a number from 1 to 65535"),
    ("https://drafter.agency.gov:65536", "DRAFTER_PUBLIC_URL: the port must be a number from 1 to 65535"),
    ("https://drafter.agency.gov:https", "DRAFTER_PUBLIC_URL: the port must be a number from 1 to 65535"),
    ("https://drafter.agency.gov.", "DRAFTER_PUBLIC_URL: 'drafter.agency.gov.' is not a valid host name"),
    ("https://drafter_1.agency.gov", "DRAFTER_PUBLIC_URL: 'drafter_1.agency.gov' is not a valid host name"),
    ("https://drafter agency.gov", "DRAFTER_PUBLIC_URL: 'drafter agency.gov' is not a valid host name"),
    ("https://drafter.agency.gov\\pane", "DRAFTER_PUBLIC_URL: 'drafter.agency.gov\\\\pane' is not a valid host"),
    ("https://-drafter.agency.gov", "DRAFTER_PUBLIC_URL: '-drafter.agency.gov' is not a valid host name"),
    ("https://%64rafter.agency.gov", "DRAFTER_PUBLIC_URL: '%64rafter.agency.gov' is not a valid host name"),
    ("https://" + "a" * 64 + ".gov", "DRAFTER_PUBLIC_URL: '" + "a" * 64 + ".gov' is not a valid host name"),
    ("https:/drafter.agency.gov", "DRAFTER_PUBLIC_URL: must be an http(s) URL"),
    ("drafter.agency.gov", "DRAFTER_PUBLIC_URL: must be an http(s) URL"),
])
def test_public_url_forms_that_would_fail_later_are_refused_in_one_line(public_url, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, "DRAFTER_PUBLIC_URL": public_url})
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("SUPPORT_URL", "HTTPS://Intranet.Agency.GOV/Help?App=Drafter", "https://intranet.agency.gov/Help?App=Drafter"),
    ("PRIVACY_URL", "https://agency.gov:443/privacy#data", "https://agency.gov/privacy#data"),
    ("TERMS_URL", "https://agency.gov:8443/Terms", "https://agency.gov:8443/Terms"),
])
def test_manifest_links_keep_their_path_but_not_their_case_or_default_port(name, value, expected):
    assert config.load({**ENTRA, f"DRAFTER_{name}": value})[name] == expected


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("SUPPORT_URL", "https://ann@intranet.agency.gov/help", "DRAFTER_SUPPORT_URL: must be an https URL"),
    ("PRIVACY_URL", "https://agency.gov/" + "p" * 2040, "DRAFTER_PRIVACY_URL: must be an https URL of at most 2048"),
    ("TERMS_URL", "https://agency.gov:99999/terms", "DRAFTER_TERMS_URL: the port must be a number"),
    ("TERMS_URL", "https://ägency.gov/terms", "DRAFTER_TERMS_URL: the host must be written in ASCII"),
])
def test_manifest_links_that_the_manifests_cannot_carry_are_refused(name, value, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, f"DRAFTER_{name}": value})
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


# --- the application ID URI: what Office single sign-on requires -------------------------------------------

@pytest.mark.parametrize(("public_url", "app_id_uri"), [
    ("https://drafter.agency.gov", f"api://drafter.agency.gov/{CLIENT}"),
    ("https://drafter.agency.gov:8443", f"api://drafter.agency.gov:8443/{CLIENT}"),
    ("https://drafter.agency.gov:443", f"api://drafter.agency.gov/{CLIENT}"),  # the origin drops :443
    ("HTTPS://Drafter.Agency.gov", f"api://drafter.agency.gov/{CLIENT}"),
    ("https://drafter.agency.gov", f"api://Drafter.Agency.gov/{CLIENT.upper()}"),  # kept as written
])
def test_an_app_id_uri_on_the_panes_host_and_port_is_accepted(public_url, app_id_uri):
    settings = config.load({**ENTRA, "DRAFTER_PUBLIC_URL": public_url, "DRAFTER_APP_ID_URI": app_id_uri})
    assert settings["APP_ID_URI"] == app_id_uri


@pytest.mark.parametrize(("environ", "expected"), [
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov:8443", "DRAFTER_APP_ID_URI": f"api://drafter.agency.gov/{CLIENT}"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov:8443/{CLIENT} (Office single sign-on needs api://, the "
     "host and port of DRAFTER_PUBLIC_URL and DRAFTER_CLIENT_ID), got 'api://drafter.agency.gov/"),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov", "DRAFTER_APP_ID_URI": f"api://drafter.agency.gov:443/{CLIENT}"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov", "DRAFTER_APP_ID_URI": f"api://agency.gov/{CLIENT}"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov",
      "DRAFTER_APP_ID_URI": "api://drafter.agency.gov/99999999-2222-3333-4444-555555555555"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov", "DRAFTER_APP_ID_URI": f"https://drafter.agency.gov/{CLIENT}"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov", "DRAFTER_APP_ID_URI": f"api://drafter.agency.gov/{CLIENT}/"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov",
      "DRAFTER_APP_ID_URI": f"api://drafter.agency.gov/{CLIENT}/access_as_user"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
    ({"DRAFTER_PUBLIC_URL": "https://drafter.agency.gov", "DRAFTER_APP_ID_URI": "api://drafter.agency.gov"},
     f"DRAFTER_APP_ID_URI: must be api://drafter.agency.gov/{CLIENT} "),
])
def test_an_app_id_uri_that_office_sso_would_refuse_is_refused_in_one_line(environ, expected):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, **environ})
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_an_app_id_uri_needs_a_client_id():
    with pytest.raises(config.ConfigError) as caught:
        config.load({"DRAFTER_AUTH_MODE": "dev", "DRAFTER_APP_ID_URI": "api://localhost:3000/x"})
    assert str(caught.value) == "DRAFTER_APP_ID_URI: set without DRAFTER_CLIENT_ID (it must be api://<host>/<client id>)"


# --- the manifests' ids: GUIDs, one per manifest ------------------------------------------------------------

WORD_ID, OUTLOOK_ID, APP_ID = ("0e7c2a4b-1111-4222-8333-94445555666" + last for last in "678")


@pytest.mark.parametrize("name", ["WORD_ADDIN_ID", "OUTLOOK_ADDIN_ID", "APP_ID"])
@pytest.mark.parametrize("value", ["drafter-word", "{0e7c2a4b-1111-4222-8333-944455556666}",
                                   "0e7c2a4b111142228333944455556666", "0e7c2a4b-1111-4222-8333-94445555666",
                                   "0e7c2a4b-1111-4222-8333-94445555666g"])
def test_a_manifest_id_that_is_not_a_guid_is_refused(name, value):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, f"DRAFTER_{name}": value})
    assert str(caught.value) == f"DRAFTER_{name}: must be a GUID, got {value!r}"


def _derived(kind: str, public_url: str = "https://localhost:3000") -> str:
    from server.manifests.common import derived_id

    return derived_id(public_url, kind)


@pytest.mark.parametrize(("environ", "culprit", "other"), [
    ({"DRAFTER_WORD_ADDIN_ID": WORD_ID, "DRAFTER_OUTLOOK_ADDIN_ID": WORD_ID}, "OUTLOOK_ADDIN_ID", "DRAFTER_WORD_ADDIN_ID"),
    ({"DRAFTER_WORD_ADDIN_ID": WORD_ID, "DRAFTER_OUTLOOK_ADDIN_ID": WORD_ID.upper()}, "OUTLOOK_ADDIN_ID",
     "DRAFTER_WORD_ADDIN_ID"),
    ({"DRAFTER_WORD_ADDIN_ID": WORD_ID, "DRAFTER_APP_ID": WORD_ID}, "APP_ID", "DRAFTER_WORD_ADDIN_ID"),
    ({"DRAFTER_OUTLOOK_ADDIN_ID": OUTLOOK_ID, "DRAFTER_APP_ID": OUTLOOK_ID}, "APP_ID", "DRAFTER_OUTLOOK_ADDIN_ID"),
    ({"DRAFTER_WORD_ADDIN_ID": WORD_ID, "DRAFTER_OUTLOOK_ADDIN_ID": WORD_ID, "DRAFTER_APP_ID": WORD_ID},
     "OUTLOOK_ADDIN_ID", "DRAFTER_WORD_ADDIN_ID"),
    # An admin who copies one downloaded manifest's id into another's setting:
    ({"DRAFTER_WORD_ADDIN_ID": _derived("outlook")}, "WORD_ADDIN_ID", "the default id of the Outlook add-in"),
    ({"DRAFTER_OUTLOOK_ADDIN_ID": _derived("word")}, "OUTLOOK_ADDIN_ID", "the default id of the Word add-in"),
    ({"DRAFTER_APP_ID": _derived("word")}, "APP_ID", "the default id of the Word add-in"),
    ({"DRAFTER_APP_ID": _derived("outlook")}, "APP_ID", "the default id of the Outlook add-in"),
    ({"DRAFTER_WORD_ADDIN_ID": _derived("app")}, "WORD_ADDIN_ID", "the default id of the unified app"),
    ({"DRAFTER_PUBLIC_URL": "HTTPS://Drafter.Agency.gov:443/",
      "DRAFTER_OUTLOOK_ADDIN_ID": _derived("app", "https://drafter.agency.gov")}, "OUTLOOK_ADDIN_ID",
     "the default id of the unified app"),
])
def test_equal_manifest_ids_are_refused_in_one_line(environ, culprit, other):
    with pytest.raises(config.ConfigError) as caught:
        config.load({**ENTRA, **environ})
    message = str(caught.value)
    assert message.startswith(f"DRAFTER_{culprit}: the same id as {other} (")
    assert "each need their own" in message and "\n" not in message


def test_distinct_manifest_ids_are_kept():
    settings = config.load({**ENTRA, "DRAFTER_WORD_ADDIN_ID": WORD_ID.upper(), "DRAFTER_OUTLOOK_ADDIN_ID": OUTLOOK_ID,
                            "DRAFTER_APP_ID": APP_ID})
    assert (settings["WORD_ADDIN_ID"], settings["OUTLOOK_ADDIN_ID"], settings["APP_ID"]) == (WORD_ID, OUTLOOK_ID, APP_ID)
    assert config.load({**ENTRA, "DRAFTER_WORD_ADDIN_ID": _derived("word")})["WORD_ADDIN_ID"] == _derived("word")
