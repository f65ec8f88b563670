"""The guard's decisions under the default policy and under an admin's own rules; the policy's mistakes."""
from __future__ import annotations

import pytest

from server.errors import BlockedByPolicy
from server.governance.guard import Guard
from server.governance.guarded_model import RedactingModel, Unscreened
from server.governance.material import Material
from server.governance.rules import parse_guard_policy
from server.llm.fake import FakeModel


def guard(section=None, routes=None) -> Guard:
    routes = routes or {}
    return Guard(parse_guard_policy(section, set(routes)), routes)


MAIN = FakeModel(name="main")


def test_nothing_found_uses_the_model_as_is():
    model, verdict = guard().screen([Material("text", "Please rewrite this note about the meeting.")], Unscreened(MAIN))
    assert model is MAIN
    assert verdict.to_dict() == {"enabled": True, "findings": [], "actions": []}


@pytest.mark.parametrize("text, marking", [
    ("SECRET//NOFORN\nOperation details.", "SECRET//NOFORN"),
    ("TOP SECRET\nx", "TOP SECRET"),
    ("CONFIDENTIAL\nx", "CONFIDENTIAL"),
    ("DIFFUSION RESTREINTE\nx", "DIFFUSION RESTREINTE"),
])
def test_default_policy_blocks_classified_markings(text, marking):
    with pytest.raises(BlockedByPolicy) as caught:
        guard().screen([Material("text", text)], MAIN)
    error = caught.value
    assert error.status == 403 and error.code == "blocked_by_policy" and error.field == "text"
    assert error.message.startswith(f"The text is marked {marking}.")
    assert "must not be sent to the AI model" in error.message
    assert error.extra["guard"]["actions"] == ["block"]


def test_default_policy_blocks_cui_when_no_sensitive_endpoint_is_configured():
    with pytest.raises(BlockedByPolicy) as caught:
        guard().screen([Material("document", "CUI\nbody", name="memo.docx")], MAIN)
    assert caught.value.message.startswith("The document memo.docx is marked CUI (Controlled Unclassified")
    assert "no approved model endpoint for CUI is configured" in caught.value.message
    assert caught.value.field == "document"


def test_default_policy_routes_cui_to_the_sensitive_endpoint():
    inhouse = FakeModel(name="inhouse")
    model, verdict = guard(routes={"sensitive": inhouse}).screen(
        [Material("text", "CUI//SP-PRVCY\nCase notes.")], MAIN)
    assert model is inhouse
    assert verdict.endpoint == "sensitive"
    assert verdict.to_dict()["findings"] == [{"type": "cui", "count": 1, "action": "route"}]
    assert verdict.label == {"classification": "cui"}


def test_default_policy_redacts_ids_and_warns_on_contacts():
    text = "SSN 123-45-6789, card 4111 1111 1111 1111, mail jane@agency.gov, call (202) 555-0143."
    model, verdict = guard().screen([Material("text", text)], MAIN)
    assert isinstance(model, RedactingModel) and model.inner is MAIN
    assert verdict.to_dict() == {"enabled": True, "actions": ["redact", "warn"], "findings": [
        {"type": "ssn", "count": 1, "action": "redact"}, {"type": "card", "count": 1, "action": "redact"},
        {"type": "email", "count": 1, "action": "warn"}, {"type": "phone", "count": 1, "action": "warn"}]}
    assert verdict.redacted == {"ssn": 1, "card": 1}
    assert model.redactor.redact(text) == "SSN [SSN_1], card [CARD_1], mail jane@agency.gov, call (202) 555-0143."


def test_a_block_anywhere_wins_over_everything_else():
    materials = [Material("text", "SSN 123-45-6789"), Material("attachments[1]", "x\nSECRET", name="annex.pdf"),
                 Material("history", "TOP SECRET\nold turn")]
    with pytest.raises(BlockedByPolicy) as caught:
        guard(routes={"sensitive": FakeModel()}).screen(materials, MAIN)
    # the first blocked material in request order is the one named
    assert caught.value.message.startswith("The attachment annex.pdf is marked SECRET.")
    assert caught.value.field == "attachments[1]"
    kinds = {f["type"]: f["count"] for f in caught.value.extra["guard"]["findings"]}
    assert kinds == {"ssn": 1, "secret": 1, "top_secret": 1}


def test_counts_add_up_across_materials():
    _model, verdict = guard().screen([Material("text", "a@b.gov c@d.gov"), Material("history", "e@f.gov")], MAIN)
    assert verdict.counts() == {"email": 3}


def test_mip_label_names_spelling_a_marking_count_as_it():
    label = {"mip": {"id": "abc", "name": "Secret", "enabled": True}, "markings": []}
    with pytest.raises(BlockedByPolicy) as caught:
        guard().screen([Material("document", "plain body", label=label, name="plan.docx")], MAIN)
    assert "is marked Secret (its sensitivity label)." in caught.value.message


