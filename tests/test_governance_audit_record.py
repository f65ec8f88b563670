"""An audit record's validation and hash (pure), the label it keeps, and the retention section's parsing."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from server.governance.audit_record import (
    HASHED,
    OPTIONAL,
    REQUIRED,
    audit_label,
    canonical_json,
    record_hash,
    validate,
)
from server.governance.retention import Retention, parse_retention
from server.governance.schema import GENESIS_HASH
from tests.audit_helpers import NOW, make_record


def test_every_field_is_hashed_and_optional_ones_default():
    assert set(HASHED) == set(REQUIRED) | set(OPTIONAL) and len(HASHED) == len(set(HASHED))
    fields, content = validate(make_record())
    assert (fields["upn"], fields["preset"], fields["ttft_ms"], fields["error_code"], fields["label"]) == (None,) * 5
    assert (fields["findings"], fields["guard_actions"], content) == ({}, {}, None)


def test_time_is_kept_in_utc():
    paris = dt.timezone(dt.timedelta(hours=1))
    fields, _ = validate(make_record(time=NOW.astimezone(paris)))
    assert fields["time"] == NOW and fields["time"].tzinfo == dt.UTC


@pytest.mark.parametrize(("change", "message"), [
    ({"outcome": "maybe"}, "outcome must be one of ok, blocked, redacted, upstream_error, cancelled, rate_limited, "
                           "error, got 'maybe'"),
    ({"host": "excel"}, "host must be one of word, outlook, preview, unknown"),
    ({"action": "translate"}, "action must be one of rewrite, summarize, draft, review"),
    ({"time": dt.datetime(2026, 1, 1)}, "time must be a timezone-aware datetime"),
    ({"time": "2026-01-01T00:00:00Z"}, "time must be a timezone-aware datetime"),
    ({"request_id": ""}, "request_id must be a non-empty string of at most 128 characters"),
    ({"user_id": None}, "user_id must be a non-empty string"),
    ({"tenant_id": "t" * 129}, "tenant_id must be a non-empty string of at most 128 characters"),
    ({"prompt_tokens": -1}, "prompt_tokens must be a whole number from 0"),
    ({"completion_tokens": True}, "completion_tokens must be a whole number"),
    ({"latency_ms": 1.5}, "latency_ms must be a whole number"),
    ({"ttft_ms": "fast"}, "ttft_ms must be a whole number from 0 to 2147483647 or None"),
    ({"preset": "my preset"}, "preset must be an identifier"),
    ({"error_code": "Something went wrong: the model said no"}, "error_code must be an identifier"),
    ({"findings": {"ssn": "two"}}, "findings['ssn'] must be a count"),
    ({"findings": {"078-05-1120 was found": 1}}, "findings keys must be type names (identifiers), not text"),
    ({"findings": ["ssn"]}, "findings must be a mapping"),
    ({"guard_actions": {"ssn": "replace it with [SSN_1]"}}, "guard_actions['ssn'] must be an action name"),
    ({"label": {"markings": ["SECRET//NOFORN"]}}, "label must be None or a mapping with keys among classification"),
    ({"label": {"mip_name": 7}}, "label['mip_name'] must be a string of at most 256 characters or None"),
    ({"content": "the text"}, "content must be None or {'input': str, 'output': str}"),
    ({"content": {"input": b"bytes"}}, "content input and output must be strings or None"),
    ({"content": {"prompt": "x"}}, "content must be None or"),
    ({"endpoint": "https://api.example.test:99999/v1"}, "endpoint is a URL with a bad port"),
    ({"tokens": 5}, "unknown field tokens"),
])
def test_a_bad_record_is_refused_naming_the_field(change, message):
    with pytest.raises(ValueError, match=re.escape(f"audit record: {message}")):
        validate(make_record(**change))


def test_a_missing_field_is_named():
    for name in REQUIRED:
        record = make_record()
        del record[name]
        with pytest.raises(ValueError, match=f"audit record: missing field {name}$"):
            validate(record)
    with pytest.raises(ValueError, match="audit record: must be a mapping"):
        validate([("time", NOW)])


def test_the_endpoint_keeps_no_credential():
    fields, _ = validate(make_record(endpoint="https://u:pw@[::1]:8443/openai/deployments/x?api-key=k#f"))
    assert fields["endpoint"] == "https://[::1]:8443/openai/deployments/x"
    assert validate(make_record(endpoint="in-house-cui"))[0]["endpoint"] == "in-house-cui"
    assert validate(make_record(endpoint=None, model=None))[0]["endpoint"] is None


def test_the_hash_covers_every_field_seq_and_prev_hash():
    fields, _ = validate(make_record(findings={"ssn": 1}, label={"classification": "CUI"}))
    digest = record_hash(fields, 7, GENESIS_HASH)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert record_hash(dict(fields), 7, GENESIS_HASH) == digest  # the same record, the same hash
    assert record_hash(fields, 8, GENESIS_HASH) != digest
    assert record_hash(fields, 7, "1" * 64) != digest
    for name, other in (("latency_ms", 901), ("findings", {"ssn": 2}), ("label", None), ("upn", "x@y"),
                        ("time", NOW + dt.timedelta(microseconds=1))):
        assert record_hash({**fields, name: other}, 7, GENESIS_HASH) != digest, name


def test_canonical_json_has_one_spelling():
    assert canonical_json({"b": 1, "a": {"d": "é", "c": None}}) == '{"a":{"c":null,"d":"é"},"b":1}'


def test_the_audit_label_keeps_classification_and_mip_only():
    label = {"mip": {"id": "f42aa342", "name": "Confidential", "site_id": "s", "enabled": True},
             "markings": ["SECRET//NOFORN"], "classification": "SECRET", "level": 3,
             "sources": [{"field": "document", "filename": "Plan for the minister.docx"}]}
    assert audit_label(label) == {"classification": "SECRET", "mip_name": "Confidential", "mip_id": "f42aa342"}
    assert audit_label({"mip": None, "markings": [], "classification": None, "level": 0}) is None
    assert audit_label(None) is None
    validate(make_record(label=audit_label(label)))  # what it gives is what a record takes


# ---- retention ----

@pytest.mark.parametrize(("section", "expected"), [
    (None, Retention(content=False, days=None)),
    ({}, Retention(content=False, days=None)),
    ({"content": True, "days": 30}, Retention(content=True, days=30)),
    ({"content": False, "days": 7}, Retention(content=False, days=7)),
])
def test_retention_sections(section, expected):
    assert parse_retention(section) == expected


@pytest.mark.parametrize(("section", "message"), [
    (["content"], "retention must be a mapping with `content` (true or false) and `days` (a number)"),
    ({"content": True}, "retention.days is required when retention.content is true"),
    ({"content": "yes please", "days": 3}, "retention.content must be true or false, got 'yes please'"),
    ({"content": True, "days": 0}, "retention.days must be a whole number of days from 1 to 36500, got 0"),
    ({"content": True, "days": "30"}, "retention.days must be a whole number of days"),
    ({"content": True, "days": True}, "retention.days must be a whole number of days"),
    ({"content": True, "days": 30, "keep": "forever"}, "retention: unknown key 'keep' (known: content, days)"),
])
def test_bad_retention_sections_are_refused(section, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_retention(section)


def test_the_retention_cutoff():
    assert Retention(content=True, days=30).cutoff(NOW) == NOW - dt.timedelta(days=30)
    assert Retention(content=False).cutoff(NOW) == NOW  # retention off: no text is kept at all
