"""The Quotas extension: the rate limiter (Flask-Limiter: memory, or Redis through DRAFTER_REDIS_URL) and
the token budgets read from the audit store, kept in app.extensions["drafter.quotas"]."""
from __future__ import annotations

import logging

from flask_limiter import Limiter

from server.config import PREFIX, ConfigError
from server.governance.quotas import QuotaGuard, parse_quotas

log = logging.getLogger(__name__)
EXTENSION = "drafter.quotas"
KEY_PREFIX = "drafter:limits"  # Redis keys, beside the token cache's drafter:* keys


class Quotas:
    def init_app(self, app) -> None:
        try:
            policy = parse_quotas(app.extensions["drafter.policy"].get("quotas"))
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}POLICY_FILE: {exc}") from None
        redis_url = app.config.get("REDIS_URL")
        # Only the limiter's storage and moving-window strategy are used, checked from the job views (where a
        # refusal is audited like any other outcome); no limit is declared on routes, so it checks nothing itself.
        limiter = Limiter(key_func=lambda: "unused", storage_uri=redis_url or "memory://",
                          storage_options={"key_prefix": KEY_PREFIX} if redis_url else {},
                          strategy="moving-window", default_limits=[], headers_enabled=False)
        limiter.init_app(app)
        guard = QuotaGuard(policy, limiter.limiter, app.extensions["drafter.audit"].store)
        app.extensions[EXTENSION] = guard
        log.info("quotas: %s requests per minute per user, %s tokens a day per user, %s per tenant (%s)",
                 policy.user_requests_per_minute or "no limit", policy.user_tokens_per_day or "no limit",
                 policy.tenant_tokens_per_day or "no limit", "Redis" if redis_url else "in memory, per process")
