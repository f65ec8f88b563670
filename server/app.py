"""The application factory. Nothing is built at import time; server/wsgi.py calls create_app()."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from server import config as config_module
from server.api import register_blueprints
from server.api.errors import register_error_handlers
from server.assist.presets import Presets
from server.auth.obo import OnBehalfOf
from server.auth.service import Auth
from server.governance.audit import AuditLog
from server.governance.quota_service import Quotas
from server.governance.service import PolicyGuard
from server.graph import GraphService
from server.http import make_session
from server.llm.service import ModelGateway
from server.llm.tokens import TokenCounter, TokenizerUnavailable
from server.logging_setup import configure_logging
from server.manifest_cli import manifest_cli
from server.observability.service import Observability
from server.policy import load_policy

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the app from DRAFTER_* variables; `config` overrides them (tests). Raises ConfigError."""
    settings = config_module.load(overrides=config)
    instance = settings["INSTANCE_PATH"] or os.path.join(Path(__file__).resolve().parents[1], "instance")
    app = Flask(__name__, instance_path=os.path.abspath(instance), static_folder=None)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.sort_keys = False
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(settings["LOG_LEVEL"], settings["LOG_FORMAT"])

    try:
        policy = load_policy(settings["POLICY_FILE"])
        presets = Presets.load(policy.get("presets"))
    except ValueError as exc:
        raise config_module.ConfigError(str(exc) if str(exc).startswith("DRAFTER_")
                                        else f"DRAFTER_POLICY_FILE: {exc}") from None
    app.extensions["drafter.policy"] = policy
    app.extensions["drafter.presets"] = presets
    app.extensions["drafter.http"] = make_session()
    try:
        app.extensions["drafter.tokens"] = TokenCounter(Path(app.instance_path) / "tiktoken").load()
    except TokenizerUnavailable as exc:
        raise config_module.ConfigError(f"tokenizer: {exc}") from None
    Auth().init_app(app)
    OnBehalfOf().init_app(app)
    GraphService().init_app(app)
    ModelGateway().init_app(app)
    PolicyGuard().init_app(app)
    AuditLog().init_app(app)
    Quotas().init_app(app)  # reads token use from the audit store
    Observability().init_app(app)  # wraps the models above; its request clock starts before every other hook

    register_error_handlers(app)
    register_blueprints(app)
    app.cli.add_command(manifest_cli)
    log.info("Drafter ready: auth=%s model=%s", settings["AUTH_MODE"], settings["MODEL_PROVIDER"])
    return app
