"""One model call: streamed piece by piece, stoppable, always closed; plus fitting a prompt to the window."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from server.errors import Cancelled, TooLarge
from server.llm.base import Usage


@dataclass
class CallResult:
    parts: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    model: str = ""

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _with_estimate(usage: Usage, messages: list[dict], text: str, tokens) -> Usage:
    """Some OpenAI-compatible servers (llama.cpp's among them) report no usage when streaming: count it here
    with the same tokenizer used for budgets, so audit and quotas never see a free call."""
    if usage.total_tokens or tokens is None:
        return usage
    return Usage(prompt_tokens=tokens.count_messages(messages), completion_tokens=tokens.count(text))


def stream_call(model, messages: list[dict], *, max_tokens: int, stopped: Callable[[], bool],
                sink: CallResult, temperature: float | None = None, tokens=None,
                stream: bool = True) -> Iterator[str]:
    """Yield the answer's pieces as they arrive; fill `sink` (usage, finish_reason, model) at the end.

    With `stream=False` the model is asked for its whole answer at once (one piece).

    The stream is closed in `finally`: when the consumer closes this generator (client gone) or `stopped()`
    turns true between pieces, the upstream request ends with it.
    """
    if not stream or not getattr(model, "supports_streaming", True):
        if stopped():
            raise Cancelled("the request was cancelled")
        completion = model.complete(messages, max_tokens=max_tokens, temperature=temperature)
        sink.parts.append(completion.text)
        sink.usage = _with_estimate(completion.usage, messages, completion.text, tokens)
        sink.finish_reason, sink.model = completion.finish_reason, completion.model
        yield completion.text
        return
    chat = model.stream(messages, max_tokens=max_tokens, temperature=temperature)
    try:
        for piece in chat:
            if stopped():
                raise Cancelled("the request was cancelled")
            sink.parts.append(piece)
            yield piece
    finally:
        chat.close()
    sink.usage = _with_estimate(chat.usage, messages, sink.text, tokens)
    sink.finish_reason, sink.model = chat.finish_reason, chat.model or model.name


def collect_call(model, messages: list[dict], *, max_tokens: int, stopped: Callable[[], bool],
                 temperature: float | None = None, tokens=None, stream: bool = True) -> CallResult:
    """The whole answer of one call (map and reduce workers), stopped between pieces once `stopped()`."""
    sink = CallResult()
    for _ in stream_call(model, messages, max_tokens=max_tokens, stopped=stopped, sink=sink,
                         temperature=temperature, tokens=tokens, stream=stream):
        pass
    return sink


def _prompt_tokens(messages: list[dict], tokens, limit: int) -> int:
    """The prompt's token count, or a cheap upper bound when that bound already fits under `limit`.

    A byte-level BPE token is at least one UTF-8 byte, so bytes + framing bound the count from above;
    most prompts are far from the window and need no exact count (tiktoken costs ~0.1 ms per prompt).
    """
    bound = 3 + sum(3 + len((m.get("content") or "").encode()) for m in messages)
    return bound if bound <= limit else tokens.count_messages(messages)


def fit_history(build: Callable[[list[dict]], list[dict]], history: list[dict], tokens, model,
                need: int | tuple[int, Callable[[], int]], field: str) -> tuple[list[dict], int]:
    """Messages from build(history) that leave `need` output tokens, dropping the oldest history turns first.

    `need` may be (cheap upper bound, function giving the exact need): when the whole history fits with the
    bound, it fits with the exact need too, which is then never computed (it costs a token count).
    Returns (messages, output room); raises TooLarge naming `field` when even no history does not fit.
    """
    turns = list(history)
    if isinstance(need, tuple):
        bound, exact = need
        messages = build(turns)
        room = model.context_window - _prompt_tokens(messages, tokens, model.context_window - bound)
        if room >= bound:
            return messages, room
        need = exact()
    while True:
        messages = build(turns)
        room = model.context_window - _prompt_tokens(messages, tokens, model.context_window - need)
        if room >= need:
            return messages, room
        if not turns:
            raise TooLarge(f"{field} is too long for the model: the prompt needs about "
                           f"{tokens.count_messages(messages) + need:,} tokens and the model takes "
                           f"{model.context_window:,}", field=field)
        turns = turns[2:] if len(turns) > 1 else []  # drop one exchange (user + assistant) at a time
