"""JSON Schemas (draft 2020-12, OpenAPI 3.1 compatible) for the four jobs' request and result bodies.

REQUESTS are what validate() checks, so they are exactly what the jobs accept; the lead publishes REQUESTS and
RESULTS in /api/v1/openapi.json. Results include `request_id` and `guard`, which the API layer adds.
"""
from __future__ import annotations

import copy

from server.assist.validator import (
    BASE64_PATTERN,
    NOT_BLANK_PATTERN,
    validate,  # noqa: F401  (re-exported: schemas.validate(schema, body))
)

MAX_TEXT_CHARS = 400_000
MAX_INSTRUCTION_CHARS = 20_000
MAX_HISTORY_TURNS = 20
MAX_HISTORY_TURN_CHARS = 100_000
MAX_ATTACHMENTS = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_BASE64_CHARS = (MAX_FILE_BYTES + 2) // 3 * 4  # base64 of the largest file accepted

TONES = ["formal", "neutral", "friendly", "concise", "plain"]
LENGTHS = ["shorter", "same", "longer"]
SUMMARY_FORMATS = ["bullets", "paragraph", "tldr"]
DRAFT_KINDS = ["email", "reply", "memo", "letter", "briefing", "freeform"]
DRAFT_FORMATS = ["text", "html", "docx"]
REVIEW_ASPECTS = ["tone", "clarity", "completeness"]

_NOT_BLANK = "must not be empty or only whitespace"


def _text(max_chars: int, description: str, *, required_content: bool = True) -> dict:
    schema = {"type": "string", "maxLength": max_chars, "description": description}
    if required_content:
        schema.update(minLength=1, pattern=NOT_BLANK_PATTERN, **{"x-pattern-message": _NOT_BLANK})
    return schema


_FILE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["filename", "content_base64"],
    "properties": {
        "filename": {"type": "string", "minLength": 1, "maxLength": 255,
                     "description": "the file's name; its extension says how to read it"},
        "content_base64": {"type": "string", "minLength": 1, "maxLength": MAX_BASE64_CHARS,
                           "contentEncoding": "base64", "pattern": BASE64_PATTERN,
                           "x-pattern-message": "must be base64 (standard alphabet, padded with =)",
                           "description": "the file's bytes, base64-encoded (standard alphabet, padded)"},
    },
}
MAX_LINK_CHARS = 2_048
_LINK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url"],
    "properties": {
        "url": {"type": "string", "minLength": 1, "maxLength": MAX_LINK_CHARS, "pattern": r"^https://",
                "x-pattern-message": "must be an https link to a SharePoint or OneDrive for Business file",
                "description": "a SharePoint or OneDrive for Business link to one file; read through Microsoft "
                               "Graph with the caller's own rights (needs Entra sign-in)"},
    },
}
_HISTORY = {
    "type": "array",
    "maxItems": MAX_HISTORY_TURNS,
    "description": "earlier turns about this same material, oldest first: user turns are earlier instructions, "
                   "assistant turns earlier results; lets the pane refine ('shorter') while the service keeps "
                   "no state",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["role", "content"],
        "properties": {
            "role": {"type": "string", "enum": ["user", "assistant"]},
            "content": {"type": "string", "maxLength": MAX_HISTORY_TURN_CHARS},
        },
    },
}
_COMMON = {
    "language": {"type": "string", "maxLength": 35, "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                 "x-pattern-message": "must be a BCP 47 language tag such as en, fr or fr-CA",
                 "description": "language to write in (default: the language of the material)"},
    "preset": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
               "x-pattern-message": "must be a preset id (letters, digits, '.', '_', '-'); see GET /api/v1/presets",
               "description": "id of a prompt preset from GET /api/v1/presets"},
    "stream": {"type": "boolean", "default": False,
               "description": "answer text/event-stream (progress, delta, then result or error)"},
    "history": _HISTORY,
}
_TONE = {"type": "string", "enum": TONES}
_LENGTH = {"type": "string", "enum": LENGTHS}
_ATTACHMENTS = {"type": "array", "maxItems": MAX_ATTACHMENTS, "items": _FILE,
                "description": "files to read as material (docx, xlsx, pdf, html, txt)"}


def _request(required: list[str], properties: dict, **extra) -> dict:
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": {**properties, **copy.deepcopy(_COMMON)}, **extra}


