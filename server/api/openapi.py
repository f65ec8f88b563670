"""GET /api/v1/openapi.json: the OpenAPI 3.1 description, built from the same schemas the code validates."""
from __future__ import annotations

from dataclasses import dataclass

from server import __version__
from server.api.admin_openapi import admin_paths
from server.api.dev import TOKEN_REQUEST
from server.assist.presets import KINDS as PRESET_KINDS
from server.assist.presets import OUTPUTS as PRESET_OUTPUTS
from server.assist.presets import Presets
from server.assist.published_schema import for_deployment
from server.assist.schemas import (
    EXTRACT_REQUEST,
    EXTRACT_RESULT,
    GUARD,
    MAX_FILE_BYTES,
    RENDER_REQUEST,
    RENDER_RESULT,
    REQUESTS,
    RESULTS,
)

ERROR = {
    "type": "object", "required": ["error", "message", "request_id"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code, e.g. invalid_request, upstream_error"},
        "message": {"type": "string", "description": "a plain sentence for the user"},
        "request_id": {"type": "string"},
        "field": {"type": "string", "description": "the request field at fault, when there is one"},
        "claims": {"type": "string", "description": "interaction_required only: the claims challenge (JSON) "
                                                    "to pass to the sign-in call"},
        "guard": {**GUARD, "description": "blocked_by_policy only: what the policy guard found"},
    },
}
_BILINGUAL = {"type": "object", "required": ["en"], "additionalProperties": {"type": "string"},
              "description": "by language: en, and fr"}
PRESET = {"type": "object", "required": ["id", "label", "kind", "description", "output", "needs_language"],
          "properties": {
              "id": {"type": "string"}, "kind": {"type": "string", "enum": list(PRESET_KINDS)},
              "label": _BILINGUAL,
              "description": {"type": "object", "additionalProperties": {"type": "string"},
                              "description": "by language, like label; {} when the preset has none"},
              "output": {"type": "string", "enum": list(PRESET_OUTPUTS),
                         "description": "proofread: the result lists corrections"},
              "needs_language": {"type": "boolean", "description": "the job must give `language` with it"},
          }}
ME = {"type": "object", "required": ["tenant_id", "object_id", "roles"], "properties": {
    "tenant_id": {"type": "string"}, "object_id": {"type": "string"}, "name": {"type": "string"},
    "username": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
    "display_name": {"type": "string", "description": "from Microsoft Graph when it can be asked, else the token"},
    "job_title": {"type": ["string", "null"], "description": "from Microsoft Graph; null in dev mode"},
    "profile_source": {"type": "string", "enum": ["graph", "token"],
                       "description": "where display_name and job_title come from"},
    "quota": {"type": "object", "required": ["requests_per_minute", "tokens_today", "tenant_tokens_today"],
              "description": "what is left of the caller's quotas (null where the policy sets no limit)",
              "properties": {
                  "requests_per_minute": {"type": ["object", "null"], "required": ["limit", "remaining"],
                                          "properties": {"limit": {"type": "integer"},
                                                         "remaining": {"type": ["integer", "null"]}}},
                  "tokens_today": {"$ref": "#/components/schemas/TokenQuota"},
                  "tenant_tokens_today": {"$ref": "#/components/schemas/TokenQuota"}}},
}}
TOKEN_QUOTA = {"type": ["object", "null"], "required": ["limit", "used", "remaining", "resets_at"],
               "description": "tokens (prompt and completion) used today, UTC", "properties": {
                   "limit": {"type": "integer"}, "used": {"type": "integer"}, "remaining": {"type": "integer"},
                   "resets_at": {"type": "string", "format": "date-time", "description": "the next midnight UTC"}}}
