"""Other model endpoints a route rule may send a job to, from the policy file's `routing` section.

    routing:
      endpoints:
        sensitive:                       # the name guard rules use (`endpoint: sensitive`)
          provider: openai               # openai (or any OpenAI-compatible server) or azure
          base_url: https://llm.internal.agency.gov/v1
          model: llama-3.1-70b-instruct
          api_key_env: DRAFTER_SENSITIVE_API_KEY   # the key is read from this variable, never from the file
          context_window: 32768          # optional, tokens
        azure-gov:
          provider: azure
          endpoint: https://agency.openai.azure.us
          deployment: gpt-4o
          api_version: "2024-10-21"      # optional
          api_key_env: DRAFTER_AZURE_GOV_KEY   # optional: without it, an Entra token (client credentials)

Each endpoint gets the same client, timeouts, retries and budget as the main model (DRAFTER_MODEL_*), and
none of the main model's credentials. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from server.http import SharedSession
from server.llm.factory import create_model

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_KEYS = {
    "openai": {"provider", "base_url", "model", "api_key_env", "context_window"},
    "azure": {"provider", "endpoint", "deployment", "api_version", "api_key_env", "context_window"},
}
# what an endpoint's settings replace in the main configuration before its model is made
_CLEARED = {"MODEL_API_KEY": "", "AZURE_API_KEY": "", "MODEL_BASE_URL": "", "MODEL_NAME": "", "AZURE_ENDPOINT": "",
            "AZURE_DEPLOYMENT": "", "MODEL_CONTEXT_WINDOW": 0}


# create_model names the main settings in its messages; an endpoint's own keys are meant there
_SETTING_KEYS = {"MODEL_BASE_URL": "base_url", "MODEL_NAME": "model", "MODEL_API_KEY": "api_key_env",
                 "AZURE_ENDPOINT": "endpoint", "AZURE_DEPLOYMENT": "deployment", "AZURE_API_KEY": "api_key_env",
                 "AZURE_API_VERSION": "api_version", "MODEL_CONTEXT_WINDOW": "context_window"}


def endpoint_names(section: object) -> set[str]:
    """The endpoint names the section defines (checked properly by build_routes)."""
    if isinstance(section, dict) and isinstance(section.get("endpoints"), dict):
        return {str(name) for name in section["endpoints"]}
    return set()


def build_routes(section: object, config: Mapping, *, session: SharedSession, environ: Mapping[str, str]
                 ) -> dict[str, object]:
    """{name: model} for routing.endpoints; ValueError("routing...: reason") on a mistake."""
    if section is None:
        return {}
    if not isinstance(section, dict) or set(section) - {"endpoints"}:
        raise ValueError("routing must be a mapping with one key, endpoints")
    endpoints = section.get("endpoints") or {}
    if not isinstance(endpoints, dict):
        raise ValueError("routing.endpoints must map names to endpoint settings")
    routes = {}
    for name, settings in endpoints.items():
        where = f"routing.endpoints.{name}"
        if not _NAME.match(str(name)):
            raise ValueError(f"{where}: a name is lower-case letters, digits, - and _ (at most 40)")
        routes[str(name)] = _model(where, settings, config, session, environ)
    return routes


def _model(where: str, settings: object, config: Mapping, session: SharedSession, environ: Mapping[str, str]):
    if not isinstance(settings, dict):
        raise ValueError(f"{where} must be a mapping (provider, base_url, model, ...)")
    provider = str(settings.get("provider", "")).strip().lower()
    if provider not in _KEYS:
        raise ValueError(f"{where}.provider must be openai or azure, got {settings.get('provider')!r}")
    unknown = sorted(set(settings) - _KEYS[provider])
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} for provider {provider} "
                         f"(known: {', '.join(sorted(_KEYS[provider]))})")
    key = ""
    if "api_key_env" in settings:
        variable = str(settings["api_key_env"]).strip()
        if not variable.startswith("DRAFTER_"):
            raise ValueError(f"{where}.api_key_env must name a DRAFTER_* environment variable, got {variable!r}")
        key = environ.get(variable, "").strip()
        if not key:
            raise ValueError(f"{where}.api_key_env: {variable} is not set")
    window = settings.get("context_window", 0)
    if not isinstance(window, int) or isinstance(window, bool) or window < 0:
        raise ValueError(f"{where}.context_window must be a whole number of tokens")
    overrides: dict = {**_CLEARED, "MODEL_PROVIDER": provider, "MODEL_CONTEXT_WINDOW": window}
    if provider == "openai":
        overrides.update(MODEL_BASE_URL=_text(settings, "base_url", where), MODEL_NAME=_text(settings, "model", where),
                         MODEL_API_KEY=key)
    else:
        overrides.update(AZURE_ENDPOINT=_text(settings, "endpoint", where),
                         AZURE_DEPLOYMENT=_text(settings, "deployment", where), AZURE_API_KEY=key)
        if "api_version" in settings:
            overrides["AZURE_API_VERSION"] = _text(settings, "api_version", where)
    try:
        return create_model({**config, **overrides}, session=session)
    except ValueError as exc:
        message = str(exc)
        for setting, key in _SETTING_KEYS.items():
            message = message.replace(f"DRAFTER_{setting}", f"{where}.{key}")
        raise ValueError(message if message.startswith(where) else f"{where}: {message}") from None


def _text(settings: dict, key: str, where: str) -> str:
    value = settings.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}.{key} is required")
    return value.strip()
