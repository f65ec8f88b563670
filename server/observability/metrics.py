"""The service's Prometheus metrics, and the one place that records them.

Labels are bounded by what the service is, never by who calls it or what they send: routes are URL rules
(`/api/v1/rewrite`, never a raw path), methods outside the usual few are "OTHER", statuses are numbers, error
codes and guard types come from Drafter's own fixed lists (and anything else that looks wrong is "other"),
endpoints and models are the configured ones. No user, tenant or request id is ever a label value.

Under gunicorn the workers are separate processes: prometheus_client's multiprocess mode keeps each
worker's values in files under PROMETHEUS_MULTIPROC_DIR, and a scrape of any worker adds them all up
(server/observability/gunicorn_hooks.py prepares that directory). Whether that mode is on is decided when
prometheus_client is first imported, so it is read from the library rather than from the environment.
"""
from __future__ import annotations

import re
import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OTHER = "other"
# A model name is what the upstream reports (as the audit record keeps it): one deployment may report a few
# (gpt-4o-2024-08-06 for gpt-4o), but an endpoint that made up a new one per answer must not grow a series per
# answer. Past this many distinct names in a process, new ones count as "other".
MAX_MODEL_NAMES = 32

HTTP_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
UPSTREAM_SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
FIRST_TOKEN_SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30)


def multiprocess_mode() -> bool:
    """True when prometheus_client writes values to the shared directory (it chose so at import)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def code_label(code: object) -> str:
    return code if isinstance(code, str) and CODE.match(code) else OTHER


class DrafterMetrics:
    """One app's metrics. `registry`: where they are kept in single-process mode (one per app, so tests can
    build many apps); in multiprocess mode the files are the registry and a scrape reads them all."""

    def __init__(self):
        self.multiprocess = multiprocess_mode()
        self.registry = CollectorRegistry()
        registry = None if self.multiprocess else self.registry
        self._models: set[str] = set()
        self._models_lock = threading.Lock()
        self.http_requests = Counter(
            "drafter_http_requests", "HTTP requests answered, by route (URL rule), method and status",
            ["route", "method", "status"], registry=registry)
        self.http_seconds = Histogram(
            "drafter_http_request_duration_seconds", "Time from request to the end of the response (a stream's "
            "last event included), by route, method and status", ["route", "method", "status"],
            buckets=HTTP_SECONDS, registry=registry)
        self.streams_in_flight = Gauge(
            "drafter_streams_in_flight", "Server-sent event streams open now, by route", ["route"],
            multiprocess_mode="livesum", registry=registry)
        self.errors = Counter(
            "drafter_errors", "Error answers by code: HTTP error responses and streams' error events", ["code"],
            registry=registry)
        self.upstream_seconds = Histogram(
            "drafter_upstream_request_duration_seconds", "Model calls: time from sending to the last piece of "
            "the answer, by endpoint, model, mode (complete, stream) and outcome (ok, cancelled or an error "
            "code)", ["endpoint", "model", "mode", "outcome"], buckets=UPSTREAM_SECONDS, registry=registry)
        self.upstream_first_token = Histogram(
            "drafter_upstream_time_to_first_token_seconds", "Streamed model calls: time from sending to the "
            "first piece of text, by endpoint and model", ["endpoint", "model"], buckets=FIRST_TOKEN_SECONDS,
            registry=registry)
        self.jobs = Counter(
            "drafter_jobs", "Jobs finished, by action (rewrite, summarize, draft, review) and outcome (as the "
            "audit record says: ok, redacted, blocked, rate_limited, upstream_error, cancelled, error)",
            ["action", "outcome"], registry=registry)
        self.job_first_token = Histogram(
            "drafter_job_time_to_first_token_seconds", "Jobs: time from the request to the first text sent to "
            "the caller, by action", ["action"], buckets=FIRST_TOKEN_SECONDS, registry=registry)
        self.tokens = Counter(
            "drafter_tokens", "Tokens used by jobs, by model and kind (prompt, completion), as the audit "
            "record counts them", ["model", "kind"], registry=registry)
        self.guard_actions = Counter(
            "drafter_guard_actions", "Jobs in which the policy guard found a type, by type and the action taken "
            "(block, route, redact, warn, or none when no rule acts on it)", ["type", "action"],
            registry=registry)

    # -- HTTP --

    def request_done(self, route: str, method: str, status: int, seconds: float) -> None:
        labels = (route, method if method in METHODS else "OTHER", str(status))
        self.http_requests.labels(*labels).inc()
        self.http_seconds.labels(*labels).observe(seconds)

    def stream_opened(self, route: str) -> None:
        self.streams_in_flight.labels(route).inc()

    def stream_closed(self, route: str) -> None:
        self.streams_in_flight.labels(route).dec()

    def error(self, code: object) -> None:
        self.errors.labels(code_label(code)).inc()

    # -- the model (server.llm.metered.UpstreamRecorder) --

    def upstream_call(self, *, endpoint: str, model: str, mode: str, outcome: str, seconds: float,
                      first_token_seconds: float | None) -> None:
        self.upstream_seconds.labels(endpoint, model, mode, code_label(outcome)).observe(seconds)
        if first_token_seconds is not None:
            self.upstream_first_token.labels(endpoint, model).observe(first_token_seconds)

    # -- jobs, from the audit record (server.governance.job_audit), so the two always agree --

    def job_recorded(self, record: dict) -> None:
        action = code_label(record.get("action"))
        self.jobs.labels(action, code_label(record.get("outcome"))).inc()
        if record.get("ttft_ms") is not None:
            self.job_first_token.labels(action).observe(record["ttft_ms"] / 1000)
        model = self._model_label(record.get("model"))
        for kind in ("prompt", "completion"):
            count = record.get(f"{kind}_tokens") or 0
            if count > 0:
                self.tokens.labels(model, kind).inc(count)
        actions = record.get("guard_actions") or {}
        for kind in record.get("findings") or {}:
            self.guard_actions.labels(code_label(kind), code_label(actions.get(kind, "none"))).inc()

    def _model_label(self, name: object) -> str:
        if not isinstance(name, str) or not name or len(name) > 200:
            return OTHER if name else "unknown"
        with self._models_lock:
            if name in self._models:
                return name
            if len(self._models) < MAX_MODEL_NAMES:
                self._models.add(name)
                return name
        return OTHER

    # -- exposition --

    def exposition(self) -> bytes:
        """The text exposition format 0.0.4: this process's metrics, or every worker's added up."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