REWRITE_REQUEST = _request(["text"], {
    "text": _text(MAX_TEXT_CHARS, "the text to rewrite"),
    "instruction": {"type": "string", "maxLength": 2_000, "description": "what to change, in the user's words"},
    "tone": _TONE,
    "length": _LENGTH,
})
SUMMARIZE_REQUEST = _request([], {
    "text": _text(MAX_TEXT_CHARS, "the text to summarize"),
    "document": {"oneOf": [_FILE, _LINK],
                 "description": "a file to summarize instead of (or as well as) text: its content, or a "
                                "SharePoint / OneDrive link to it"},
    "attachments": _ATTACHMENTS,
    "format": {"type": "string", "enum": SUMMARY_FORMATS, "default": "bullets"},
    "length": _LENGTH,
    "focus": {"type": "string", "maxLength": 500, "description": "what the reader cares about"},
}, anyOf=[{"required": ["text"]}, {"required": ["document"]},
          {"required": ["attachments"], "properties": {"attachments": {"minItems": 1}}}])
DRAFT_REQUEST = _request(["instruction"], {
    "instruction": _text(MAX_INSTRUCTION_CHARS, "what to write"),
    "context": {"type": "string", "maxLength": MAX_TEXT_CHARS,
                "description": "material to draw on, e.g. the email being replied to"},
    "document": {"oneOf": [_FILE, _LINK],
                 "description": "a file to draw on (e.g. the report a briefing note is about): its content, or a "
                                "SharePoint / OneDrive link to it"},
    "attachments": _ATTACHMENTS,
    "kind": {"type": "string", "enum": DRAFT_KINDS, "default": "freeform"},
    "tone": _TONE,
    "length": _LENGTH,
    "format": {"type": "string", "enum": DRAFT_FORMATS, "default": "text"},
})
REVIEW_REQUEST = _request(["text"], {
    "text": _text(MAX_TEXT_CHARS, "the draft to coach on"),
    "context": {"type": "string", "maxLength": MAX_TEXT_CHARS,
                "description": "what the draft answers, e.g. the email with the questions"},
    "aspects": {"type": "array", "minItems": 1, "maxItems": len(REVIEW_ASPECTS),
                "items": {"type": "string", "enum": REVIEW_ASPECTS}, "default": REVIEW_ASPECTS},
})

REQUESTS = {"rewrite": REWRITE_REQUEST, "summarize": SUMMARIZE_REQUEST, "draft": DRAFT_REQUEST,
            "review": REVIEW_REQUEST}

# ---- results (annotations only: the code builds them; these document them) ----
_INT = {"type": "integer", "minimum": 0}
USAGE = {"type": "object", "required": ["prompt_tokens", "completion_tokens", "total_tokens"],
         "properties": {"prompt_tokens": _INT, "completion_tokens": _INT, "total_tokens": _INT},
         "description": "tokens summed over every model call the job made"}
_FACT = {"type": "object", "required": ["kind", "value"], "properties": {
    "kind": {"type": "string", "enum": ["number", "amount", "percentage", "date", "name", "negation"]},
    "value": {"type": "string", "description": "as written in the text it comes from"}}}
CHECKS = {
    "type": "object",
    "properties": {
        "facts": {"type": "object", "properties": {
            "missing": {"type": "array", "items": _FACT,
                        "description": "in the source but not in the result (not computed for summaries, "
                                       "which leave facts out by design)"},
            "added": {"type": "array", "items": _FACT,
                      "description": "numbers, amounts, percentages and dates in the result but not the source"},
        }},
        "readability": {"type": "object", "required": ["language", "formula", "before", "after"], "properties": {
            "language": {"type": "string"},
            "formula": {"type": ["string", "null"], "enum": ["flesch-kincaid", "kandel-moles", None]},
            "before": {"type": ["number", "null"], "description": "US school grade level of the source"},
            "after": {"type": ["number", "null"], "description": "US school grade level of the result"},
            "source_language": {"type": "string"},
            "source_formula": {"type": ["string", "null"]},
        }},
        "truncated": {"type": "boolean", "description": "the model stopped at its output limit"},
        "material_truncated": {"type": "array", "items": {"type": "string"},
                               "description": "fields cut to fit the model's context window"},
    },
}
# ---- sensitivity found in files (server/documents/labels.py) ----
_LABEL = {"type": ["object", "null"], "description": "sensitivity found in the file, or null when none",
          "required": ["mip", "markings", "classification", "level"], "properties": {
              "mip": {"type": ["object", "null"], "description": "the Microsoft Information Protection label "
                                                                  "(the enabled one when several)", "properties": {
                  "id": {"type": "string"}, "name": {"type": ["string", "null"]},
                  "site_id": {"type": ["string", "null"]}, "enabled": {"type": "boolean"},
                  "method": {"type": ["string", "null"]}, "set_date": {"type": ["string", "null"]}}},
              "markings": {"type": "array", "items": {"type": "string"},
                           "description": "banner lines found, e.g. SECRET//NOFORN, DIFFUSION RESTREINTE"},
              "classification": {"type": ["string", "null"], "enum": ["TOP SECRET", "SECRET", "CONFIDENTIAL",
                                                                      "RESTRICTED", "OFFICIAL-SENSITIVE", "CUI", None],
                                 "description": "the highest level marked, normalized"},
              "level": {"type": "integer", "minimum": 0, "maximum": 4,
                        "description": "its rank: 0 none, 1 restricted/sensitive/CUI, 2 confidential, 3 secret, "
                                       "4 top secret"}}}
