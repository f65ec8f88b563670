"""The small model interface every provider implements (OpenAI-compatible, Azure OpenAI, the fake twin).

A model answers a list of chat messages either whole (`complete`) or as a `ChatStream`: an iterator of text
pieces, forwarded as they arrive, whose `usage`, `finish_reason` and `model` are filled in once it ends.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    def to_dict(self) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass
class Completion:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    # "stop", "length" (cut at max_tokens); a "content_filter" finish raises ContentFiltered instead
    finish_reason: str | None = "stop"


class ChatStream:
    """Iterate for text pieces; afterwards `usage`, `finish_reason` and `model` hold what the stream said.

    Always close it (or exhaust it): closing releases the upstream connection, which stops the model.
    """

    def __init__(self, pieces: Iterator[str], model: str = ""):
        self._pieces = pieces
        self.model = model
        self.usage = Usage()
        self.finish_reason: str | None = None
        self.first_chunk_at: float | None = None  # time.monotonic() of the first text piece

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def __next__(self) -> str:
        return next(self._pieces)

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_through(name: str) -> property:
    """The inner stream's attribute. ChatStream.__init__ assigns it too; that value is ignored, since the
    inner stream's is the one that counts."""
    return property(lambda self: getattr(self._inner, name), lambda self, value: None)


class WrappedStream(ChatStream):
    """A stream made from another one's pieces (restored, metered, ...): what the inner stream says about
    itself (usage, finish_reason, first_chunk_at, model) is read through, and closing closes it too."""

    def __init__(self, pieces: Iterator[str], inner: ChatStream):
        self._inner = inner
        super().__init__(pieces)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._inner.close()

    usage = _read_through("usage")
    finish_reason = _read_through("finish_reason")
    first_chunk_at = _read_through("first_chunk_at")
    model = _read_through("model")


class ChatModel(Protocol):
    """What a provider offers. Capabilities are attributes, so callers ask rather than guess."""

    name: str  # the model or deployment name reported in results
    endpoint: str  # where requests go (for audit), never including secrets
    supports_streaming: bool
    context_window: int  # tokens the model accepts, prompt and answer together

    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 temperature: float | None = None) -> Completion: ...

    def stream(self, messages: list[dict], *, max_tokens: int | None = None,
               temperature: float | None = None) -> ChatStream: ...

    def ping(self) -> None:
        """Raise UpstreamError / UpstreamTimeout when the endpoint cannot be reached (for /readyz)."""
