"""Azure OpenAI with no key, end to end: the app takes its own token from (fake) Entra ID with the client
credentials grant through the real msal, sends it to the model, and never forwards the user's token."""
from __future__ import annotations

import logging
import re
import socket
import time

import pytest

from server.auth.client_credentials import ClientCredentialsTokenProvider
from server.errors import UpstreamTimeout
from tests.fakes.entra import COGNITIVE_SERVICES, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.")
REWRITE = {"text": "hey all, meeting moved to 3pm", "tone": "formal"}


@pytest.fixture
def azure_app(entra_obo_config, upstream):
    from server.app import create_app

    return create_app({**entra_obo_config, "MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": upstream.azure_endpoint,
                       "AZURE_DEPLOYMENT": "drafter-gpt4o", "AZURE_API_KEY": ""})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_model_gets_the_apps_own_token_never_the_users(azure_app, upstream, fake_entra, obo_grant, caplog):
    caplog.set_level(logging.DEBUG)
    seen = []

    def app_token(token: str) -> bool:  # what Azure OpenAI checks: our app, for Cognitive Services
        claims = fake_entra.decode(token, audience=COGNITIVE_SERVICES)
        seen.append(claims)
        return claims["azp"] == DEFAULT_CLIENT_ID and claims["tid"] == fake_entra.tenant_id
    upstream.token_check = app_token
    client = azure_app.test_client()
    user_tokens = [obo_grant.user_assertion(user=u) for u in ("ada@agency.gov", "ben@agency.gov")]
    for token in user_tokens:
        response = client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(token))
        assert response.status_code == 200, response.get_json()
        assert JWT.search(response.get_data(as_text=True)) is None  # no token in what the user gets back
    [grant] = [r["form"] for r in fake_entra.requests if r["method"] == "POST"]
    assert grant["grant_type"] == "client_credentials" and grant["scope"] == f"{COGNITIVE_SERVICES}/.default"
    assert fake_entra.token_requests == 1  # one app token, cached by MSAL for both users
    assert not [r for r in fake_entra.requests if "discovery/instance" in r["path"]]  # instance discovery off
    sent = {r["headers"].get("Authorization") for r in upstream.requests}
    assert len(sent) == 1 and sent.isdisjoint({f"Bearer {t}" for t in user_tokens})
    assert all("api-key" not in r["headers"] for r in upstream.requests)
    assert len(seen) == 2 and "scp" not in seen[0]  # an application token, no user in it
    assert not JWT.search(caplog.text)


def test_entra_refusing_the_app_is_a_502_naming_the_code(entra_obo_config, upstream, obo_grant, caplog):
    from server.app import create_app

    caplog.set_level(logging.DEBUG)
    app = create_app({**entra_obo_config, "MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": upstream.azure_endpoint,
                      "AZURE_DEPLOYMENT": "drafter-gpt4o", "AZURE_API_KEY": "", "CLIENT_SECRET": "not-the-secret"})
    response = app.test_client().post("/api/v1/rewrite", json=REWRITE, headers=bearer(obo_grant.user_assertion()))
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "upstream_error" and "AADSTS7000215" in body["message"]
    assert "not-the-secret" not in response.get_data(as_text=True) and "not-the-secret" not in caplog.text
    assert upstream.requests == []  # no model call without the app's token


def _provider(fake_entra, session, host=None):
    return ClientCredentialsTokenProvider(
        tenant_id=fake_entra.tenant_id, client_id=DEFAULT_CLIENT_ID, client_credential=DEFAULT_CLIENT_SECRET,
        scope=f"{COGNITIVE_SERVICES}/.default", session=session, authority_host=host or fake_entra.authority_host,
        timeout=(1.0, 0.5), verify=fake_entra.ca_path)


def test_entra_slow_to_answer_the_token_request(fake_entra, session):
    grant = fake_entra.grant_handlers["client_credentials"]

    def slow(tenant, form):
        time.sleep(1.5)
        return grant(tenant, form)
    fake_entra.grant_handlers["client_credentials"] = slow
    with pytest.raises(UpstreamTimeout, match="did not answer the token request in time"):
        _provider(fake_entra, session).get_token()


def test_entra_silent_before_it_describes_the_tenant(fake_entra, session):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        provider = _provider(fake_entra, session, host=f"https://127.0.0.1:{silent.getsockname()[1]}")
        with pytest.raises(UpstreamTimeout, match="did not answer in time"):
            provider.get_token()
