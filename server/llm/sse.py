"""Server-sent events: a decoder that follows the WHATWG event-stream spec, and the chat-completions layer on it.

The decoder takes bytes in whatever pieces the network delivers them (split anywhere, even inside a UTF-8
character or between CR and LF) and yields events exactly as the spec's "interpret an event stream" says
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).

The chat layer turns OpenAI-style `chat.completion.chunk` events into text deltas and records model, usage and
finish reason; it is strict about endings (an early end is an error, never a quiet short answer) and lenient
about what real providers add (Azure's filter annotations, usage chunks, llama.cpp's reasoning deltas).
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from server.errors import UpstreamError
from server.llm.base import Usage
from server.llm.chat_payload import check_content_filter, parse_usage, raise_for_error_object

_EOL = re.compile(r"\r\n|\r|\n")
DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024  # one `data:` line larger than this is not a chat chunk


@dataclass(frozen=True)
class Event:
    data: str
    type: str = "message"
    id: str = ""  # the stream's last event ID when this event was dispatched
    retry: int | None = None  # the latest reconnection time (ms) the stream asked for


class SSEDecoder:
    """Incremental decoder: `feed(bytes)` returns the events completed so far; `finish()` ends the stream."""

    def __init__(self, *, max_line_chars: int = DEFAULT_MAX_LINE_CHARS):
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max_line_chars = max_line_chars
        self._at_start = True  # a BOM is only stripped at the very start of the stream
        self._skip_lf = False  # the last piece ended in CR: a LF opening the next piece belongs to it
        self._partial: list[str] = []  # the current line, not yet ended
        self._partial_len = 0
        self._data: list[str] = []
        self._event_type = ""
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        return self._take_text(self._utf8.decode(chunk))

    def finish(self) -> Event | None:
        """End of stream. Per spec, an event lacking its closing blank line is discarded; it is returned here
        (its unended last line included) so a lenient caller can still look at it; None when there is none."""
        self._take_text(self._utf8.decode(b"", final=True))  # at most a U+FFFD for a cut character
        if self._partial:
            self._process_line("".join(self._partial))
            self._partial, self._partial_len = [], 0
        return self._dispatch()

    def _take_text(self, text: str) -> list[Event]:
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        if "\r" not in text and "\n" not in text:  # mid-line piece: no join, no split (large lines stay linear)
            self._grow_partial(text)
            return []
        parts = _EOL.split(text)
        tail = parts.pop()
        self._skip_lf = text.endswith("\r")
        events: list[Event] = []
        for i, part in enumerate(parts):
            if i == 0 and self._partial:
                self._grow_partial(part)
                part = "".join(self._partial)
                self._partial, self._partial_len = [], 0
            event = self._process_line(part)
            if event is not None:
                events.append(event)
        if tail:
            self._grow_partial(tail)
        return events

    def _grow_partial(self, text: str) -> None:
        self._partial_len += len(text)
        if self._partial_len > self._max_line_chars:
            raise UpstreamError(f"the model's stream sent a line longer than {self._max_line_chars} characters")
        self._partial.append(text)

    def _process_line(self, line: str) -> Event | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event_type = value
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry = int(value)
        return None  # other fields are ignored

    def _dispatch(self) -> Event | None:
        data, event_type = self._data, self._event_type
        self._data, self._event_type = [], ""
        if not data:
            return None
        return Event(data="\n".join(data), type=event_type or "message", id=self.last_event_id, retry=self.retry)


def iter_events(chunks: Iterable[bytes], *, decoder: SSEDecoder | None = None) -> Iterator[Event]:
    """The events of a whole stream, exactly per spec (an unended last event is not dispatched)."""
    decoder = decoder or SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    decoder.finish()


class StreamOutcome(Protocol):
    """Where the chat layer records what the stream said; `ChatStream` is one."""

    model: str
    usage: Usage
    finish_reason: str | None


@dataclass
class ChatStreamResult:
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None


EARLY_END = "the model's stream ended early"


def iter_chat_text(chunks: Iterable[bytes], outcome: StreamOutcome | None = None) -> Iterator[str]:
    """Text deltas of a chat-completions stream; `outcome` gets model, usage and finish reason as they arrive.

    Raises ContentFiltered (filter verdicts, `finish_reason: content_filter`), UpstreamError (an error object,
    a chunk that is not JSON, an end before `[DONE]` and before any finish reason). A last event that lacks its
    closing blank line is still read (some servers end with a single newline); the spec would drop it.
    """
    outcome = outcome if outcome is not None else ChatStreamResult()
    decoder = SSEDecoder()
    for chunk in chunks:
        for event in decoder.feed(chunk):
            payload = _read_event(event, outcome)
            if payload is None:
                return
            yield from _texts(payload)
    last = decoder.finish()
    if last is not None:
        try:
            payload = _read_event(last, outcome)
        except UpstreamError:
            if outcome.finish_reason is None:
                raise UpstreamError(EARLY_END) from None  # a cut line reads as broken JSON: say what happened
            raise
        if payload is None:
            return
        yield from _texts(payload)
    if outcome.finish_reason is None:
        raise UpstreamError(EARLY_END)


def _read_event(event: Event, outcome: StreamOutcome) -> dict | None:
    """Check one event and record what it says; its JSON object, or None for the `[DONE]` sentinel."""
    if event.data.strip() == "[DONE]":
        return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        if event.type == "error":
            raise UpstreamError("the model endpoint reported an error in its stream") from None
        raise UpstreamError("the model endpoint sent a stream chunk that is not JSON") from None
    if not isinstance(payload, dict):
        raise UpstreamError("the model endpoint sent a stream chunk that is not a JSON object")
    raise_for_error_object(payload)
    if event.type == "error":
        raise UpstreamError("the model endpoint reported an error in its stream")
    check_content_filter(payload)
    if payload.get("model"):  # Azure's first and annotation chunks carry model ""
        outcome.model = str(payload["model"])
    if (usage := parse_usage(payload.get("usage"))) is not None:
        outcome.usage = usage
    for choice in payload.get("choices") or []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0 and choice.get("finish_reason"):
            outcome.finish_reason = str(choice["finish_reason"])
    return payload


def _texts(payload: dict) -> Iterator[str]:
    for choice in payload.get("choices") or []:
        if not isinstance(choice, dict) or choice.get("index", 0) != 0:
            continue
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:  # reasoning_content, tool calls and role deltas carry no text
            yield content
