"""The model as a job sees it once the guard is on: unusable until screened, then redacting and restoring.

`Unscreened` stands in for the model until the guard has looked at the job's material: a job that tried to
send text first would fail loudly rather than leak. `RedactingModel` sends redacted messages and gives back
the answer with the values restored, whole or piece by piece.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

from collections.abc import Iterator

from server.governance.redaction import Redactor
from server.llm.base import ChatStream, Completion, WrappedStream


class NotScreened(RuntimeError):
    """A job reached the model before the guard screened its material: a bug, never a user's mistake."""


class Unscreened:
    """The model's attributes (name, context window, ...) without the means to send anything."""

    def __init__(self, model):
        self.inner = model

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def complete(self, messages, **kw):
        raise NotScreened("a job called the model before the guard screened its material")

    def stream(self, messages, **kw):
        raise NotScreened("a job called the model before the guard screened its material")


class RedactingModel:
    def __init__(self, model, redactor: Redactor):
        self.inner = model
        self.redactor = redactor

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def complete(self, messages: list[dict], **kw) -> Completion:
        completion = self.inner.complete(self.redactor.redact_messages(messages), **kw)
        completion.text = self.redactor.restore(completion.text)
        return completion

    def stream(self, messages: list[dict], **kw) -> ChatStream:
        inner = self.inner.stream(self.redactor.redact_messages(messages), **kw)
        return _RestoredStream(inner, self.redactor)


class _RestoredStream(WrappedStream):
    """The inner stream's pieces, restored; usage, finish_reason and model read through once it ends."""

    def __init__(self, inner: ChatStream, redactor: Redactor):
        super().__init__(self._pieces_of(inner, redactor), inner)

    @staticmethod
    def _pieces_of(inner: ChatStream, redactor: Redactor) -> Iterator[str]:
        restorer = redactor.restorer()
        for piece in inner:
            text = restorer.feed(piece)
            if text:
                yield text
        tail = restorer.flush()
        if tail:
            yield tail