_MATERIAL_LABEL = {**_LABEL, "description": "sensitivity of the files the job read (document, attachments, a "
                                         "linked file): the highest classification, every marking, the first "
                                         "enabled MIP label, and each file's own label under `sources`; null "
                                         "when none had one", "properties": {
    **_LABEL["properties"],
    "sources": {"type": "array", "items": {"type": "object", "required": ["field", "filename", "label"],
                                           "properties": {
        "field": {"type": "string", "description": "the request field: document, attachments[0], ..."},
        "filename": {"type": "string"}, "label": _LABEL}}}}}
GUARD = {"type": "object", "required": ["enabled", "findings", "actions"],
         "description": "what the policy guard found in what the job was about to send, and what it did "
                        "(types and counts only, never the values)", "properties": {
             "enabled": {"type": "boolean", "description": "false when the admin turned the guard off"},
             "findings": {"type": "array", "items": {
                 "type": "object", "required": ["type", "count", "action"], "properties": {
                     "type": {"type": "string", "enum": ["top_secret", "secret", "confidential", "restricted",
                                                         "official_sensitive", "cui", "ssn", "card", "iban", "nir",
                                                         "nino", "phone", "email"]},
                     "count": {"type": "integer", "minimum": 1},
                     "action": {"type": "string", "enum": ["block", "route", "redact", "warn", "none"],
                                "description": "none: found, and the policy has no rule for it"}}}},
             "actions": {"type": "array", "items": {"type": "string", "enum": ["block", "route", "redact", "warn"]},
                         "description": "the actions taken, strongest first"},
             "endpoint": {"type": "string", "description": "the routing endpoint the job went to, when a route "
                                                           "rule sent it elsewhere"}}}
_COMMON_RESULT = {
    "request_id": {"type": "string"},
    "guard": GUARD,
    "model": {"type": "string"},
    "usage": USAGE,
}
REWRITE_RESULT = {"type": "object", "required": ["request_id", "text", "model", "usage", "checks"], "properties": {
    **_COMMON_RESULT,
    "text": {"type": "string"},
    "checks": CHECKS,
    "finish_reason": {"type": ["string", "null"]},
    "changes": {"type": "array", "description": "proofread presets only: the corrections made",
                "items": {"type": "object", "required": ["before", "after"], "properties": {
                    "before": {"type": "string"}, "after": {"type": "string"},
                    "reason": {"type": ["string", "null"]}}}},
}}
SUMMARIZE_RESULT = {"type": "object", "required": ["request_id", "summary", "points", "usage", "chunks", "model"],
                    "properties": {
                        **_COMMON_RESULT,
                        "summary": {"type": "string"},
                        "points": {"type": "array", "items": {
                            "type": "object", "required": ["text", "sources"], "properties": {
                                "text": {"type": "string"},
                                "sources": {"type": "array", "items": {"type": "string"},
                                            "description": "ids of the source paragraphs (attachments' ids "
                                                           "are prefixed a1., a2., ...)"}}}},
                        "chunks": {"type": "integer", "minimum": 0, "description": "map-stage chunks"},
                        "checks": CHECKS,
                        "label": _MATERIAL_LABEL,
                    }}
