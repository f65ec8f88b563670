"""GET /addin/help.html, /privacy and /terms: short pages for staff, written from this deployment's settings.

The manifests link to them (SupportUrl, privacy and terms in the unified manifest) unless the organisation
configured its own. They state what Drafter itself sends and keeps; the organisation's own policies prevail.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template

from server.manifests.common import settings_from_config

bp = Blueprint("pages", __name__)


def model_description(config) -> str:
    """Where the text goes, in words: the model's kind and host, never a key or a full URL."""
    provider = config["MODEL_PROVIDER"]
    if provider == "azure":
        return f"the Azure OpenAI service at {urlsplit(config['AZURE_ENDPOINT']).hostname}"
    if provider == "openai":
        return f"the model service at {urlsplit(config['MODEL_BASE_URL']).hostname} ({config['MODEL_NAME']})"
    host = urlsplit(config["LOCAL_MODEL_URL"]).hostname or ""
    where = "on the Drafter server itself" if host in {"127.0.0.1", "localhost", "::1"} else f"at {host}"
    return f"a model that runs {where} ({config['LOCAL_MODEL_NAME']})"


def page_facts() -> dict:
    config = current_app.config
    settings = settings_from_config(config)
    return {
        "name": settings.name, "provider": settings.provider, "version": settings.semantic_version,
        "support_url": settings.support_url, "privacy_url": settings.privacy_url, "terms_url": settings.terms_url,
        "model": model_description(config), "entra": config["AUTH_MODE"] == "entra",
        "shared_cache": bool(config["REDIS_URL"]),
    }


def page(template: str) -> Response:
    response = Response(render_template(f"pages/{template}", facts=page_facts()),
                        content_type="text/html; charset=utf-8")
    response.cache_control.no_cache = True
    return response  # its CSP and other security headers: server/api/security.py


@bp.get("/addin/help.html")
def help_page():
    return page("help.html")


@bp.get("/privacy")
def privacy():
    return page("privacy.html")


@bp.get("/terms")
def terms():
    return page("terms.html")