JOB_SUMMARIES = {
    "rewrite": "Rewrite text in a tone, length or language, or by a preset",
    "summarize": "Summarize text or a document, with citations to its paragraphs",
    "draft": "Draft new text (email, reply, memo, letter, briefing) from an instruction",
    "review": "Coach on tone, clarity and completeness without rewriting",
}
ERROR_STATUSES = {
    "400": "invalid_request: malformed JSON, a wrong or missing field, an unknown preset",
    "401": "unauthorized: no or invalid access token; interaction_required (with `claims`): sign in again, "
           "passing `claims` to the sign-in call",
    "403": "forbidden (the caller lacks a required app role or group, or has no access to a linked file) or "
           "blocked_by_policy",
    "413": "too_large: body or text over the limit",
    "415": "unsupported_type: a body that is not JSON (Content-Type: application/json; documents/extract also takes "
           "multipart/form-data), or a document type that cannot be read",
    "422": "unreadable_document: a damaged or password-protected document",
    "429": "rate_limited: retry after the Retry-After header's seconds",
    "502": "upstream_error: the model endpoint, Entra ID or Microsoft Graph failed",
    "504": "upstream_timeout: the model endpoint did not answer in time",
}
SSE_DESCRIPTION = (
    "With `\"stream\": true` or `Accept: text/event-stream`: events `progress` {stage, done, total}, "
    "`delta` {text}, then exactly one of `result` (the JSON result) or `error` (the error object). "
    "The schema describes one event (as OpenAPI 3.2's itemSchema does): its name, and its data as JSON."
)
_COUNT = {"type": "integer", "minimum": 0}
PROGRESS = {"type": "object", "required": ["stage", "done", "total"], "properties": {
    "stage": {"type": "string"}, "done": _COUNT, "total": _COUNT}}
DELTA = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}


def _stream_event(result_ref: str) -> dict:
    """One event of a job's stream. Each event's data is one line of compact JSON (server/api/sse.py)."""
    def event(name: str, data: dict) -> dict:
        return {"type": "object", "required": ["event", "data"], "properties": {
            "event": {"const": name},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data}}}
    return {"description": SSE_DESCRIPTION, "oneOf": [
        event("progress", PROGRESS), event("delta", DELTA), event("result", {"$ref": result_ref}),
        event("error", {"$ref": "#/components/schemas/Error"})]}


def _error_responses(codes) -> dict:
    return {code: {"description": ERROR_STATUSES[code], "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}} for code in codes}


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _document_paths(paths: dict, schemas: dict) -> None:
    """POST /api/v1/documents/extract and /render (server/api/documents.py)."""
    schemas.update(ExtractRequest=EXTRACT_REQUEST, ExtractResult=EXTRACT_RESULT, RenderRequest=RENDER_REQUEST,
                   RenderResult=RENDER_RESULT)
    multipart = {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": f"the file, at most {MAX_FILE_BYTES:,} bytes"}}}
    paths["/api/v1/documents/extract"] = {"post": {
        "operationId": "extractDocument", "tags": ["documents"],
        "summary": "Read a file (docx, xlsx, csv, pdf, html, text): paragraphs with ids, tables, sensitivity label",
        "requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": multipart},
            "application/json": {"schema": {"$ref": "#/components/schemas/ExtractRequest"}}}},
        "responses": {"200": _json("#/components/schemas/ExtractResult", "What the file holds"),
                      **_error_responses(["400", "401", "403", "413", "415", "422"])},
    }}
    paths["/api/v1/documents/render"] = {"post": {
        "operationId": "renderDocument", "tags": ["documents"],
        "summary": "Render Markdown as a Word file or as sanitized HTML for Outlook",
        "description": "format docx answers the .docx bytes as an attachment; with `Accept: application/json` it "
                       "answers {docx_base64, filename} instead (for Word's insertFileFromBase64). format html "
                       "answers {html}.",
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RenderRequest"}}}},
        "responses": {"200": {"description": "The rendered document", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RenderResult"}},
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                "schema": {"type": "string", "format": "binary"}}}},
            **_error_responses(["400", "401", "403", "413", "415"])},
    }}


@dataclass(frozen=True)
class Deployment:
    """What the published request schemas depend on (server/assist/published_schema.py)."""

    presets: Presets
    links: bool  # document: {url} can be read (Entra sign-in and a client credential)