DRAFT_RESULT = {"type": "object", "required": ["request_id", "text", "model", "usage", "checks"], "properties": {
    **_COMMON_RESULT,
    "text": {"type": "string", "description": "Markdown when format is html or docx"},
    "checks": CHECKS,
    "finish_reason": {"type": ["string", "null"]},
    "html": {"type": "string", "description": "format html only"},
    "docx_base64": {"type": "string", "description": "format docx only"},
    "label": _MATERIAL_LABEL,
}}
REVIEW_RESULT = {"type": "object", "required": ["request_id", "findings", "model", "usage"], "properties": {
    **_COMMON_RESULT,
    "findings": {"type": "array", "items": {
        "type": "object", "required": ["aspect", "quote", "comment", "suggestion"], "properties": {
            "aspect": {"type": "string", "enum": REVIEW_ASPECTS},
            "quote": {"type": "string", "description": "the words concerned, verbatim from text (or, for "
                                                       "completeness, from context); may be empty"},
            "comment": {"type": "string"},
            "suggestion": {"type": "string"}}}},
}}

RESULTS = {"rewrite": REWRITE_RESULT, "summarize": SUMMARIZE_RESULT, "draft": DRAFT_RESULT,
           "review": REVIEW_RESULT}

# ---- documents: POST /api/v1/documents/extract and /render ----
RENDER_FORMATS = ["docx", "html"]
EXTRACT_REQUEST = {**copy.deepcopy(_FILE), "description": "the file as JSON; or send multipart/form-data with "
                                                          "the file in a `file` field"}
RENDER_REQUEST = {"type": "object", "additionalProperties": False, "required": ["markdown", "format"], "properties": {
    "markdown": _text(MAX_TEXT_CHARS, "the text to render, in Markdown (as the jobs write it)"),
    "format": {"type": "string", "enum": RENDER_FORMATS,
               "description": "docx: a Word file (for insertFileFromBase64); html: sanitized HTML for Outlook"},
}}
EXTRACT_RESULT = {"type": "object", "required": ["request_id", "kind", "paragraphs", "tables", "sheets", "label",
                                                 "stats"], "properties": {
    "request_id": {"type": "string"},
    "kind": {"type": "string", "description": "docx, xlsx, csv, pdf, html, text or markdown"},
    "paragraphs": {"type": "array", "items": {"type": "object", "required": ["id", "text"], "properties": {
        "id": {"type": "string", "description": "p<n>: Word's body.paragraphs.items[n-1] (text: the n-th block); "
                                                "notes, headers, footers and comments: fn<k>.p<n>, en<k>.p<n>, "
                                                "hdr<k>.p<n>, ftr<k>.p<n>, c<k>.p<n>; a sheet s<k>, its rows "
                                                "s<k>.r<row>; a PDF page's paragraphs pg<page>.p<n>; an email "
                                                "thread's messages m<k>.p<n> (m1 the newest)"},
        "text": {"type": "string"}, "style": {"type": "string"},
        "level": {"type": "integer", "description": "heading level 1-9, 0 for body text"},
        "list": {"type": "boolean"}, "table": {"type": ["string", "null"]},
        "part": {"type": "string", "enum": ["footnote", "endnote", "header", "footer", "comment"],
                 "description": "where the paragraph comes from; absent for the main text"},
        "header": {"type": "object", "description": "html: the message header of a quoted message (from, sent, "
                                                    "to, cc, subject as found), on its first paragraph"}}}},
    "tables": {"type": "array", "items": {"type": "object", "required": ["id", "rows", "markdown"], "properties": {
        "id": {"type": "string"}, "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "markdown": {"type": "string"}}}},
    "sheets": {"type": "array", "description": "xlsx and csv: each sheet as a capped markdown table, with what "
                                               "was cut", "items": {"type": "object", "required": ["id", "name"],
                                                                    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "markdown": {"type": "string"},
        "rows": {"type": "integer"}, "columns": {"type": "integer"}, "hidden": {"type": "boolean"},
        "cut": {"type": ["object", "null"], "description": "{rows, columns, note} when a cap was hit"}}}},
    "label": _LABEL,
    "stats": {"type": "object", "description": "paragraphs, tables, words, characters (main text); a .docx adds "
                                               "footnotes, endnotes, comments, has_comments, has_headers_footers; "
                                               "a workbook sheets, rows, cells; a PDF pages; html messages"},
}}
RENDER_RESULT = {"type": "object", "required": ["request_id"], "properties": {
    "request_id": {"type": "string"},
    "html": {"type": "string", "description": "format html"},
    "docx_base64": {"type": "string", "description": "format docx with Accept: application/json"},
    "filename": {"type": "string", "description": "format docx with Accept: application/json"},
}}
