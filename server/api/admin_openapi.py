"""The OpenAPI description of GET /api/v1/admin/usage: the report's schema and the three formats."""
from __future__ import annotations

from server.governance.audit_record import ACTIONS, HOSTS, OUTCOMES
from server.governance.usage_labels import LANGUAGES
from server.governance.usage_query import (
    DEFAULT_DAYS,
    EARLIEST,
    FORMATS,
    LATEST,
    MAX_RANGE_DAYS,
    PUBLISHED_DATE_PATTERN,
)
from server.governance.usage_workbook import XLSX_TYPE

COUNT = {"type": "integer", "minimum": 0}
DATE = {"type": "string", "format": "date"}
COUNTS_BY = {"type": "object", "additionalProperties": COUNT}
MS = {"type": ["integer", "null"], "minimum": 0}

USAGE_DAY = {
    "type": "object", "additionalProperties": False,
    "required": ["day", "requests", "by_action", "by_host", "by_outcome", "prompt_tokens", "completion_tokens",
                 "blocked", "redacted", "errors", "latency_p50_ms", "latency_p95_ms"],
    "properties": {
        "day": DATE, "requests": COUNT,
        "by_action": {**COUNTS_BY, "required": list(ACTIONS), "description": "requests by job"},
        "by_host": {**COUNTS_BY, "required": list(HOSTS), "description": "requests by the application they came "
                                                                          "from (X-Drafter-Host)"},
        "by_outcome": {**COUNTS_BY, "required": list(OUTCOMES)},
        "prompt_tokens": COUNT, "completion_tokens": COUNT,
        "blocked": {**COUNT, "description": "jobs the policy guard refused"},
        "redacted": {**COUNT, "description": "jobs sent with personal identifiers replaced by placeholders"},
        "errors": {**COUNT, "description": "failed jobs (upstream errors, cancelled, rate limited, bad requests); "
                                          "blocked is counted apart"},
        "latency_p50_ms": {**MS, "description": "nearest-rank median latency of the day's completed jobs (ok, "
                                                "redacted); null on a day without one"},
        "latency_p95_ms": {**MS, "description": "nearest-rank 95th percentile, likewise"},
    },
}
USAGE_REPORT = {
    "type": "object", "additionalProperties": False,
    "required": ["tenant_id", "from", "to", "totals", "days", "top_presets", "errors", "users"],
    "properties": {
        "tenant_id": {"type": "string", "description": "the tenant the report covers: the caller's own"},
        "from": DATE, "to": DATE,
        "totals": {"type": "object", "additionalProperties": False,
                   "required": ["requests", "prompt_tokens", "completion_tokens", "blocked", "redacted", "errors",
                                "users"],
                   "properties": {name: COUNT for name in ("requests", "prompt_tokens", "completion_tokens",
                                                           "blocked", "redacted", "errors", "users")}},
        "days": {"type": "array", "items": USAGE_DAY, "description": "one entry per UTC day, empty days included"},
        "top_presets": {"type": "array", "description": "the most used presets, most used first (at most 10)",
                        "items": {"type": "object", "additionalProperties": False, "required": ["preset", "requests"],
                                  "properties": {"preset": {"type": "string"}, "requests": COUNT}}},
        "errors": {"type": "array", "description": "every outcome but ok and redacted, by error code, most "
                                                   "frequent first",
                   "items": {"type": "object", "additionalProperties": False,
                             "required": ["outcome", "error_code", "count"],
                             "properties": {"outcome": {"type": "string", "enum": list(OUTCOMES)},
                                            "error_code": {"type": ["string", "null"]}, "count": COUNT}}},
        "users": {"type": "array", "description": "per-user totals, most tokens first, under pseudonyms (never "
                                                  "the object id or UPN)",
                  "items": {"type": "object", "additionalProperties": False,
                            "required": ["user", "tenant_id", "requests", "prompt_tokens", "completion_tokens"],
                            "properties": {"user": {"type": "string", "pattern": "^user-[0-9a-f]{20}$"},
                                           "tenant_id": {"type": "string"}, "requests": COUNT,
                                           "prompt_tokens": COUNT, "completion_tokens": COUNT}}},
    },
}
DESCRIPTION = (
    f"Usage of Drafter for the UTC days from..to (inclusive; at most {MAX_RANGE_DAYS} days; by default the last "
    f"{DEFAULT_DAYS} days to today). Needs the app role Drafter.Admin. The report covers the caller's own tenant "
    "only (the token's tid), whatever the deployment serves. People appear under pseudonyms. format=csv answers "
    "the daily rows as CSV (RFC 4180, a header line); format=xlsx an Excel workbook with Summary, Daily and Users "
    "sheets and charts; both as attachments named drafter-usage-<from>-<to>.<csv|xlsx>. lang=fr writes the "
    "workbook's sheet names, headers and chart titles in French; the CSV header keeps its column names (day, "
    "requests, action_rewrite, ...) whatever lang says, so scripts can rely on them."
)


ERRORS = {
    "400": "invalid_request: a bad from, to, format or lang (named in `field`), from after to, a range over "
           f"{MAX_RANGE_DAYS} days, or a parameter the report does not take",
    "401": "unauthorized: no or invalid access token",
    "403": "forbidden: the caller lacks the Drafter.Admin app role",
    "503": "store_unavailable: the audit and usage store cannot be reached",
}


def admin_paths() -> tuple[dict, dict]:
    """({path: item}, {schema name: schema}) for openapi.py; errors refer to its Error schema."""
    def date_parameter(name: str, description: str) -> dict:
        return {"name": name, "in": "query", "required": False,
                "description": f"{description}; from {EARLIEST.isoformat()} to {LATEST.isoformat()}",
                "schema": {"type": "string", "format": "date", "pattern": PUBLISHED_DATE_PATTERN}}

    item = {"get": {
        "operationId": "adminUsage", "tags": ["admin"], "summary": "Usage report (Drafter.Admin)",
        "description": DESCRIPTION,
        "parameters": [
            date_parameter("from", f"first day, YYYY-MM-DD (default: {DEFAULT_DAYS - 1} days before to)"),
            date_parameter("to", "last day, YYYY-MM-DD (default: today, UTC)"),
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(FORMATS), "default": "json"}},
            {"name": "lang", "in": "query", "required": False,
             "description": "the language of the .xlsx workbook's words (sheet names, headers, chart titles); "
                            "JSON and CSV are the same in every language",
             "schema": {"type": "string", "enum": list(LANGUAGES), "default": "en"}},
        ],
        "responses": {
            "200": {"description": "The report", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/UsageReport"}},
                "text/csv": {"schema": {"type": "string", "description": "one line per day: day, requests, "
                                                                          "action_*, host_*, tokens, latency, "
                                                                          "blocked, redacted, errors"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
            **{code: {"description": description, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}} for code, description in ERRORS.items()},
        },
    }}
    return {"/api/v1/admin/usage": item}, {"UsageReport": USAGE_REPORT}
