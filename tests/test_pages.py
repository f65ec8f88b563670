"""The staff pages the manifests link to: /addin/help.html, /privacy and /terms, written from the settings."""
from __future__ import annotations

import pytest

PAGES = ("/addin/help.html", "/privacy", "/terms")


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_html_with_the_pane_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]  # Office never frames them
    assert response.headers["Referrer-Policy"] == "no-referrer"
    text = response.get_data(as_text=True)
    assert text.startswith("<!doctype html>")
    assert 'href="/addin/styles.css"' in text and 'href="/addin/pages.css"' in text
    assert "<script" not in text


@pytest.mark.parametrize("path", PAGES)
def test_pages_name_the_provider_escaped(app_config, path):
    from server.app import create_app

    client = create_app({**app_config, "PROVIDER_NAME": "Dept <Finance> & Co", "ADDIN_NAME": "Scribe"}).test_client()
    text = client.get(path).get_data(as_text=True)
    assert "Dept &lt;Finance&gt; &amp; Co" in text and "<Finance>" not in text
    assert "<title>" in text and "Scribe</title>" in text


def test_the_stylesheet_the_pages_use_is_served(client):
    response = client.get("/addin/pages.css", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(("settings", "expected"), [
    ({"MODEL_PROVIDER": "openai", "MODEL_BASE_URL": "https://llm.agency.gov/v1", "MODEL_NAME": "gpt-x"},
     "the model service at llm.agency.gov (gpt-x)"),
    ({"MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": "https://agency.openai.azure.us", "AZURE_DEPLOYMENT": "gpt",
      "AZURE_API_KEY": "k"}, "the Azure OpenAI service at agency.openai.azure.us"),
    ({"MODEL_PROVIDER": "local", "LOCAL_MODEL_URL": "http://127.0.0.1:3001/v1"},
     "a model that runs on the Drafter server itself (SmolLM2-135M-Instruct)"),
    ({"MODEL_PROVIDER": "local", "LOCAL_MODEL_URL": "http://gpu-7.agency.internal:3001/v1"},
     "a model that runs at gpu-7.agency.internal"),
])
def test_privacy_names_the_configured_model_without_secrets(app_config, settings, expected):
    from server.app import create_app

    client = create_app({**app_config, **settings}).test_client()
    text = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert expected in text
    assert "/v1" not in text and "AZURE_API_KEY" not in text


def test_privacy_says_what_is_kept(client):
    text = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert "No copy of your documents" in text
    assert "Metadata only, never the text" in text
    assert "Microsoft Graph" not in text  # dev mode: no Entra sign-in, no Graph


def test_privacy_in_entra_mode_mentions_sign_in_and_graph(app_config):
    from server.app import create_app

    client = create_app({**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": "https://drafter.agency.test",
                         "CLIENT_ID": "0c5f3d2e-0000-4000-8000-0000000d12af",
                         "TENANT_IDS": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]}).test_client()
    text = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert "Microsoft Entra ID" in text and "Microsoft Graph" in text
    assert "in the service's memory" in text


def test_pages_link_to_configured_policies(app_config):
    from server.app import create_app

    client = create_app({**app_config, "PRIVACY_URL": "https://agency.gov/privacy?x=1&y=2"}).test_client()
    text = client.get("/addin/help.html").get_data(as_text=True)
    assert 'href="https://agency.gov/privacy?x=1&amp;y=2"' in text
