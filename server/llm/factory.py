"""create_model: the configured ChatModel (local llama.cpp, OpenAI or compatible, Azure OpenAI).

Takes the validated Flask config as a plain Mapping (keys without the DRAFTER_ prefix). A missing or unusable
piece raises ValueError("DRAFTER_X: reason"), which start-up turns into a one-line refusal.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from server.auth.app_credential import load_client_credential
from server.auth.client_credentials import ClientCredentialsTokenProvider
from server.http import SharedSession
from server.llm.azure import DEFAULT_API_VERSION, AzureOpenAIModel
from server.llm.base import ChatModel
from server.llm.openai_client import OpenAICompatibleModel
from server.llm.retry import RetryPolicy

DEFAULT_LOCAL_URL = "http://127.0.0.1:3001/v1"
DEFAULT_LOCAL_MODEL = "SmolLM2-135M-Instruct"
DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
PUBLIC_TOKEN_SCOPE = "https://cognitiveservices.azure.com/.default"
GOVERNMENT_TOKEN_SCOPE = "https://cognitiveservices.azure.us/.default"


def create_model(config: Mapping, *, session: SharedSession) -> ChatModel:
    provider = str(_get(config, "MODEL_PROVIDER") or "local").lower()
    if provider == "local":
        return OpenAICompatibleModel(
            base_url=_url(config, "LOCAL_MODEL_URL", DEFAULT_LOCAL_URL),
            model=_get(config, "LOCAL_MODEL_NAME") or DEFAULT_LOCAL_MODEL, session=session,
            **_options(config, default_context_window=8192))
    if provider == "openai":
        base_url = _url(config, "MODEL_BASE_URL", DEFAULT_OPENAI_URL)
        model = _require(config, "MODEL_NAME", "the model to call is required when DRAFTER_MODEL_PROVIDER=openai")
        api_key = _get(config, "MODEL_API_KEY")
        is_openai = urlsplit(base_url).hostname == "api.openai.com"
        if is_openai and not api_key:
            raise ValueError("DRAFTER_MODEL_API_KEY: required for api.openai.com")
        return OpenAICompatibleModel(
            base_url=base_url, model=model, session=session, api_key=api_key,
            max_tokens_field="max_completion_tokens" if is_openai else "max_tokens",
            **_options(config, default_context_window=128_000))
    if provider == "azure":
        return _azure(config, session)
    raise ValueError(f"DRAFTER_MODEL_PROVIDER: must be local, openai or azure, not {provider!r}")


def _azure(config: Mapping, session: SharedSession) -> AzureOpenAIModel:
    endpoint = _url(config, "AZURE_ENDPOINT", None)
    deployment = _require(config, "AZURE_DEPLOYMENT", "the deployment name is required when DRAFTER_MODEL_PROVIDER=azure")
    common = dict(endpoint=endpoint, deployment=deployment, session=session,
                  api_version=_get(config, "AZURE_API_VERSION") or DEFAULT_API_VERSION,
                  **_options(config, default_context_window=128_000))
    if api_key := _get(config, "AZURE_API_KEY"):
        return AzureOpenAIModel(api_key=api_key, **common)
    reason = "required for Azure OpenAI without DRAFTER_AZURE_API_KEY (Entra client credentials)"
    tenant = _get(config, "AZURE_TENANT_ID") or _first_tenant(config)
    if not tenant:
        raise ValueError(f"DRAFTER_AZURE_TENANT_ID: {reason} (or set DRAFTER_TENANT_IDS)")
    government = (urlsplit(endpoint).hostname or "").endswith(".azure.us")
    provider = ClientCredentialsTokenProvider(
        tenant_id=tenant, client_id=_require(config, "CLIENT_ID", reason),
        client_credential=_credential(config, reason),
        scope=_get(config, "AZURE_TOKEN_SCOPE") or (GOVERNMENT_TOKEN_SCOPE if government else PUBLIC_TOKEN_SCOPE),
        authority_host=_url(config, "AUTHORITY_HOST", DEFAULT_AUTHORITY_HOST, https_only=True),
        session=session, timeout=(_number(config, "MODEL_CONNECT_TIMEOUT", 5.0), 30.0))
    return AzureOpenAIModel(token_provider=provider, **common)


def _credential(config: Mapping, reason: str) -> str | dict:
    """The app's secret or certificate; its absence is named the way the rest of this module names things."""
    secret, certificate = _get(config, "CLIENT_SECRET") or "", _get(config, "CLIENT_CERTIFICATE_PATH") or ""
    if not (secret or certificate):
        raise ValueError(f"DRAFTER_CLIENT_SECRET: {reason} (or set DRAFTER_CLIENT_CERTIFICATE_PATH)")
    return load_client_credential(secret, certificate)


def _options(config: Mapping, *, default_context_window: int) -> dict:
    max_output = _number(config, "MODEL_MAX_OUTPUT_TOKENS", 2048, integer=True)
    return dict(
        # 0 (the configuration's default) means "the provider's usual window"
        context_window=_number(config, "MODEL_CONTEXT_WINDOW", 0, integer=True) or default_context_window,
        max_output_tokens=max_output,
        connect_timeout=_number(config, "MODEL_CONNECT_TIMEOUT", 5.0),
        read_timeout=_number(config, "MODEL_READ_TIMEOUT", 60.0),
        total_budget=_number(config, "MODEL_TOTAL_BUDGET", 120.0),
        retry=RetryPolicy(max_retries=_number(config, "MODEL_MAX_RETRIES", 3, integer=True, minimum=0)),
    )


def _get(config: Mapping, key: str):
    value = config.get(key)
    return value.strip() if isinstance(value, str) else value


def _require(config: Mapping, key: str, reason: str) -> str:
    value = _get(config, key)
    if not value:
        raise ValueError(f"DRAFTER_{key}: {reason}")
    return str(value)


def _url(config: Mapping, key: str, default: str | None, *, https_only: bool = False) -> str:
    value = _get(config, key) or default
    if not value:
        raise ValueError(f"DRAFTER_{key}: required when DRAFTER_MODEL_PROVIDER={_get(config, 'MODEL_PROVIDER')}")
    parts = urlsplit(str(value))
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"DRAFTER_{key}: must be an {' or '.join(schemes)} URL with a host, not {value!r}")
    return str(value).rstrip("/")


def _number(config: Mapping, key: str, default, *, integer: bool = False, minimum: float = 0):
    value = config.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"DRAFTER_{key}: must be a number, not {value!r}") from None
    if number < minimum or (number == 0 and not integer):
        raise ValueError(f"DRAFTER_{key}: must be positive, not {value!r}")
    return number


def _first_tenant(config: Mapping) -> str | None:
    tenants = config.get("TENANT_IDS")
    if isinstance(tenants, str):
        tenants = [t for t in (part.strip() for part in tenants.split(",")) if t]
    return str(tenants[0]) if tenants else None
