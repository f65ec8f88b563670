"""AzureOpenAIModel: Azure OpenAI's deployment URL and credentials on top of the OpenAI-compatible client.

Requests go to {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=..., authenticated
either with the resource's `api-key` header or with an Entra ID access token (`Authorization: Bearer`) from a
token provider such as ClientCredentialsTokenProvider. Retries, timeouts, streaming and the content-filter
annotations are the base class's. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from server.http import SharedSession
from server.llm.openai_client import OpenAICompatibleModel

DEFAULT_API_VERSION = "2024-10-21"  # the GA data-plane version that has stream_options.include_usage


class AzureOpenAIModel(OpenAICompatibleModel):
    def __init__(self, *, endpoint: str, deployment: str, session: SharedSession,
                 api_version: str = DEFAULT_API_VERSION, api_key: str | None = None,
                 token_provider: Callable[[], str] | None = None, **options):
        if bool(api_key) == (token_provider is not None):
            raise ValueError("AzureOpenAIModel needs exactly one of api_key and token_provider")
        endpoint = endpoint.rstrip("/")
        super().__init__(base_url=f"{endpoint}/openai/deployments/{quote(deployment, safe='')}",
                         model=deployment, session=session, api_key=None, **options)
        self._azure_key = api_key or None
        self.token_provider = token_provider
        self.credential_name = "API key" if api_key else "Entra access token"
        query = urlencode({"api-version": api_version})
        self.chat_url = f"{self.endpoint}/chat/completions?{query}"
        self.models_url = f"{endpoint}/openai/models?{query}"

    def _auth_headers(self) -> dict[str, str]:
        if self._azure_key:
            return {"api-key": self._azure_key}
        return {"Authorization": f"Bearer {self.token_provider()}"}

    def _has_credentials(self) -> bool:
        return True

    def _request_body(self, messages, max_tokens, temperature, stream) -> dict:
        body = super()._request_body(messages, max_tokens, temperature, stream)
        del body["model"]  # the deployment in the URL names the model
        return body