def test_listed_labels_map_to_the_admins_types():
    section = {"labels": [{"name": "Highly Confidential*", "type": "confidential"},
                          {"id": "{ABC}", "type": "none"}]}
    hc = {"mip": {"id": "x1", "name": "Highly Confidential\\All Employees", "enabled": True}, "markings": []}
    with pytest.raises(BlockedByPolicy):
        guard(section).screen([Material("document", "body", label=hc)], MAIN)
    ignored = {"mip": {"id": "abc", "name": "SECRET", "enabled": True}, "markings": []}
    model, verdict = guard(section).screen([Material("document", "body", label=ignored)], MAIN)
    assert model is MAIN and verdict.findings == {}
    assert verdict.label == {"mip": {"id": "abc", "name": "SECRET"}}


def test_an_unlisted_label_without_a_marking_name_means_nothing():
    label = {"mip": {"id": "x", "name": "General", "enabled": True}, "markings": []}
    model, verdict = guard().screen([Material("document", "body", label=label)], MAIN)
    assert model is MAIN and verdict.findings == {}


def test_a_documents_own_markings_from_its_headers_count():
    label = {"mip": None, "markings": ["SECRET"], "classification": "SECRET", "level": 3}
    with pytest.raises(BlockedByPolicy):
        guard().screen([Material("document", "the body has no banner", label=label)], MAIN)


def test_admin_rules_replace_the_default():
    section = {"rules": [{"detect": "email", "action": "block", "reason": "No addresses, please."},
                         {"detect": "personal_data", "action": "warn"}]}
    with pytest.raises(BlockedByPolicy) as caught:
        guard(section).screen([Material("text", "jane@agency.gov")], MAIN)
    assert caught.value.message == "No addresses, please."
    model, verdict = guard(section).screen([Material("text", "SECRET\n123-45-6789")], MAIN)
    # markings no rule names are reported without an action; the SSN is only warned about
    assert model is MAIN
    assert verdict.to_dict()["findings"] == [{"type": "secret", "count": 1, "action": "none"},
                                             {"type": "ssn", "count": 1, "action": "warn"}]


def test_a_disabled_guard_says_so():
    assert guard({"enabled": False}).enabled is False


def test_route_rules_in_policy_order_decide_between_endpoints():
    a, b = FakeModel(name="a"), FakeModel(name="b")
    section = {"rules": [{"detect": "cui", "action": "route", "endpoint": "b"},
                         {"detect": "ssn", "action": "route", "endpoint": "a"}]}
    model, verdict = guard(section, routes={"a": a, "b": b}).screen(
        [Material("text", "SSN 123-45-6789"), Material("history", "CUI\nx")], MAIN)
    assert model is b and verdict.endpoint == "b"


@pytest.mark.parametrize("section, message", [
    ("block everything", "guard must be a mapping"),
    ({"rule": []}, "guard: unknown key 'rule'"),
    ({"enabled": "yes"}, "guard.enabled must be true or false"),
    ({"rules": {"detect": "ssn"}}, "guard.rules must be a list"),
    ({"rules": [{"detect": "passport", "action": "block"}]}, "guard.rules[0].detect: unknown type 'passport'"),
    ({"rules": [{"detect": [], "action": "block"}]}, "guard.rules[0].detect must name a type"),
    ({"rules": [{"detect": "ssn", "action": "delete"}]}, "guard.rules[0].action must be one of block, route"),
    ({"rules": [{"detect": "secret", "action": "redact"}]}, "secret is a marking, not a value"),
    ({"rules": [{"detect": "cui", "action": "route"}]}, "a route rule names its endpoint"),
    ({"rules": [{"detect": "cui", "action": "route", "endpoint": "nowhere"}]},
     "guard.rules[0].endpoint 'nowhere' is not under routing.endpoints (none is defined)"),
    ({"rules": [{"detect": "ssn", "action": "block", "endpoint": "x"}]}, "only a route rule takes an endpoint"),
    ({"rules": [{"detect": "ssn", "action": "block", "reason": ""}]}, "reason must be text the pane can show"),
    ({"rules": [{"detect": "ssn", "action": "block", "why": "x"}]}, "unknown key 'why'"),
    ({"labels": [{"name": "X"}]}, "guard.labels[0].type must be one of"),
    ({"labels": [{"name": "X", "id": "y", "type": "secret"}]}, "either a name or an id"),
    ({"labels": "Secret"}, "guard.labels must be a list"),
    ({"phone_regions": ["US", "XX"]}, "guard.phone_regions: 'XX' is not a region"),
    ({"phone_regions": []}, "guard.phone_regions must be a non-empty list"),
])
def test_policy_mistakes_are_named(section, message):
    with pytest.raises(ValueError) as caught:
        parse_guard_policy(section, set())
    assert message in str(caught.value)
