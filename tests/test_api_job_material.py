"""The material a job is sent (document, attachments), malformed or empty: its 4xx, never a 500 (schemathesis
found both)."""
from __future__ import annotations

import base64

from tests.test_api_audit import post, wait_for_records


def test_a_malformed_attachments_field_is_a_400_and_is_audited(app, client, auth_headers, upstream):
    # "attachments": null crashed the audit trail's reading of the refused body: 500
    for attachments in (None, "a.txt", [None, 5]):
        response = post(client, "/api/v1/summarize", headers=auth_headers, json={"attachments": attachments})
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["field"].startswith("attachments")
    assert [r["error_code"] for r in wait_for_records(app, 3)] == ["invalid_request"] * 3


def test_files_without_text_are_unreadable_not_malformed(client, auth_headers, upstream):
    blank = {"filename": "notes.txt", "content_base64": base64.b64encode(b"  \n\t\n").decode()}
    for body in ({"document": blank}, {"attachments": [blank]}):
        response = client.post("/api/v1/summarize", headers=auth_headers, json=body)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["field"] == next(iter(body))
    assert upstream.requests == []
