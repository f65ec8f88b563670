"""Configuration: every DRAFTER_* variable, read once, typed and validated at start-up.

A wrong or missing value raises ConfigError whose message is one line naming the variable and the reason;
server/wsgi.py and the CLI print that line and exit without a traceback. Views read `current_app.config`.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PREFIX = "DRAFTER_"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ConfigError(ValueError):
    """One line: `DRAFTER_X: reason`."""


@dataclass(frozen=True)
class Setting:
    name: str  # without the DRAFTER_ prefix; also the Flask config key
    parse: Callable[[str], Any]
    default: Any
    doc: str


def _str(value: str) -> str:
    return value.strip()


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, got {number}")
        return number
    return parse


def _float(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a number of seconds, got {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, got {number:g}")
        return number
    return parse


def _bool(value: str) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"must be true or false, got {value!r}")


def _choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        text = str(value).strip().lower()
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {value!r}")
        return text
    return parse


def _url(value: str) -> str:
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return text


DEFAULT_PORTS = {"http": 80, "https": 443}
DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host(host: str, value: str) -> str:
    """`host` (already lower case) as a URL writes it: an ASCII DNS name, an IPv4 address, or [IPv6]."""
    try:
        address = ipaddress.ip_address(host)
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    except ValueError:
        pass
    if not host.isascii():
        try:
            hint = f" such as {host.encode('idna').decode('ascii')}"
        except UnicodeError:
            hint = ""
        raise ValueError(f"the host must be written in ASCII (its xn-- punycode form{hint}), as Office and Entra "
                         f"ID compare hosts as written, got {value!r}")
    if len(host) > 253 or not all(DNS_LABEL.match(label) for label in host.split(".")):
        raise ValueError(f"{host!r} is not a valid host name, got {value!r}")
    return host


def _authority(value: str) -> str:
    """The Entra authority host: an https origin (tokens, keys and secrets travel there), normalized like the
    public URL so the issuer it gives compares equal to the one Entra writes in tokens."""
    parts = urlsplit(str(value).strip())
    if parts.hostname and (parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc):
        raise ValueError(f"must be an origin such as https://login.microsoftonline.com, without a tenant or path "
                         f"(Drafter adds /<tenant id> itself), got {value!r}")
    origin = _origin(value)
    if not origin.startswith("https://"):
        raise ValueError(f"must be an https URL (the sign-in authority is only ever reached over TLS), got {value!r}")
    return origin


def _port(parts, value: str) -> int | None:
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0:
        raise ValueError(f"the port must be a number from 1 to 65535, got {value!r}")
    return port


def _origin(value: str) -> str:
    """The public origin, normalized: scheme and host in lower case (both are case-insensitive), the default
    port and a trailing slash dropped; a path, query, fragment, user or bad port is refused (the manifests
    name pages at fixed paths under the origin, and Office compares its host and port with the SSO resource)."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    if parts.path.strip("/") or "?" in text or "#" in text or "@" in parts.netloc:
        raise ValueError(f"must be an origin without path, query, fragment or user (the manifests name pages at "
                         f"fixed paths under it), got {value!r}")
    host, port = _host(parts.hostname, value), _port(parts, value)
    suffix = f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{suffix}"


def _link(name: str, value: str) -> str:
    """An https link the manifests carry, with its scheme and host in lower case; path and query as written."""
    parts = urlsplit(value)
    if (parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or len(value) > 2048
            or any(ch.isspace() for ch in value)):
        raise ConfigError(f"{PREFIX}{name}: must be an https URL of at most 2048 characters without a user (the "
                          f"manifests link to it), got {value!r}")
    try:
        host, port = _host(parts.hostname, value), _port(parts, value)
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}{name}: {exc}") from None
    netloc = host + (f":{port}" if port and port != 443 else "")
    return parts._replace(scheme="https", netloc=netloc).geturl()


def _version(value: str) -> str:
    text = str(value).strip()
    if text and not re.fullmatch(r"\d{1,5}\.\d{1,5}\.\d{1,5}", text):
        raise ValueError(f"must be a version such as 1.4.2 (three numbers), got {value!r}")
    return text


