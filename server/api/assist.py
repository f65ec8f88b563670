"""POST /api/v1/rewrite, /summarize, /draft, /review: JSON in, JSON or server-sent events out."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from server.api import audit_trail
from server.api.common import authenticate, json_body
from server.api.graph_access import document_fetcher
from server.api.sse import event_stream, sse_response
from server.assist.jobs import JOBS, JobContext
from server.errors import UpstreamError
from server.governance.guard import DISABLED
from server.governance.guarded_model import Unscreened

bp = Blueprint("assist", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)


def _context(stream: bool) -> JobContext:
    config = current_app.config
    model = current_app.extensions["drafter.model"].model
    guard = current_app.extensions["drafter.guard"]
    if not guard.enabled:
        guard = None
    else:  # nothing can be sent until the job's material has passed the guard
        model = Unscreened(model)
    return JobContext(
        model=model,
        presets=current_app.extensions["drafter.presets"],
        tokens=current_app.extensions["drafter.tokens"],
        max_output_tokens=config["MODEL_MAX_OUTPUT_TOKENS"],
        chunk_tokens=config["SUMMARY_CHUNK_TOKENS"] or None,
        concurrency=config["SUMMARY_CONCURRENCY"],
        stream=stream,
        fetch_document=document_fetcher(),
        guard=guard,
    )


def _wants_stream(body: dict) -> bool:
    return body.get("stream") is True or "text/event-stream" in request.headers.get("Accept", "")


def _run(job: str):
    body = json_body(cache=False)  # the job holds the only copy (a base64 document is megabytes)
    request_id = g.request_id
    stream = _wants_stream(body)
    ctx = _context(stream)
    audit = audit_trail.start(job, body)
    try:
        current_app.extensions["drafter.quotas"].check(g.principal.tenant_id, g.principal.object_id)
        events = JOBS[job](body, ctx)  # validates and screens the body before any model call
    except BaseException as exc:
        audit_trail.write_after_response(audit.record(error=exc, result=None, ctx=ctx,
                                                      content_input=audit_trail.content_input(body)))
        raise
    # a stream's record is written when it ends; a JSON answer's once the response has gone out
    write = audit_trail.writer() if stream else audit_trail.write_after_response
    events = audit_trail.audited(events, audit, ctx, body, write)

    def finish(result: dict) -> dict:
        return {"request_id": request_id, **result, "guard": ctx.verdict.to_dict() if ctx.verdict else DISABLED}

    if stream:
        # The first event is awaited before answering, so a failure before any output (429, 502, bad
        # document) still gets its proper HTTP status instead of a 200 stream holding an error.
        try:
            first = next(events)
        except StopIteration:
            first = None
        except BaseException:
            _close(events)
            raise
        return sse_response(event_stream(first, events, request_id=request_id, finish=finish))
    result = None
    try:
        for name, data in events:
            if name == "result":
                result = data
    finally:
        _close(events)
    if result is None:
        raise UpstreamError("The job ended without a result.")
    return jsonify(finish(result))


def _close(events) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()


@bp.post("/rewrite")
def rewrite():
    return _run("rewrite")


@bp.post("/summarize")
def summarize():
    return _run("summarize")


@bp.post("/draft")
def draft():
    return _run("draft")


@bp.post("/review")
def review():
    return _run("review")
