"""AzureOpenAIModel: deployment URL, api-key header, and Entra tokens from MSAL client credentials (fake Entra
over real HTTPS with a trustme CA)."""
from __future__ import annotations

import socket

import pytest

from server.auth.client_credentials import ClientCredentialsTokenProvider
from server.errors import ContentFiltered, UpstreamError
from server.llm.azure import AzureOpenAIModel
from server.llm.base import Usage
from server.llm.retry import RetryPolicy
from tests.fakes.entra import COGNITIVE_SERVICES, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeEntra
from tests.fakes.upstream import FakeUpstream

MESSAGES = [{"role": "user", "content": "Bonjour"}]
SCOPE = COGNITIVE_SERVICES + "/.default"
OPTIONS = dict(connect_timeout=1.0, read_timeout=2.0, total_budget=5.0,
               retry=RetryPolicy(max_retries=2, backoff_base=0.01))


@pytest.fixture
def upstream():
    with FakeUpstream(model="gpt-4o-2024-08-06") as up:
        yield up


@pytest.fixture
def entra():
    with FakeEntra() as fake:
        yield fake



def provider(entra, session, *, secret=DEFAULT_CLIENT_SECRET, tenant=None, host=None):
    return ClientCredentialsTokenProvider(
        tenant_id=tenant or entra.tenant_id, client_id=DEFAULT_CLIENT_ID, client_credential=secret, scope=SCOPE,
        session=session, authority_host=host or entra.authority_host, verify=entra.ca_path)


def keyed(upstream, session, key="azure-key") -> AzureOpenAIModel:
    return AzureOpenAIModel(endpoint=upstream.azure_endpoint, deployment="drafter-gpt4o", api_version="2024-10-21",
                            session=session, api_key=key, **OPTIONS)


def test_api_key_request_shape(upstream, session):
    upstream.require_key = "azure-key"
    result = keyed(upstream, session).complete(MESSAGES, max_tokens=20)
    assert result.text == "Fake answer." and result.model == "gpt-4o-2024-08-06"
    [request] = upstream.requests
    assert request["path"] == "/openai/deployments/drafter-gpt4o/chat/completions"
    assert request["query"] == {"api-version": "2024-10-21"}
    assert request["headers"]["api-key"] == "azure-key" and "Authorization" not in request["headers"]
    assert "model" not in request["json"] and request["json"]["max_tokens"] == 20


def test_api_key_stream_with_prompt_filter_chunk(upstream, session):
    upstream.queue_reply("Bonjour à tous.")
    with keyed(upstream, session).stream(MESSAGES) as stream:
        assert "".join(stream) == "Bonjour à tous."
    assert stream.usage == Usage(1, 3) and stream.model == "gpt-4o-2024-08-06"


def test_recorded_azure_stream(upstream, session, corpus_dir):
    upstream.queue_raw_stream((corpus_dir / "sse" / "azure-prompt-filter-results.txt").read_bytes(), chunk_size=3)
    with keyed(upstream, session).stream(MESSAGES) as stream:
        assert "".join(stream) == "Hallo Welt!"


def test_recorded_async_filter_verdict_raises(upstream, session, corpus_dir):
    upstream.queue_raw_stream((corpus_dir / "sse" / "azure-async-filter-flagged.txt").read_bytes())
    with pytest.raises(ContentFiltered, match="custom_blocklists"), keyed(upstream, session).stream(MESSAGES) as s:
        list(s)


def test_wrong_api_key(upstream, session):
    upstream.require_key = "azure-key"
    with pytest.raises(UpstreamError) as caught:
        keyed(upstream, session, key="not-the-key").complete(MESSAGES)
    assert str(caught.value) == "the model endpoint refused the API key (401)"
    assert len(upstream.requests) == 1


def test_ping(upstream, session):
    keyed(upstream, session).ping()
    assert upstream.requests[-1]["path"] == "/openai/models"


def test_client_credentials_token_is_used_and_cached(upstream, entra, session):
    upstream.token_check = lambda token: entra.decode(token, audience=COGNITIVE_SERVICES)["azp"] == DEFAULT_CLIENT_ID
    model = AzureOpenAIModel(endpoint=upstream.azure_endpoint, deployment="drafter-gpt4o", session=session,
                             token_provider=provider(entra, session), **OPTIONS)
    assert model.complete(MESSAGES).text == "Fake answer."
    with model.stream(MESSAGES) as stream:
        assert "".join(stream) == "Fake answer."
    assert model.complete(MESSAGES).text == "Fake answer."
    assert entra.token_requests == 1  # MSAL's cache served the second and third calls
    tokens = {r["headers"]["Authorization"] for r in upstream.requests}
    assert len(tokens) == 1 and tokens.pop().startswith("Bearer ey")
    assert all("api-key" not in r["headers"] for r in upstream.requests)


