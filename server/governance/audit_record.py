"""An audit record: its fields, their validation, and the hash that chains it to the one before.

Pure Python. A record says who used Drafter, how and with what result; never what the text was (that goes
to the content table, and only when content retention is on). Keys that name types (findings, guard
actions, error codes, presets) must look like identifiers, so text cannot slip into them by mistake.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

OUTCOMES = ("ok", "blocked", "redacted", "upstream_error", "cancelled", "rate_limited", "error")
HOSTS = ("word", "outlook", "preview", "unknown")
ACTIONS = ("rewrite", "summarize", "draft", "review")
LABEL_KEYS = ("classification", "mip_name", "mip_id")

REQUIRED = ("time", "request_id", "tenant_id", "user_id", "host", "action", "model", "endpoint",
            "prompt_tokens", "completion_tokens", "latency_ms", "outcome")
OPTIONAL = {"upn": None, "preset": None, "ttft_ms": None, "error_code": None, "findings": {},
            "guard_actions": {}, "label": None}
# every field but content, in the order records are shown; seq and prev_hash are added when hashing
HASHED = ("time", "request_id", "tenant_id", "user_id", "upn", "host", "action", "preset", "model", "endpoint",
          "prompt_tokens", "completion_tokens", "latency_ms", "ttft_ms", "outcome", "error_code", "findings",
          "guard_actions", "label")

IDENTIFIER = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
MAX_COUNT = 2**31 - 1
MAX_MAP_ENTRIES = 64


def _text(record: dict, name: str, limit: int, *, nullable: bool = False) -> str | None:
    value = record[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"audit record: {name} must be a non-empty string of at most {limit} characters"
                         f"{' or None' if nullable else ''}, got {type(value).__name__}")
    return value


def _identifier(record: dict, name: str) -> str | None:
    value = record[name]
    if value is not None and not (isinstance(value, str) and IDENTIFIER.match(value)):
        raise ValueError(f"audit record: {name} must be an identifier (letters, digits, _ . : / -, at most 64) "
                         "or None")
    return value


def _count(record: dict, name: str, *, nullable: bool = False) -> int | None:
    value = record[name]
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"audit record: {name} must be a whole number from 0 to {MAX_COUNT}"
                         f"{' or None' if nullable else ''}, got {value!r}")
    return value


def _choice(record: dict, name: str, options: tuple[str, ...]) -> str:
    if record[name] not in options:
        raise ValueError(f"audit record: {name} must be one of {', '.join(options)}, got {record[name]!r}")
    return record[name]


def _time(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("audit record: time must be a timezone-aware datetime")
    return value.astimezone(dt.UTC)


def _type_map(record: dict, name: str, value_kind: str) -> dict:
    value = record[name]
    if not isinstance(value, dict) or len(value) > MAX_MAP_ENTRIES:
        raise ValueError(f"audit record: {name} must be a mapping of at most {MAX_MAP_ENTRIES} types")
    for key, item in value.items():
        if not (isinstance(key, str) and IDENTIFIER.match(key)):
            raise ValueError(f"audit record: {name} keys must be type names (identifiers), not text")
        if value_kind == "count" and (isinstance(item, bool) or not isinstance(item, int)
                                      or not 0 <= item <= MAX_COUNT):
            raise ValueError(f"audit record: {name}[{key!r}] must be a count, got {item!r}")
        if value_kind == "action" and not (isinstance(item, str) and IDENTIFIER.match(item)):
            raise ValueError(f"audit record: {name}[{key!r}] must be an action name")
    return dict(value)


def _label(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= set(LABEL_KEYS):
        raise ValueError(f"audit record: label must be None or a mapping with keys among {', '.join(LABEL_KEYS)}")
    for key, item in value.items():
        if item is not None and not (isinstance(item, str) and len(item) <= 256):
            raise ValueError(f"audit record: label[{key!r}] must be a string of at most 256 characters or None")
    return dict(value)


def _endpoint(value: str | None) -> str | None:
    """The model endpoint without user, password, query or fragment: never a credential in the trail."""
    if value is None:
        return None
    parts = urlsplit(value)
    if not (parts.scheme and parts.hostname):
        return value  # a deployment or route name rather than a URL
    try:
        port = parts.port
    except ValueError:
        raise ValueError("audit record: endpoint is a URL with a bad port") from None
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return urlunsplit((parts.scheme, netloc + (f":{port}" if port else ""), parts.path, "", ""))


def _content(value: Any) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value or not set(value) <= {"input", "output"}:
        raise ValueError("audit record: content must be None or {'input': str, 'output': str}")
    if any(item is not None and not isinstance(item, str) for item in value.values()):
        raise ValueError("audit record: content input and output must be strings or None")
    return {"input": value.get("input"), "output": value.get("output")}


def validate(record: dict) -> tuple[dict, dict | None]:
    """(the record's hashed fields, normalized; its content or None). Raises ValueError naming the field."""
    if not isinstance(record, dict):
        raise ValueError("audit record: must be a mapping")
    missing = [name for name in REQUIRED if name not in record]
    if missing:
        raise ValueError(f"audit record: missing field {missing[0]}")
    unknown = sorted(set(record) - set(HASHED) - {"content"})
    if unknown:
        raise ValueError(f"audit record: unknown field {unknown[0]}")
    full = {**OPTIONAL, **record}
    fields = {
        "time": _time(full["time"]),
        "request_id": _text(full, "request_id", 128),
        "tenant_id": _text(full, "tenant_id", 128),
        "user_id": _text(full, "user_id", 128),
        "upn": _text(full, "upn", 320, nullable=True),
        "host": _choice(full, "host", HOSTS),
        "action": _choice(full, "action", ACTIONS),
        "preset": _identifier(full, "preset"),
        "model": _text(full, "model", 200, nullable=True),
        "endpoint": _endpoint(_text(full, "endpoint", 500, nullable=True)),
        "prompt_tokens": _count(full, "prompt_tokens"),
        "completion_tokens": _count(full, "completion_tokens"),
        "latency_ms": _count(full, "latency_ms"),
        "ttft_ms": _count(full, "ttft_ms", nullable=True),
        "outcome": _choice(full, "outcome", OUTCOMES),
        "error_code": _identifier(full, "error_code"),
        "findings": _type_map(full, "findings", "count"),
        "guard_actions": _type_map(full, "guard_actions", "action"),
        "label": _label(full["label"]),
    }
    return fields, _content(record.get("content"))


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 as is. Stored JSON columns use it too."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def time_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_hash(fields: dict, seq: int, prev_hash: str) -> str:
    """sha256 over the canonical JSON of the fields, the record's seq and the hash of the one before."""
    body = {name: fields[name] for name in HASHED}
    body["time"] = time_text(fields["time"])
    body["seq"] = seq
    body["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def audit_label(document_label: dict | None) -> dict | None:
    """The small label an audit record keeps, from a label as server.documents.labels gives it (its markings
    and sources, which can carry file names, stay out)."""
    if not document_label:
        return None
    mip = document_label.get("mip") or {}
    label = {"classification": document_label.get("classification"), "mip_name": mip.get("name"),
             "mip_id": mip.get("id")}
    return label if any(label.values()) else None
