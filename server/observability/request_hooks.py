"""Per request: its metrics, its access line, and its place in the logs.

The clock starts in the first before_request; the request is counted, timed and logged when its response is
closed, which for a stream is when its last event has gone out or the caller has left (the WSGI server closes
the response either way). A stream is "in flight" from its first byte to that close. Error answers are
counted by code: an HTTP error's from its JSON body, a stream's from its `error` events.

The access line: `POST /api/v1/rewrite 200 412 ms` (JSON: method, route, status, duration_ms), with the
request id and the user's pseudonym like every line of the request; health probes and metric scrapes are
logged at DEBUG so they do not drown the rest.
"""
from __future__ import annotations

import json
import logging
import time

from flask import current_app, g, request

from server.observability import log_context
from server.observability.metrics import DrafterMetrics

log = logging.getLogger(__name__)
EXTENSION = "drafter.metrics"
UNMATCHED = "unmatched"  # a request no URL rule matched (404, 405): one label for all of them
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
ERROR_EVENT = "event: error\n"


def install(app, metrics: DrafterMetrics) -> None:
    app.extensions[EXTENSION] = metrics
    app.before_request(_start_clock)  # registered before the blueprints' hooks, so it runs first
    app.after_request(_follow_response)


def identify_user(principal) -> None:
    """Once the caller is authenticated: their pseudonym on the request's log lines (an HMAC of tenant and
    object id under the audit store's key, the one the usage reports show), never the ids themselves."""
    entry = log_context.current()
    if entry is None:
        return
    try:
        entry.user = current_app.extensions["drafter.audit"].store.pseudonym(principal.tenant_id,
                                                                             principal.object_id)
    except Exception as exc:  # the store's key unreadable: the lines go without a user, the request goes on
        log.debug("no pseudonym for the log: %s", type(exc).__name__)


def _start_clock() -> None:
    g.observability_started = time.perf_counter()


def _follow_response(response):
    metrics: DrafterMetrics = current_app.extensions[EXTENSION]
    started = g.get("observability_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method, status = request.method, response.status_code
    entry = log_context.current()
    streaming = response.is_streamed and response.mimetype == "text/event-stream"
    if streaming:
        metrics.stream_opened(route)
        response.response = CountedEvents(response.response, metrics.error)
    elif status >= 400:
        metrics.error(_error_code(response))

    def closed() -> None:
        try:
            seconds = time.perf_counter() - started
            if streaming:
                metrics.stream_closed(route)
            metrics.request_done(route, method, status, seconds)
            duration_ms = round(seconds * 1000)
            log.log(logging.DEBUG if route in QUIET_ROUTES else logging.INFO, "%s %s %d %d ms", method, route,
                    status, duration_ms, extra={"method": method, "route": route, "status": status,
                                                "duration_ms": duration_ms})
        except Exception:  # the caller has its answer; this is for the operators
            log.exception("request %s not recorded", entry.request_id if entry else "-")
        finally:
            if entry is not None:
                log_context.end(entry)

    response.call_on_close(closed)
    return response


def _error_code(response) -> str | None:
    """The `error` of Drafter's JSON error body; None (counted as "other") for anything else."""
    if response.is_json and not response.is_streamed:
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            return body.get("error")
    return None


class CountedEvents:
    """A stream's encoded events passed through, its `error` events counted by code. close() always closes the
    events it wraps (even before the first was read), which stops the job and the model behind them."""

    def __init__(self, events, count_error):
        self._events = events
        self._iterator = iter(events)
        self._count_error = count_error

    def __iter__(self):
        return self

    def __next__(self):
        event = next(self._iterator)
        if isinstance(event, str) and event.startswith(ERROR_EVENT):
            self._count_error(_event_code(event))
        return event

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        if close is not None:
            close()


def _event_code(event: str) -> str | None:
    try:
        data = json.loads(event.split("data: ", 1)[1])
    except (IndexError, ValueError):
        return None
    return data.get("error") if isinstance(data, dict) else None