FRAME_ANCESTOR = re.compile(r"^https://(\*\.)?([a-z0-9.-]+)(:[0-9]{1,5})?$")


def _frame_ancestors(value: str) -> list[str]:
    """Extra origins that may frame the Office pages, comma-separated: https://host[:port] or https://*.domain.
    Each goes verbatim into a Content-Security-Policy header, so anything but that shape is refused: a quote, a
    semicolon or a keyword would change the policy, http would let a network attacker frame the pane, and a bare
    wildcard (https://*, https://*.com) would let the whole web frame it."""
    origins = []
    for item in (part.strip().lower().rstrip("/") for part in str(value).split(",")):
        if not item:
            continue
        match = FRAME_ANCESTOR.match(item)
        labels = match.group(2).split(".") if match else []
        if (not match or len(labels) < 2 or not all(DNS_LABEL.match(label) for label in labels)
                or (match.group(3) and not 0 < int(match.group(3)[1:]) < 65536)):
            raise ValueError(f"{item!r} is not an https origin such as https://office.example.gov or "
                             "https://*.example.gov (a host of at least two labels, no path, quotes or keywords)")
        origins.append(item)
    return origins


def _metrics_token(value: str) -> str:
    """A secret the scraper sends as a bearer token: long enough that guessing it is hopeless, and only visible
    ASCII, so it fits an Authorization header as written."""
    text = str(value).strip()
    if not re.fullmatch(r"[\x21-\x7e]{32,512}", text):
        raise ValueError("must be 32 to 512 visible ASCII characters without spaces (e.g. the output of "
                         "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
    return text


def _name_list(value: str) -> list[str]:
    """Comma-separated names (app role values), kept as written: role values are case-sensitive."""
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _guid_list(value: str) -> list[str]:
    items = [item.strip().lower() for item in str(value).split(",") if item.strip()]
    for item in items:
        if not GUID.match(item):
            raise ValueError(f"{item!r} is not a GUID")
    return items


def _guid(value: str) -> str:
    text = str(value).strip().lower()
    if text and not GUID.match(text):
        raise ValueError(f"must be a GUID, got {value!r}")
    return text


SETTINGS: tuple[Setting, ...] = (
    Setting("PUBLIC_URL", _origin, "https://localhost:3000",
            "https origin of the pane and API (http only for localhost in dev mode)"),
    Setting("AUTH_MODE", _choice("entra", "dev"), "entra", "entra in production; dev issues local tokens"),
    Setting("DEV_ALLOW_NON_LOOPBACK", _bool, False, "let dev auth run on a non-loopback public URL"),
    Setting("CLIENT_ID", _guid, "", "the Entra application (client) ID"),
    Setting("CLIENT_SECRET", _str, "", "the Entra client secret (on-behalf-of, client credentials)"),
    Setting("APP_ID_URI", _str, "", "the Entra application ID URI, api://<host[:port] of PUBLIC_URL>/<client-id>"),
    Setting("TENANT_IDS", _guid_list, [], "comma-separated tenant allow-list"),
    Setting("AUTHORITY_HOST", _authority, "https://login.microsoftonline.com", "Entra authority host"),
    Setting("EXTRA_FRAME_ANCESTORS", _frame_ancestors, [],
            "https origins Office uses that Drafter does not list yet, allowed to frame the task pane"),
    Setting("CLIENT_CERTIFICATE_PATH", _str, "",
            "PEM file with the app's private key and certificate (instead of DRAFTER_CLIENT_SECRET)"),
    Setting("ALLOWED_ROLES", _name_list, [], "if set, only users with one of these app roles may use Drafter"),
    Setting("ALLOWED_GROUPS", _guid_list, [], "if set, only members of one of these groups (object ids) may"),
    Setting("GRAPH_URL", _url, "https://graph.microsoft.com",
            "Microsoft Graph (https://graph.microsoft.us for Azure Government)"),
    Setting("ADDIN_NAME", _str, "Drafter", "the add-in's display name in Office (manifests)"),
    Setting("ADDIN_DESCRIPTION", _str, "Rewrite, summarize and draft with your organisation's approved AI model.",
            "the add-in's description in Office (manifests)"),
    Setting("PROVIDER_NAME", _str, "Drafter", "the organisation that provides the add-in (manifests)"),
    Setting("SUPPORT_URL", _str, "", "https page for help (manifests; default: PUBLIC_URL + /addin/help.html)"),
    Setting("PRIVACY_URL", _str, "", "https privacy statement (unified manifest; default: PUBLIC_URL + /privacy)"),
    Setting("TERMS_URL", _str, "", "https terms of use (unified manifest; default: PUBLIC_URL + /terms)"),
    Setting("MANIFEST_VERSION", _version, "",
            "the manifests' version, X.Y.Z (default: the service's); raise it to push a settings change"),
    Setting("WORD_ADDIN_ID", _guid, "", "the Word XML manifest's Id (default: derived from PUBLIC_URL, stable)"),
    Setting("OUTLOOK_ADDIN_ID", _guid, "", "the Outlook XML manifest's Id (default: derived from PUBLIC_URL)"),
    Setting("APP_ID", _guid, "", "the unified manifest's id (default: derived from PUBLIC_URL, stable)"),
    Setting("MODEL_PROVIDER", _choice("local", "openai", "azure"), "local", "which model serves the jobs"),
    Setting("MODEL_BASE_URL", _url, "", "OpenAI or OpenAI-compatible base URL, e.g. https://api.openai.com/v1"),
    Setting("MODEL_API_KEY", _str, "", "API key for the openai provider"),
    Setting("MODEL_NAME", _str, "", "model name for the openai provider"),
    Setting("AZURE_ENDPOINT", _url, "", "https://<resource>.openai.azure.com"),
    Setting("AZURE_DEPLOYMENT", _str, "", "Azure OpenAI deployment name"),
    Setting("AZURE_API_VERSION", _str, "2024-10-21", "Azure OpenAI api-version"),
    Setting("AZURE_API_KEY", _str, "", "Azure OpenAI key; without it, an Entra token (client credentials)"),
    Setting("AZURE_TOKEN_SCOPE", _str, "",
            "scope for Azure OpenAI tokens (default: the .us scope for *.azure.us endpoints, else .com)"),
    Setting("AZURE_TENANT_ID", _guid, "", "tenant for client credentials (default: the first of TENANT_IDS)"),
    Setting("MODEL_CONNECT_TIMEOUT", _float(0.1, 120), 5.0, "seconds to connect to the model"),
    Setting("MODEL_READ_TIMEOUT", _float(0.1, 600), 60.0, "seconds of silence tolerated from the model"),
    Setting("MODEL_TOTAL_BUDGET", _float(0.5, 3600), 120.0, "seconds one model call may take, retries included"),
    Setting("MODEL_MAX_RETRIES", _int(0, 10), 3, "retries on 429 / 5xx / connection errors"),
    Setting("MODEL_CONTEXT_WINDOW", _int(0, 10_000_000), 0, "tokens the model accepts (0: provider default)"),
    Setting("MODEL_MAX_OUTPUT_TOKENS", _int(16, 1_000_000), 2048, "cap on tokens generated per call"),
    Setting("LOCAL_MODEL_URL", _url, "http://127.0.0.1:3001/v1", "the embedded llama.cpp server"),
    Setting("LOCAL_MODEL_NAME", _str, "SmolLM2-135M-Instruct", "model name the local server reports"),
    Setting("SUMMARY_CHUNK_TOKENS", _int(0, 1_000_000), 0, "tokens per summary chunk (0: from the context window)"),
    Setting("SUMMARY_CONCURRENCY", _int(1, 64), 8, "chunks summarized at once"),
    # 16 MiB: a 10 MB file (the file cap) as base64 in JSON is 13.3 MiB, and the rest of the request fits beside it
    Setting("MAX_BODY_BYTES", _int(1024, 1 << 30), 16 * 1024 * 1024, "largest request body"),
    Setting("DATABASE_URL", _str, "", "audit and usage store (default: SQLite under instance/)"),
    Setting("DATABASE_MIGRATE", _bool, True,
            "upgrade the store's schema at start-up (false: refuse to start until `flask db upgrade` has run)"),
    Setting("AUDIT_UPN", _bool, False, "write the user's UPN into audit records (default: object id only)"),
    Setting("REDIS_URL", _str, "", "shared rate-limit and quota state, and the on-behalf-of token cache"),
    Setting("POLICY_FILE", _str, "", "presets, guard rules, quotas, routing (YAML or JSON)"),
    Setting("INSTANCE_PATH", _str, "", "folder for the dev signing key, certificates and caches"),
    Setting("LOG_LEVEL", _choice("debug", "info", "warning", "error"), "info", "log level"),
    Setting("LOG_FORMAT", _choice("json", "text"), "",
            "json (one object per line) or text; default json, text in dev mode (make run)"),
    Setting("METRICS_TOKEN", _metrics_token, "",
            "bearer token GET /metrics requires; without it /metrics is off in entra mode"),
)
BY_NAME = {s.name: s for s in SETTINGS}
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


@functools.lru_cache(maxsize=1024)  # called per request in dev mode with the peer's address
def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1, as a dual-stack socket reports it
    return (mapped or address).is_loopback


def load(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Read DRAFTER_* from `environ` (default os.environ), apply `overrides` (tests), validate the whole."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    for key in overrides:
        if key not in BY_NAME and not key.isupper():
            raise ConfigError(f"{key}: not a configuration setting")
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        variable = PREFIX + setting.name
        if setting.name in overrides:
            raw, from_env = overrides.pop(setting.name), False
        elif variable in environ and environ[variable].strip() != "":
            raw, from_env = environ[variable], True
        else:
            config[setting.name] = setting.default
            continue
        if not from_env and not isinstance(raw, str):
            config[setting.name] = raw  # tests may pass typed values; still checked below
            continue
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{variable}: {exc}") from None
    config.update(overrides)  # non-DRAFTER keys such as TESTING
    _check_combinations(config)
    return config


def _need(config: Mapping, name: str, why: str) -> None:
    if not config.get(name):
        raise ConfigError(f"{PREFIX}{name}: required {why}")


# Limits of the manifests the service renders: the unified manifest's name.short (30), developer.name (32)
# and description.short (80) are tighter than the XML manifest's 125 and 250.
MANIFEST_TEXT_LIMITS = {"ADDIN_NAME": 30, "PROVIDER_NAME": 32, "ADDIN_DESCRIPTION": 80}


def _check_public_url(config: dict) -> None:
    """An origin the manifests can name (the parser normalized it): https, http only for localhost in dev mode."""
    public = urlsplit(config["PUBLIC_URL"])
    if public.scheme != "https" and not (config["AUTH_MODE"] == "dev" and is_loopback_host(public.hostname)):
        raise ConfigError(f"{PREFIX}PUBLIC_URL: must be https (Office only loads add-ins over https; http is "
                          f"allowed for localhost in dev mode only), got {config['PUBLIC_URL']!r}")


def _check_manifest_settings(config: dict) -> None:
    for name in ("SUPPORT_URL", "PRIVACY_URL", "TERMS_URL"):
        if config[name]:
            config[name] = _link(name, config[name])
    for name, limit in MANIFEST_TEXT_LIMITS.items():
        if not 1 <= len(config[name]) <= limit:
            raise ConfigError(f"{PREFIX}{name}: must be 1 to {limit} characters (the unified manifest's "
                              f"limit), got {len(config[name])}")


# The three manifests' ids, each with the kind its default is derived from (server.manifests.common.derived_id).
MANIFEST_IDS = (("WORD_ADDIN_ID", "word", "the Word add-in"), ("OUTLOOK_ADDIN_ID", "outlook", "the Outlook add-in"),
                ("APP_ID", "app", "the unified app"))


def _check_manifest_ids(config: dict) -> None:
    """Each manifest keeps its own id: the admin center (and Office) would take two equal ids for one add-in."""
    from server.manifests.common import derived_id  # imported here: that module reads this one's settings

    def label(name: str, what: str) -> str:
        return PREFIX + name if config[name] else f"the default id of {what}"

    seen: dict[str, tuple[str, str]] = {}  # id -> (setting, what it identifies)
    for name, kind, what in MANIFEST_IDS:
        value = str(config[name] or derived_id(config["PUBLIC_URL"], kind)).lower()
        if value in seen:
            earlier, earlier_what = seen[value]
            # Derived ids never collide with each other, so one of the two is set: name that one.
            culprit, other = (name, label(earlier, earlier_what)) if config[name] else (earlier, label(name, what))
            raise ConfigError(f"{PREFIX}{culprit}: the same id as {other} ({value}); the Word add-in, the Outlook "
                              "add-in and the unified app each need their own, or the admin center takes two of "
                              "them for one add-in")
        seen[value] = (name, what)


def _check_app_id_uri(config: dict) -> None:
    """Office single sign-on needs the resource to be api://<the pane's host[:port]>/<client id>."""
    uri = config["APP_ID_URI"]
    if not uri:
        return  # derived as api://<host[:port]>/<client id> where it is used
    if not config["CLIENT_ID"]:
        raise ConfigError(f"{PREFIX}APP_ID_URI: set without DRAFTER_CLIENT_ID (it must be api://<host>/<client id>)")
    expected = f"api://{urlsplit(config['PUBLIC_URL']).netloc}/{config['CLIENT_ID']}"
    if uri.lower() != expected.lower():
        raise ConfigError(f"{PREFIX}APP_ID_URI: must be {expected} (Office single sign-on needs api://, the host "
                          f"and port of DRAFTER_PUBLIC_URL and DRAFTER_CLIENT_ID), got {uri!r}")


def _check_combinations(config: dict) -> None:
    _check_public_url(config)
    _check_manifest_settings(config)
    _check_manifest_ids(config)
    _check_app_id_uri(config)
    public = urlsplit(config["PUBLIC_URL"])
    # people read a dev server's log in a terminal; production logs go to a collector that parses JSON
    config["LOG_FORMAT"] = config["LOG_FORMAT"] or ("text" if config["AUTH_MODE"] == "dev" else "json")
    if config["AUTH_MODE"] == "dev":
        if not is_loopback_host(public.hostname) and not config["DEV_ALLOW_NON_LOOPBACK"]:
            raise ConfigError(f"{PREFIX}AUTH_MODE: dev mode only runs on loopback (DRAFTER_PUBLIC_URL is "
                              f"{config['PUBLIC_URL']}); set DRAFTER_DEV_ALLOW_NON_LOOPBACK=true to override")
    else:
        _need(config, "CLIENT_ID", "in entra mode (the application (client) ID)")
        _need(config, "TENANT_IDS", "in entra mode (the tenants whose users may sign in)")
    provider = config["MODEL_PROVIDER"]
    if provider == "openai":
        _need(config, "MODEL_BASE_URL", "when DRAFTER_MODEL_PROVIDER=openai")
        _need(config, "MODEL_NAME", "when DRAFTER_MODEL_PROVIDER=openai")
    elif provider == "azure":
        _need(config, "AZURE_ENDPOINT", "when DRAFTER_MODEL_PROVIDER=azure")
        _need(config, "AZURE_DEPLOYMENT", "when DRAFTER_MODEL_PROVIDER=azure")
        if not config["AZURE_API_KEY"]:
            _need(config, "CLIENT_ID", "for Azure OpenAI without DRAFTER_AZURE_API_KEY (client credentials)")
            if not (config["CLIENT_SECRET"] or config["CLIENT_CERTIFICATE_PATH"]):
                raise ConfigError(f"{PREFIX}CLIENT_SECRET: required for Azure OpenAI without DRAFTER_AZURE_API_KEY "
                                  "(client credentials), or set DRAFTER_CLIENT_CERTIFICATE_PATH")
            if not (config["AZURE_TENANT_ID"] or config["TENANT_IDS"]):
                raise ConfigError(f"{PREFIX}AZURE_TENANT_ID: required for Azure OpenAI without an API key "
                                  "(or set DRAFTER_TENANT_IDS)")
    if config["MODEL_CONNECT_TIMEOUT"] > config["MODEL_TOTAL_BUDGET"]:
        raise ConfigError(f"{PREFIX}MODEL_CONNECT_TIMEOUT: longer than DRAFTER_MODEL_TOTAL_BUDGET")
    if config["POLICY_FILE"] and not os.path.isfile(config["POLICY_FILE"]):
        raise ConfigError(f"{PREFIX}POLICY_FILE: no such file {config['POLICY_FILE']!r}")
