"""The PolicyGuard extension: the guard built once from the policy file, kept in app.extensions."""
from __future__ import annotations

import logging
import os

from server.config import ConfigError
from server.governance.guard import Guard
from server.governance.routing import build_routes, endpoint_names
from server.governance.rules import parse_guard_policy

log = logging.getLogger(__name__)
EXTENSION = "drafter.guard"


class PolicyGuard:
    def init_app(self, app) -> None:
        policy = app.extensions["drafter.policy"]
        try:
            # Start-up, like the rest of the configuration: an endpoint's key is read from its variable now
            routes = build_routes(policy.get("routing"), app.config, session=app.extensions["drafter.http"],
                                  environ=os.environ)
            rules = parse_guard_policy(policy.get("guard"), endpoint_names(policy.get("routing")))
        except ValueError as exc:
            raise ConfigError(f"DRAFTER_POLICY_FILE: {exc}") from None
        app.extensions[EXTENSION] = Guard(rules, routes)
        log.info("policy guard: %s, %d rules, routes: %s", "on" if rules.enabled else "OFF", len(rules.rules),
                 ", ".join(sorted(routes)) or "none")
