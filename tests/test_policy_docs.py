"""docs/policy.example.yaml starts the service and does what docs/policy.md says."""
from __future__ import annotations

from server.app import create_app
from tests.conftest import ROOT

EXAMPLE = ROOT / "docs" / "policy.example.yaml"


def test_the_example_policy_starts_the_service(app_config, monkeypatch):
    monkeypatch.setenv("DRAFTER_SENSITIVE_API_KEY", "in-house-key")
    app = create_app({**app_config, "POLICY_FILE": str(EXAMPLE)})
    guard = app.extensions["drafter.guard"]
    assert set(guard.routes) == {"sensitive"}
    assert guard.routes["sensitive"].endpoint == "https://llm.internal.agency.gov/v1"
    assert guard.policy.rule_for("cui").action == "route" and guard.policy.rule_for("secret").action == "block"
    assert guard.policy.phone_regions == ("US", "CA")
    assert app.extensions["drafter.quotas"].policy.user_requests_per_minute == 20
    assert app.extensions["drafter.presets"].get("ministerial-brief", job="draft").kind == "draft"


def test_the_guide_names_every_section_and_type():
    from server.governance.rules import ALIASES, TYPES
    from server.policy import KNOWN_SECTIONS

    guide = (ROOT / "docs" / "policy.md").read_text()
    for section in KNOWN_SECTIONS:
        assert f"## {section}" in guide, section
    for name in (*TYPES, *ALIASES):
        assert f"`{name}`" in guide, name
