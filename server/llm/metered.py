"""MeteredModel: a ChatModel that tells a recorder how each call to the model went.

For every call: the endpoint and model (as configured), the mode (complete or stream), the outcome (ok,
cancelled when a stream is closed before its end, or the error's code) and how long it took; for a stream
also the time to its first piece of text. The recorder is whatever the API layer provides (the app's
metrics); a recorder that fails is logged and never fails the call.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from server.errors import Cancelled, DrafterError
from server.llm.base import ChatStream, Completion, WrappedStream

log = logging.getLogger(__name__)


class UpstreamRecorder(Protocol):
    def upstream_call(self, *, endpoint: str, model: str, mode: str, outcome: str, seconds: float,
                      first_token_seconds: float | None) -> None: ...


def outcome_of(error: BaseException) -> str:
    if isinstance(error, Cancelled | GeneratorExit):
        return "cancelled"
    if isinstance(error, DrafterError):
        return error.code
    return "internal_error"


class MeteredModel:
    """The model's attributes read through; complete() and stream() timed and reported."""

    def __init__(self, model, recorder: UpstreamRecorder, clock: Callable[[], float] = time.monotonic):
        self.inner = model
        self._recorder = recorder
        self._clock = clock

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def complete(self, messages: list[dict], **kw) -> Completion:
        started = self._clock()
        try:
            completion = self.inner.complete(messages, **kw)
        except BaseException as exc:
            self._report("complete", outcome_of(exc), started, None)
            raise
        self._report("complete", "ok", started, None)
        return completion

    def stream(self, messages: list[dict], **kw) -> ChatStream:
        started = self._clock()
        try:
            inner = self.inner.stream(messages, **kw)
        except BaseException as exc:  # refused before any text: 429, 5xx, unreachable
            self._report("stream", outcome_of(exc), started, None)
            raise
        return _MeteredStream(inner, lambda outcome: self._report("stream", outcome, started,
                                                                  inner.first_chunk_at))

    def _report(self, mode: str, outcome: str, started: float, first_chunk_at: float | None) -> None:
        try:
            self._recorder.upstream_call(
                endpoint=str(getattr(self.inner, "endpoint", "") or "unknown"),
                model=str(getattr(self.inner, "name", "") or "unknown"), mode=mode, outcome=outcome,
                seconds=max(0.0, self._clock() - started),
                first_token_seconds=None if first_chunk_at is None else max(0.0, first_chunk_at - started))
        except Exception as exc:  # metrics must never cost the caller its answer
            log.warning("model call not recorded in metrics: %s: %s", type(exc).__name__, exc)


class _MeteredStream(WrappedStream):
    """The inner stream's pieces; reported once, when it ends, fails or is closed early."""

    def __init__(self, inner: ChatStream, report: Callable[[str], None]):
        super().__init__(self._pieces_of(inner), inner)
        self._report = report
        self._reported = False

    def _pieces_of(self, inner: ChatStream) -> Iterator[str]:
        try:
            yield from inner
        except GeneratorExit:
            raise  # closed early: close() reports it
        except BaseException as exc:
            self._end(outcome_of(exc))
            raise
        self._end("ok")

    def _end(self, outcome: str) -> None:
        if not self._reported:
            self._reported = True
            self._report(outcome)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end("cancelled")
