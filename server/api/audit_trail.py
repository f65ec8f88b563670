"""The audit trail of the job endpoints: one record per job, written once the caller has its answer.

A JSON answer's record is written when the response has been sent (call_on_close); a stream's when the stream
ends, however it ends (result, error event, or the caller leaving). A record that cannot be written is logged
with its request id and outcome (never text) and does not change the answer the caller already has.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from flask import after_this_request, current_app, g, request

from server.governance.job_audit import JobAudit, host_of
from server.observability.request_hooks import EXTENSION as METRICS

log = logging.getLogger(__name__)
CONTENT_FIELDS = ("instruction", "text", "context", "focus")


def start(job: str, body: dict) -> JobAudit:
    principal = g.principal
    return JobAudit(request_id=g.request_id, tenant_id=principal.tenant_id, user_id=principal.object_id,
                    upn=principal.username, host=host_of(request.headers.get("X-Drafter-Host")), action=job,
                    preset=body.get("preset"))


def content_input(body: dict) -> str:
    """What content retention keeps of a request: its own text fields and the names of the files it sent.
    `body` may be one the job refused as malformed ("attachments": null, a string...): any shape is read."""
    parts = [f"{name}:\n{body[name]}" for name in CONTENT_FIELDS if isinstance(body.get(name), str) and body[name]]
    attachments = body.get("attachments")
    sent = [body.get("document"), *(attachments if isinstance(attachments, list) else [])]
    files = [f.get("filename") or f.get("url") for f in sent
             if isinstance(f, dict) and (f.get("filename") or f.get("url"))]
    if files:
        parts.append("files: " + ", ".join(str(name) for name in files))
    return "\n\n".join(parts)


def writer() -> Callable[[dict], None]:
    """Appends a record to this app's audit store, and counts the job in the metrics from that same record (so
    the two always agree); usable after the request context is gone (streams)."""
    audit = current_app.extensions["drafter.audit"]
    metrics = current_app.extensions[METRICS]

    def write(record: dict) -> None:
        try:
            metrics.job_recorded(record)
        except Exception as exc:  # a metrics bug must not cost the audit record
            log.error("job not counted in metrics: request %s: %s: %s", record.get("request_id"),
                      type(exc).__name__, exc)
        try:
            audit.record(record)
        except Exception as exc:  # the caller has its answer; the failure is for the operators
            log.error("audit record not written: request %s outcome %s: %s: %s", record.get("request_id"),
                      record.get("outcome"), type(exc).__name__, exc)
    return write


def write_after_response(record: dict) -> None:
    """Within a request: write the record once the response has gone out."""
    write = writer()

    @after_this_request
    def _later(response):
        response.call_on_close(lambda: write(record))
        return response


def audited(events: Iterator[tuple[str, dict]], audit: JobAudit, ctx, body: dict,
            write: Callable[[dict], None]) -> Iterator[tuple[str, dict]]:
    """The job's events, passed through; its record is written when they end, however they end."""
    result, error = None, None
    try:
        for name, data in events:
            if name == "delta":
                audit.text_sent(data.get("text", ""))
            elif name == "result":
                result = data
            yield name, data
    except BaseException as exc:  # GeneratorExit included: the caller left mid-stream
        # ...unless the result was already handed over: the stream is closed once it has sent the result
        error = None if isinstance(exc, GeneratorExit) and result is not None else exc
        raise
    finally:
        close = getattr(events, "close", None)
        if close is not None:  # stops the model when the caller left (closing this closes the job's events)
            close()
        write(audit.record(error=error, result=result, ctx=ctx, estimate_tokens=ctx.tokens.count,
                           content_input=content_input(body)))
