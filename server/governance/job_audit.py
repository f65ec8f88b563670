"""JobAudit: what one job's audit record says, gathered while the job runs.

The API layer makes one per job, tells it when the first text went out and how the job ended, and appends the
record it builds. The outcome comes from how the job ended: blocked by the guard, rate-limited (by Drafter's
quotas or by the model), an upstream failure, the caller gone (cancelled), another error, or done (ok, or
redacted when the guard replaced values). Tokens come from the model's usage; when a job ends before its
result, the text already streamed is counted (a caller who stops a stream still spent what was generated).
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import datetime as dt
import time

from server.errors import BlockedByPolicy, Cancelled, DrafterError, RateLimited, UpstreamError, UpstreamTimeout
from server.governance.audit_record import audit_label

HOSTS = ("word", "outlook", "preview")
CONTENT_LIMIT = 1_000_000  # characters of retained input or output per record


def host_of(header: str | None) -> str:
    """The X-Drafter-Host the pane sends, or unknown (another client, or a value it never sends)."""
    value = (header or "").strip().lower()
    return value if value in HOSTS else "unknown"


def outcome_of(error: BaseException | None, redacted: bool) -> tuple[str, str | None]:
    """(outcome, error code) for a job that ended with `error` (None: it gave its result)."""
    if error is None:
        return ("redacted" if redacted else "ok"), None
    if isinstance(error, BlockedByPolicy):
        return "blocked", error.code
    if isinstance(error, RateLimited):
        return "rate_limited", error.code
    if isinstance(error, UpstreamError | UpstreamTimeout):
        return "upstream_error", error.code
    if isinstance(error, Cancelled | GeneratorExit):
        return "cancelled", None
    if isinstance(error, DrafterError):
        return "error", error.code
    return "error", "internal_error"


class JobAudit:
    def __init__(self, *, request_id: str, tenant_id: str, user_id: str, upn: str | None, host: str, action: str,
                 preset: str | None, clock=time.monotonic, now=None):
        self._clock = clock
        self._started = clock()
        self._time = now or dt.datetime.now(dt.UTC)
        self._first_text_at: float | None = None
        self._streamed: list[str] = []
        self.fields = {"request_id": request_id, "tenant_id": tenant_id, "user_id": user_id, "upn": upn or None,
                       "host": host, "action": action, "preset": preset if isinstance(preset, str) else None}

    def text_sent(self, text: str) -> None:
        """A piece of the answer reached the caller (a delta); the first one times the first token."""
        if self._first_text_at is None:
            self._first_text_at = self._clock()
        self._streamed.append(text)

    def streamed_text(self) -> str:
        return "".join(self._streamed)

    def record(self, *, error: BaseException | None, result: dict | None, ctx, estimate_tokens=None,
               content_input: str | None = None) -> dict:
        """The record of the finished job. `ctx`: its JobContext (model, verdict, labels); `estimate_tokens(text)`
        counts tokens when the job ended without the model's usage."""
        verdict = getattr(ctx, "verdict", None)
        outcome, code = outcome_of(error, bool(verdict and verdict.redacted))
        if isinstance(error, BlockedByPolicy) and getattr(error, "verdict", None) is not None:
            verdict = error.verdict
        usage = (result or {}).get("usage") or {}
        prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
        if not usage and self._streamed and estimate_tokens is not None:
            completion = estimate_tokens(self.streamed_text())
        model = getattr(ctx, "model", None)
        ended = self._clock()
        record = {
            **self.fields, "time": self._time,
            "model": (result or {}).get("model") or getattr(model, "name", None) or None,
            "endpoint": getattr(model, "endpoint", None) or None,
            "prompt_tokens": int(prompt), "completion_tokens": int(completion),
            "latency_ms": round((ended - self._started) * 1000),
            "ttft_ms": None if self._first_text_at is None else round((self._first_text_at - self._started) * 1000),
            "outcome": outcome, "error_code": code,
            "findings": verdict.counts() if verdict else {},
            "guard_actions": {kind: f.action for kind, f in verdict.findings.items() if f.action} if verdict else {},
            "label": _label(verdict, getattr(ctx, "labels", None)),
        }
        output = _output_text(result)
        if content_input is not None or output is not None:
            record["content"] = {"input": _cap(content_input), "output": _cap(output or self.streamed_text() or None)}
        return record


def _label(verdict, labels: list[dict] | None) -> dict | None:
    """The highest classification the guard saw (its type), and the first MIP label of the job's files."""
    seen = (verdict.label or {}) if verdict else {}
    mip = seen.get("mip") or next(((entry["label"] or {}).get("mip") for entry in labels or []
                                   if (entry.get("label") or {}).get("mip")), None)
    label = {"classification": seen.get("classification"), "mip_name": (mip or {}).get("name"),
             "mip_id": (mip or {}).get("id")}
    if not any(label.values()) and labels:
        return audit_label(labels[0].get("label"))
    return label if any(label.values()) else None


def _output_text(result: dict | None) -> str | None:
    if not result:
        return None
    for key in ("text", "summary"):
        if isinstance(result.get(key), str):
            return result[key]
    if isinstance(result.get("findings"), list):
        return "\n".join(f"{f.get('aspect')}: {f.get('comment')}" for f in result["findings"] if isinstance(f, dict))
    return None


def _cap(text: str | None) -> str | None:
    return text if text is None or len(text) <= CONTENT_LIMIT else text[:CONTENT_LIMIT]
