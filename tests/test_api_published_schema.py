"""What /api/v1/openapi.json promises, the service does: one test per gap schemathesis found (test_fuzz_api.py).

The description is read as a client reads it (jsonschema, draft 2020-12, from the served document) and the
service is called with what it says is valid or invalid.
"""
from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator, ValidationError, validators

from tests.test_api_jobs import sse_events


@pytest.fixture
def spec(client, auth_headers) -> dict:
    return client.get("/api/v1/openapi.json", headers=auth_headers).get_json()


def _ecma_pattern(validator, pattern, instance, schema):
    # jsonschema applies patterns with Python's re, whose final `$` also matches before a trailing newline;
    # JSON Schema's (ECMA-262) does not, and that difference was one of the findings
    if validator.is_type(instance, "string") and not re.search(re.sub(r"(?<!\\)\$$", r"\\Z", pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def schema_of(spec: dict, schema: dict) -> Draft202012Validator:
    """A validator of `schema` whose "#/components/..." references resolve in `spec`."""
    return EcmaValidator({**schema, "components": spec["components"]})


def component(spec: dict, name: str) -> Draft202012Validator:
    return schema_of(spec, {"$ref": f"#/components/schemas/{name}"})


def test_presets_answer_as_their_published_schema(client, auth_headers, spec):
    # Preset.description was published as a string; it is {en, fr}, like the label
    presets = client.get("/api/v1/presets", headers=auth_headers).get_json()["presets"]
    preset = component(spec, "Preset")
    for entry in presets:
        assert not list(preset.iter_errors(entry)), entry["id"]


@pytest.mark.parametrize("job, body", [("rewrite", {"text": "Hello there."}),
                                       ("draft", {"instruction": "Write a note."})])
def test_every_published_preset_is_accepted_and_no_other(client, auth_headers, spec, upstream, job, body):
    request = component(spec, f"{job.capitalize()}Request")
    published = spec["components"]["schemas"][f"{job.capitalize()}Request"]["properties"]["preset"]["enum"]
    for preset in published:
        sent = {**body, "preset": preset, **({"language": "fr"} if preset == "translate" else {})}
        assert request.is_valid(sent)
        response = client.post(f"/api/v1/{job}", headers=auth_headers, json=sent)
        assert response.status_code == 200, (preset, response.get_json())
    # schema-valid ids the service refuses were the finding: an unknown id, or another job's, is now invalid
    for preset in ("blocked", "draft.memo" if job == "rewrite" else "translate"):
        assert not request.is_valid({**body, "preset": preset})
        assert client.post(f"/api/v1/{job}", headers=auth_headers, json={**body, "preset": preset}).status_code == 400


def test_a_preset_that_needs_a_language_is_published_as_needing_it(client, auth_headers, spec):
    request = component(spec, "RewriteRequest")
    assert not request.is_valid({"text": "Hello.", "preset": "translate"})
    assert request.is_valid({"text": "Hello.", "preset": "translate", "language": "fr"})
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hello.", "preset": "translate"})
    assert response.status_code == 400 and response.get_json()["field"] == "language"


def test_jobs_without_presets_publish_no_preset_field(spec):
    for job in ("Summarize", "Review"):
        assert "preset" not in spec["components"]["schemas"][f"{job}Request"]["properties"]


def test_links_are_not_published_where_they_cannot_be_read(client, auth_headers, spec):
    # dev mode cannot read SharePoint links (no Entra): {url} was schema-valid and always refused
    link = {"url": "https://contoso.sharepoint.com/:w:/s/x/abc"}
    for job, body in (("summarize", {}), ("draft", {"instruction": "Brief me."})):
        assert not component(spec, f"{job.capitalize()}Request").is_valid({**body, "document": link})
        assert client.post(f"/api/v1/{job}", headers=auth_headers, json={**body, "document": link}).status_code == 400


def test_links_are_published_where_they_can_be_read():
    from server.api.openapi import Deployment, build_openapi
    from server.assist.presets import Presets

    spec = build_openapi("https://drafter.agency.test", deployment=Deployment(Presets.load(), links=True))
    request = component(spec, "SummarizeRequest")
    assert request.is_valid({"document": {"url": "https://contoso.sharepoint.com/:w:/s/x/abc"}})
    assert request.is_valid({"document": {"filename": "a.txt", "content_base64": "aGk="}})


@pytest.mark.parametrize("job, body", [
    ("rewrite", {"text": "Hello there."}), ("summarize", {"text": "One.\n\nTwo."}),
    ("draft", {"instruction": "A note."}), ("review", {"text": "Draft."}),
    ("rewrite", {"text": "Hello.", "preset": "no.such"}),  # an error before any output: its own status
])
def test_every_streamed_event_matches_the_published_event_schema(client, auth_headers, spec, upstream, job, body):
    # the stream was published as {"type": "string"}; each event is {event, data} with JSON data
    content = spec["paths"][f"/api/v1/{job}"]["post"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
    event_schema = schema_of(spec, content)
    data_schemas = {branch["properties"]["event"]["const"]: branch["properties"]["data"]["contentSchema"]
                    for branch in content["oneOf"]}
    response = client.post(f"/api/v1/{job}", headers=auth_headers, json={**body, "stream": True})
    if response.status_code != 200:
        assert response.status_code == 400 and response.mimetype == "application/json"
        return
    events = sse_events(response.get_data())
    assert events[-1][0] == "result"
    for name, data in events:
        assert event_schema.is_valid({"event": name, "data": json.dumps(data)}), name
        assert not list(schema_of(spec, data_schemas[name]).iter_errors(data)), name


@pytest.mark.parametrize("day, valid", [("2000-01-01", True), ("2099-12-31", True), ("1999-12-31", False),
                                        ("9426-07-12", False), ("2026-13-01", False), ("2026-02-00", False)])
def test_usage_report_days_are_published_with_their_range(client, admin_headers, spec, day, valid):
    [parameter] = [p for p in spec["paths"]["/api/v1/admin/usage"]["get"]["parameters"] if p["name"] == "to"]
    assert (re.fullmatch(parameter["schema"]["pattern"], day) is not None) == valid
    status = client.get(f"/api/v1/admin/usage?from={day}&to={day}", headers=admin_headers).status_code
    assert status == (200 if valid else 400)


@pytest.mark.parametrize("body, field", [
    ({"name": "Ann", "email": "ann@agency.gov", "roles": [""]}, "roles"),
    ({"name": "Ann", "email": "ann@agency.gov", "roles": ["Drafter.Admin\n"]}, "roles"),
    ({"name": "Ann", "email": "ann@agency.gov\n"}, "email"),
    ({"name": "Ann", "email": "ann@\x1dagency.gov"}, "email"),
    ({"name": "\x1c", "email": "ann@agency.gov"}, "name"),
])
def test_dev_tokens_are_refused_exactly_as_published(client, spec, body, field):
    request = schema_of(spec, spec["paths"]["/dev/token"]["post"]["requestBody"]["content"]["application/json"]
                        ["schema"])
    assert not request.is_valid(body)
    response = client.post("/dev/token", json=body)
    assert response.status_code == 400 and response.get_json()["field"] == field
    accepted = {**body, **{field: {"name": "Ann", "email": "ann@agency.gov", "roles": ["Drafter.Admin"]}[field]}}
    assert request.is_valid(accepted) and client.post("/dev/token", json=accepted).status_code == 200