@pytest.fixture
def app_certificate(tmp_path):
    """The app registration's certificate: one PEM with the private key and the certificate, as admins keep it."""
    import trustme

    leaf = trustme.CA().issue_cert("drafter.agency.test", key_type=trustme.KeyType.RSA)
    path = tmp_path / "drafter-app.pem"
    path.write_bytes(leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes())
    return path, leaf.cert_chain_pems[0].bytes()


def test_client_credentials_with_a_certificate(upstream, entra, session, app_certificate):
    from server.auth.app_credential import load_client_credential

    path, certificate = app_certificate
    entra.certificates[DEFAULT_CLIENT_ID] = certificate
    model = AzureOpenAIModel(endpoint=upstream.azure_endpoint, deployment="drafter-gpt4o", session=session,
                             token_provider=provider(entra, session, secret=load_client_credential("", str(path))),
                             **OPTIONS)
    assert model.complete(MESSAGES).text == "Fake answer."
    [post] = [r for r in entra.requests if r["method"] == "POST"]
    assert "client_secret" not in post["form"] and post["form"]["client_assertion"]
    assert entra.decode(upstream.requests[0]["headers"]["Authorization"][7:], audience=COGNITIVE_SERVICES)["azp"] \
        == DEFAULT_CLIENT_ID


def test_client_credentials_with_an_unregistered_certificate(upstream, entra, session, app_certificate):
    from server.auth.app_credential import load_client_credential

    model = AzureOpenAIModel(endpoint=upstream.azure_endpoint, deployment="drafter-gpt4o", session=session,
                             token_provider=provider(entra, session,
                                                     secret=load_client_credential("", str(app_certificate[0]))),
                             **OPTIONS)
    with pytest.raises(UpstreamError, match="AADSTS700027"):
        model.complete(MESSAGES)
    assert upstream.requests == []


def test_token_request_is_what_entra_expects(entra, session):
    provider(entra, session).get_token()
    token_posts = [r for r in entra.requests if r["method"] == "POST"]
    assert token_posts[0]["path"] == f"/{entra.tenant_id}/oauth2/v2.0/token"
    assert token_posts[0]["form"]["grant_type"] == "client_credentials"
    assert token_posts[0]["form"]["scope"] == SCOPE


def test_wrong_secret_names_the_aadsts_code_never_the_secret(upstream, entra, session):
    secret = "wrong~secret-value"
    model = AzureOpenAIModel(endpoint=upstream.azure_endpoint, deployment="d", session=session,
                             token_provider=provider(entra, session, secret=secret), **OPTIONS)
    with pytest.raises(UpstreamError) as caught:
        model.complete(MESSAGES)
    assert "AADSTS7000215" in str(caught.value) and "invalid_client" in str(caught.value)
    assert secret not in str(caught.value)
    assert upstream.requests == []  # no token, no call to the model


def test_unknown_tenant(entra, session):
    with pytest.raises(UpstreamError, match="check the tenant id"):
        provider(entra, session, tenant="00000000-0000-0000-0000-000000000000").get_token()


def test_entra_unreachable(entra, session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UpstreamError, match="cannot be reached"):
        provider(entra, session, host=f"https://127.0.0.1:{port}").get_token()


def test_untrusted_certificate_is_refused(entra, session):
    untrusted = ClientCredentialsTokenProvider(
        tenant_id=entra.tenant_id, client_id=DEFAULT_CLIENT_ID, client_credential=DEFAULT_CLIENT_SECRET, scope=SCOPE,
        session=session, authority_host=entra.authority_host)  # no CA given: the system store does not know it
    with pytest.raises(UpstreamError):
        untrusted.get_token()


@pytest.mark.parametrize("kwargs", [{}, {"api_key": "k", "token_provider": lambda: "t"}])
def test_exactly_one_credential(session, kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        AzureOpenAIModel(endpoint="https://x.openai.azure.com", deployment="d", session=session, **kwargs)
