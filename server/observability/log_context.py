"""The request a log line belongs to: its id and its user's pseudonym, on every line logged while the request
is handled, its stream included.

Kept in a contextvar rather than read from flask.g: a stream's body is produced after the view has returned,
outside Flask's request context but in the same thread (or greenlet), and work handed to pool threads runs
in a copy of the submitting context (contextvars.copy_context), so those lines say which request they serve.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass


@dataclass
class RequestLog:
    request_id: str
    user: str | None = None  # a pseudonym (the audit store's), never an object id, name or address


_current: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar("drafter_request_log", default=None)


def begin(request_id: str) -> RequestLog:
    entry = RequestLog(request_id)
    _current.set(entry)
    return entry


def current() -> RequestLog | None:
    return _current.get()


def end(entry: RequestLog) -> None:
    """The request is over (its response closed): this thread's later lines belong to no request, unless
    another one has begun here since."""
    if _current.get() is entry:
        _current.set(None)


class RequestLogFilter(logging.Filter):
    """Stamps request_id and user on every record passing the handler (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        entry = _current.get()
        record.request_id = entry.request_id if entry else None
        record.user = entry.user if entry else None
        return True