def build_openapi(public_url: str, *, dev_mode: bool = False, deployment: Deployment | None = None) -> dict:
    """With `deployment`, each job's request schema says what this deployment accepts (its presets, links);
    without, the schemas every deployment validates."""
    schemas = {"Error": ERROR, "Preset": PRESET, "Me": ME, "TokenQuota": TOKEN_QUOTA}
    paths: dict = {}
    for job, request_schema in REQUESTS.items():
        name = job.capitalize()
        schemas[f"{name}Request"] = request_schema if deployment is None else for_deployment(
            request_schema, job, presets=deployment.presets, links=deployment.links)
        schemas[f"{name}Result"] = RESULTS[job]
        ok = _json(f"#/components/schemas/{name}Result", "The result")
        ok["content"]["text/event-stream"] = {"schema": _stream_event(f"#/components/schemas/{name}Result")}
        paths[f"/api/v1/{job}"] = {"post": {
            "operationId": job, "summary": JOB_SUMMARIES[job], "tags": ["jobs"],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{name}Request"}}}},
            "responses": {"200": ok, **_error_responses(["400", "401", "403", "413", "415", "422", "429",
                                                         "502", "504"])},
        }}
    _document_paths(paths, schemas)
    admin, admin_schemas = admin_paths()
    paths.update(admin)
    schemas.update(admin_schemas)
    paths["/api/v1/presets"] = {"get": {
        "operationId": "presets", "summary": "The prompt presets (built-in and the admin's)", "tags": ["meta"],
        "responses": {"200": {"description": "Presets", "content": {"application/json": {"schema": {
            "type": "object", "required": ["presets"],
            "properties": {"presets": {"type": "array", "items": {"$ref": "#/components/schemas/Preset"}}}}}}},
            **_error_responses(["401", "403"])}}}
    paths["/api/v1/me"] = {"get": {
        "operationId": "me", "summary": "The caller, their roles, display name and job title", "tags": ["meta"],
        "responses": {"200": _json("#/components/schemas/Me", "The caller"), **_error_responses(["401", "403"])}}}
    paths["/api/v1/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This description", "tags": ["meta"],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
            "schema": {"type": "object"}}}}, **_error_responses(["401", "403"])}}}
    health = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
    paths["/healthz"] = {"get": {"operationId": "healthz", "summary": "Liveness", "tags": ["health"],
                                 "security": [], "responses": {"200": {"description": "Alive", "content": {
                                     "application/json": {"schema": health}}}}}}
    paths["/readyz"] = {"get": {"operationId": "readyz", "summary": "Readiness: the model and the audit store answer", "tags": ["health"],
                                "security": [], "responses": {
                                    "200": {"description": "Ready", "content": {"application/json": {"schema": health}}},
                                    "503": {"description": "Not ready", "content": {"application/json": {
                                        "schema": health}}}}}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    paths["/metrics"] = {"get": {
        "operationId": "metrics", "summary": "Prometheus metrics (text exposition format 0.0.4)", "tags": ["health"],
        "description": "With DRAFTER_METRICS_TOKEN set, send it as `Authorization: Bearer <token>` (not a user's access "
                       "token). Without it, served in dev mode only.",
        "security": [], "responses": {
            "200": {"description": "The metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
            "401": {"description": "unauthorized: no or a wrong metrics token", "content": error},
            "404": {"description": "not_found: metrics are off (entra mode without DRAFTER_METRICS_TOKEN)",
                    "content": error}}}}
    if dev_mode:
        paths["/dev/token"] = {"post": {
            "operationId": "devToken", "summary": "Dev mode only: issue an access token", "tags": ["dev"],
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": TOKEN_REQUEST}}},
            "responses": {"200": {"description": "A token", "content": {"application/json": {"schema": {
                "type": "object", "required": ["access_token"], "properties": {
                    "access_token": {"type": "string"}, "token_type": {"type": "string"},
                    "expires_in": {"type": "integer"}}}}}}, **_error_responses(["400", "415"])}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Drafter API", "version": __version__,
                 "description": "Rewrite, summarize, draft and review text for Word and Outlook, "
                                "with the organisation's enterprise language model."},
        "servers": [{"url": public_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "A Microsoft Entra ID v2 access token for this app (scope access_as_user); "
                           "in dev mode, one from POST /dev/token."}}},
    }
