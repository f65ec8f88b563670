"""The validator's patterns mean what the published JSON Schema says (schemathesis found each gap).

JSON Schema patterns are ECMA-262; Python's re reads `$` and `\\s` otherwise, so the service used to accept
values the published schema refuses ("en\\n") and refuse values it accepts ("\\x1c" as text). Base64 file
content was published as any string though only padded base64 decodes; an empty attachments list was accepted
by the schema though it leaves nothing to summarize.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.assist import schemas
from server.assist.validator import BASE64_PATTERN, NOT_BLANK_PATTERN, is_base64, validate
from server.errors import InvalidRequest

ECMA_WHITESPACE = set("\t\n\v\f\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)}


def refused(job: str, body: dict) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        validate(schemas.REQUESTS[job], body)
    return caught.value


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet="AZaz09+/=\n -_", max_size=14))
def test_the_base64_check_is_the_published_pattern(value):
    assert is_base64(value) == (re.fullmatch(BASE64_PATTERN, value) is not None)


@pytest.mark.parametrize("content", ["00", "aGk", "AAAA=", "AAAA====", "aGk=\n", "aG k=", "aGk_"])
def test_file_content_that_is_not_padded_base64_is_refused(content):
    error = refused("summarize", {"document": {"filename": "a.txt", "content_base64": content}})
    assert error.field == "document.content_base64" and "must be base64" in error.message


def test_file_content_is_published_as_base64():
    content = schemas.REQUESTS["summarize"]["properties"]["attachments"]["items"]["properties"]["content_base64"]
    assert content["contentEncoding"] == "base64" and content["pattern"] == BASE64_PATTERN
    validate(schemas.REQUESTS["summarize"], {"attachments": [{"filename": "a.txt", "content_base64": "aGk="}]})


def test_a_base64_string_with_another_pattern_is_a_programming_error():
    with pytest.raises(ValueError, match="BASE64_PATTERN"):
        validate({"type": "string", "contentEncoding": "base64", "pattern": "^[A-Z]*$"}, "AAAA")


@pytest.mark.parametrize("field, value", [("language", "en\n"), ("preset", "tone.formal\n")])
def test_a_final_dollar_ends_the_value_as_in_json_schema(field, value):
    assert refused("rewrite", {"text": "a", field: value}).field == field
    validate(schemas.REQUESTS["rewrite"], {"text": "a", field: value.strip()})


@pytest.mark.parametrize("blank", ["\x1c\x1f", "\x85", "\ufeff", "\u3000 \t"])
def test_text_of_whitespace_either_way_of_counting_is_refused(blank):
    assert "whitespace" in refused("rewrite", {"text": blank}).message


def test_not_blank_means_the_same_in_python_and_in_json_schema():
    # Python counts str.isspace(), ECMA-262 its own list; the published class refuses the union of both
    pattern = re.compile(NOT_BLANK_PATTERN)
    for code in range(0x3001):  # every whitespace character of either list is below U+3001, but U+FEFF
        char = chr(code)
        assert (pattern.search(char) is None) == (char.isspace() or char in ECMA_WHITESPACE), hex(code)
    assert pattern.search("\ufeff") is None and pattern.search("\u200b")  # zero-width space is not blank


def test_an_empty_attachments_list_alone_is_refused():
    error = refused("summarize", {"attachments": []})
    assert error.field == "attachments" and "at least 1" in error.message
    validate(schemas.REQUESTS["summarize"], {"text": "a", "attachments": []})  # with text it is harmless
