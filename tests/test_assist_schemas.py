"""Request validation: every rule names the field it concerns; sizes give 413; schemas stay publishable."""
from __future__ import annotations

import json

import pytest

from server.assist import schemas
from server.assist.validator import validate
from server.errors import InvalidRequest, TooLarge

BIG = "x" * (schemas.MAX_TEXT_CHARS + 1)


@pytest.mark.parametrize("job, body", [
    ("rewrite", {"text": "Hello.", "tone": "plain", "length": "shorter", "language": "fr-CA", "preset": "tone.formal",
                 "stream": True, "instruction": "", "history": [{"role": "user", "content": "shorter"},
                                                                {"role": "assistant", "content": "Hi."}]}),
    ("summarize", {"text": "Hello."}),
    ("summarize", {"document": {"filename": "a.docx", "content_base64": "UEsDBA=="}, "format": "tldr"}),
    ("summarize", {"attachments": [{"filename": "a.txt", "content_base64": "aGk="}], "focus": "costs"}),
    ("summarize", {"document": {"url": "https://contoso.sharepoint.com/:w:/s/x/abc"}}),
    ("draft", {"instruction": "Reply yes.", "kind": "reply", "format": "docx", "context": "Can you come?"}),
    ("review", {"text": "Draft.", "context": "Q?", "aspects": ["tone", "completeness"]}),
])
def test_valid_bodies_pass(job, body):
    validate(schemas.REQUESTS[job], body)


@pytest.mark.parametrize("job, body, error, field, words", [
    ("rewrite", {}, InvalidRequest, "text", "is required"),
    ("rewrite", {"text": ""}, InvalidRequest, "text", "must not be empty"),
    ("rewrite", {"text": "  \n\t "}, InvalidRequest, "text", "whitespace"),
    ("rewrite", {"text": 5}, InvalidRequest, "text", "must be a string"),
    ("rewrite", {"text": BIG}, TooLarge, "text", "at most 400,000"),
    ("rewrite", {"text": "a", "tone": "rude"}, InvalidRequest, "tone", "one of formal, neutral, friendly"),
    ("rewrite", {"text": "a", "length": "huge"}, InvalidRequest, "length", "shorter, same, longer"),
    ("rewrite", {"text": "a", "colour": "red"}, InvalidRequest, "colour", "unknown field"),
    ("rewrite", {"text": "a", "stream": "yes"}, InvalidRequest, "stream", "true or false"),
    ("rewrite", {"text": "a", "language": "French!"}, InvalidRequest, "language", "BCP 47"),
    ("rewrite", {"text": "a", "preset": "no spaces"}, InvalidRequest, "preset", "preset id"),
    ("rewrite", {"text": "a", "instruction": "x" * 2001}, InvalidRequest, "instruction", "too long"),
    ("rewrite", {"text": "a", "history": [{"role": "user", "content": "a"}] * 21}, InvalidRequest, "history",
     "at most 20"),
    ("rewrite", {"text": "a", "history": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                                          {"role": "system", "content": "c"}]},
     InvalidRequest, "history[2].role", "one of user, assistant"),
    ("rewrite", {"text": "a", "history": [{"role": "user"}]}, InvalidRequest, "history[0].content", "required"),
    ("rewrite", {"text": "a", "history": [{"role": "user", "content": "a", "x": 1}]}, InvalidRequest,
     "history[0].x", "unknown field"),
    ("rewrite", {"text": "a", "history": "shorter"}, InvalidRequest, "history", "must be an array"),
    ("summarize", {}, InvalidRequest, "text", "one of text, document or attachments"),
    ("summarize", {"document": {"filename": "a.docx"}}, InvalidRequest, "document.content_base64", "required"),
    ("summarize", {"document": {"url": "http://contoso.sharepoint.com/x"}}, InvalidRequest, "document.url",
     "https link to a SharePoint"),
    ("summarize", {"document": {"url": ""}}, InvalidRequest, "document.url", "must not be empty"),
    ("summarize", {"document": {"url": "https://x.sharepoint.com/" + "a" * 2048}}, InvalidRequest, "document.url",
     "too long"),
    ("summarize", {"document": {"url": "https://x.sharepoint.com/a", "filename": "a.txt"}}, InvalidRequest,
     "document", "takes filename and content_base64, or url: one form, not a mix"),
    ("summarize", {"document": {}}, InvalidRequest, "document.filename", "required"),
    ("summarize", {"document": "https://x.sharepoint.com/a"}, InvalidRequest, "document", "must be an object"),
    ("summarize", {"text": "a", "format": "poem"}, InvalidRequest, "format", "bullets, paragraph, tldr"),
    ("summarize", {"attachments": [{"filename": "", "content_base64": "aGk="}]}, InvalidRequest,
     "attachments[0].filename", "must not be empty"),
    ("draft", {"instruction": " "}, InvalidRequest, "instruction", "whitespace"),
    ("draft", {"instruction": "a", "kind": "poem"}, InvalidRequest, "kind", "email, reply, memo"),
    ("draft", {"instruction": "a", "context": BIG}, TooLarge, "context", "too long"),
    ("review", {"text": "a", "aspects": []}, InvalidRequest, "aspects", "at least 1"),
    ("review", {"text": "a", "aspects": ["spelling"]}, InvalidRequest, "aspects[0]", "tone, clarity, completeness"),
])
def test_invalid_bodies_name_the_field(job, body, error, field, words):
    with pytest.raises(error) as caught:
        validate(schemas.REQUESTS[job], body)
    assert caught.value.field == field
    assert words in caught.value.message
    assert type(caught.value) is error


def test_body_must_be_an_object():
    with pytest.raises(InvalidRequest, match="the request body must be an object"):
        validate(schemas.REWRITE_REQUEST, ["text"])


@pytest.mark.parametrize("schema, value, words", [
    ({"type": "integer", "minimum": 1}, 0, "at least 1"),
    ({"type": "integer", "maximum": 3}, 4, "at most 3"),
    ({"type": "integer"}, True, "an integer"),
    ({"type": "number"}, "1", "a number"),
    ({"type": "string", "minLength": 3}, "ab", "at least 3 characters"),
])
def test_numeric_and_length_rules(schema, value, words):
    with pytest.raises(InvalidRequest, match=words):
        validate(schema, value)


def test_unsupported_keyword_is_a_programming_error():
    with pytest.raises(ValueError, match="unsupported keywords"):
        validate({"type": "string", "format": "email"}, "a")


def test_schemas_are_json_and_results_carry_request_id_and_guard():
    json.dumps([schemas.REQUESTS, schemas.RESULTS])
    for job, result in schemas.RESULTS.items():
        assert "request_id" in result["required"], job
        assert result["properties"]["guard"]["type"] == "object"
    for request in schemas.REQUESTS.values():
        assert request["additionalProperties"] is False
        assert {"history", "stream", "preset", "language"} <= set(request["properties"])
    assert "attachments" in schemas.SUMMARIZE_REQUEST["properties"]
    assert "attachments" in schemas.DRAFT_REQUEST["properties"]
    assert "attachments" not in schemas.REWRITE_REQUEST["properties"]
