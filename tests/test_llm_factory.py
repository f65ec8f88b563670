"""create_model: each provider from config, and a one-line reason for each missing or wrong piece."""
from __future__ import annotations

import pytest

from server.auth.client_credentials import ClientCredentialsTokenProvider
from server.errors import UpstreamError
from server.llm.azure import AzureOpenAIModel
from server.llm.factory import GOVERNMENT_TOKEN_SCOPE, PUBLIC_TOKEN_SCOPE, create_model
from server.llm.openai_client import OpenAICompatibleModel

MESSAGES = [{"role": "user", "content": "hi"}]




def test_local_is_the_default(session):
    model = create_model({}, session=session)
    assert type(model) is OpenAICompatibleModel
    assert model.endpoint == "http://127.0.0.1:3001/v1" and model.name == "SmolLM2-135M-Instruct"
    assert model.context_window == 8192 and model.max_output_tokens == 2048


def test_local_talks_to_its_url(session, upstream):
    model = create_model({"MODEL_PROVIDER": "local", "LOCAL_MODEL_URL": upstream.url, "LOCAL_MODEL_NAME": "tiny",
                          "MODEL_MAX_OUTPUT_TOKENS": 64}, session=session)
    assert model.complete(MESSAGES).text == "Fake answer."
    assert upstream.requests[0]["json"]["model"] == "tiny" and upstream.requests[0]["json"]["max_tokens"] == 64


def test_openai_compatible(session, upstream):
    model = create_model({"MODEL_PROVIDER": "openai", "MODEL_BASE_URL": upstream.url, "MODEL_NAME": "in-house",
                          "MODEL_API_KEY": "sk-x", "MODEL_CONTEXT_WINDOW": 32000}, session=session)
    assert model.context_window == 32000
    model.complete(MESSAGES)
    assert upstream.requests[0]["headers"]["Authorization"] == "Bearer sk-x"


def test_openai_itself(session):
    model = create_model({"MODEL_PROVIDER": "openai", "MODEL_NAME": "gpt-4o", "MODEL_API_KEY": "sk-x"},
                         session=session)
    assert model.endpoint == "https://api.openai.com/v1" and model.context_window == 128_000


def test_retries_come_from_config(session, upstream):
    upstream.queue_error(503)
    model = create_model({"LOCAL_MODEL_URL": upstream.url, "MODEL_MAX_RETRIES": 0}, session=session)
    with pytest.raises(UpstreamError):
        model.complete(MESSAGES)
    assert len(upstream.requests) == 1


def test_azure_with_key(session, upstream):
    model = create_model({"MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": upstream.azure_endpoint,
                          "AZURE_DEPLOYMENT": "dep", "AZURE_API_KEY": "k"}, session=session)
    assert isinstance(model, AzureOpenAIModel) and model.name == "dep"
    model.complete(MESSAGES)
    assert upstream.requests[0]["headers"]["api-key"] == "k"
    assert upstream.requests[0]["query"] == {"api-version": "2024-10-21"}


AZURE_CC = {"MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": "https://contoso.openai.azure.com",
            "AZURE_DEPLOYMENT": "dep", "CLIENT_ID": "cid", "CLIENT_SECRET": "secret", "TENANT_IDS": "t1,t2"}


def test_azure_with_client_credentials(session):
    model = create_model(AZURE_CC, session=session)
    token_provider = model.token_provider
    assert isinstance(token_provider, ClientCredentialsTokenProvider)
    assert token_provider.authority == "https://login.microsoftonline.com/t1"
    assert token_provider.scope == PUBLIC_TOKEN_SCOPE


def test_azure_government_defaults_to_its_scope(session):
    model = create_model({**AZURE_CC, "AZURE_ENDPOINT": "https://agency.openai.azure.us",
                          "AUTHORITY_HOST": "https://login.microsoftonline.us", "AZURE_TENANT_ID": "gov"},
                         session=session)
    assert model.token_provider.scope == GOVERNMENT_TOKEN_SCOPE
    assert model.token_provider.authority == "https://login.microsoftonline.us/gov"


def test_azure_explicit_scope_wins(session):
    model = create_model({**AZURE_CC, "AZURE_TOKEN_SCOPE": "api://custom/.default", "TENANT_IDS": ["t9"]},
                         session=session)
    assert model.token_provider.scope == "api://custom/.default"
    assert model.token_provider.authority.endswith("/t9")


@pytest.mark.parametrize("config,message", [
    ({"MODEL_PROVIDER": "bedrock"}, "DRAFTER_MODEL_PROVIDER: must be local, openai or azure"),
    ({"LOCAL_MODEL_URL": "ftp://x"}, "DRAFTER_LOCAL_MODEL_URL: must be an http or https URL"),
    ({"MODEL_PROVIDER": "openai"}, "DRAFTER_MODEL_NAME: "),
    ({"MODEL_PROVIDER": "openai", "MODEL_NAME": "gpt-4o"}, "DRAFTER_MODEL_API_KEY: required for api.openai.com"),
    ({"MODEL_PROVIDER": "openai", "MODEL_NAME": "m", "MODEL_BASE_URL": "not a url"}, "DRAFTER_MODEL_BASE_URL: "),
    ({"MODEL_PROVIDER": "azure", "AZURE_DEPLOYMENT": "d", "AZURE_API_KEY": "k"}, "DRAFTER_AZURE_ENDPOINT: required"),
    ({"MODEL_PROVIDER": "azure", "AZURE_ENDPOINT": "https://x.openai.azure.com", "AZURE_API_KEY": "k"},
     "DRAFTER_AZURE_DEPLOYMENT: "),
    ({**AZURE_CC, "TENANT_IDS": ""}, "DRAFTER_AZURE_TENANT_ID: "),
    ({**AZURE_CC, "CLIENT_ID": None}, "DRAFTER_CLIENT_ID: "),
    ({**AZURE_CC, "CLIENT_SECRET": ""}, "DRAFTER_CLIENT_SECRET: "),
    ({**AZURE_CC, "CLIENT_SECRET": "", "CLIENT_CERTIFICATE_PATH": "/nowhere/app.pem"},
     "DRAFTER_CLIENT_CERTIFICATE_PATH: cannot read '/nowhere/app.pem'"),
    ({**AZURE_CC, "AUTHORITY_HOST": "http://login.example"}, "DRAFTER_AUTHORITY_HOST: must be an https URL"),
    ({"MODEL_TOTAL_BUDGET": 0}, "DRAFTER_MODEL_TOTAL_BUDGET: must be positive"),
    ({"MODEL_READ_TIMEOUT": "soon"}, "DRAFTER_MODEL_READ_TIMEOUT: must be a number"),
    ({"MODEL_MAX_RETRIES": -1}, "DRAFTER_MODEL_MAX_RETRIES: must be positive"),
])
def test_missing_or_wrong_config(session, config, message):
    with pytest.raises(ValueError) as caught:
        create_model(config, session=session)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
