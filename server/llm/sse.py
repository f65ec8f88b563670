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

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from server.errors import UpstreamError
from server.llm.base import Usage
from server.llm.chat_payload import check_content_filter, list_at, parse_usage, raise_for_error_object

# Lines are split as bytes: CR and LF never occur inside a UTF-8 sequence, so splitting before decoding is
# exact, and decoding each finished line alone gives the same text (an invalid sequence cannot span an EOL).
_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"
# UTF-8 continuation bytes (0x80-0xBF) start no character: deleting every other byte leaves just them.
_NOT_CONTINUATION = bytes(b for b in range(256) if not 0x80 <= b <= 0xBF)
DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024  # one `data:` line larger than this is not a chat chunk


class Event(NamedTuple):
    data: str
    type: str = "message"
    id: str = ""  # the stream's last event ID when this event was dispatched
    retry: int | None = None  # the latest reconnection time (ms) the stream asked for


class SSEDecoder:
    """Incremental decoder: `feed(bytes)` returns the events completed so far; `finish()` ends the stream."""

    def __init__(self, *, max_line_chars: int = DEFAULT_MAX_LINE_CHARS):
        self._max_line_chars = max_line_chars
        self._at_start = True  # a BOM is only stripped from the stream's first line
        self._skip_lf = False  # the last piece ended in CR: a LF opening the next piece belongs to it
        self._partial: list[bytes] = []  # the current line, not yet ended
        self._partial_len = 0  # in characters
        self._data: list[str] = []
        self._event_type = ""
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\n" not in chunk and b"\r" not in chunk:  # mid-line piece: no join, no split (long lines stay linear)
            self._grow_partial(chunk)
            return []
        if self._partial:
            eol = _first_eol(chunk)
            self._grow_partial(chunk[:eol])  # the line this piece ends must fit the limit too
            chunk = b"".join(self._partial) + chunk[eol:]
            self._partial, self._partial_len = [], 0
        if b"\r" in chunk:
            lines = _EOL.split(chunk)
            self._skip_lf = chunk[-1:] == b"\r"
        else:
            lines = chunk.split(b"\n")
        tail = lines.pop()
        if self._at_start and lines:
            self._at_start = False
            if lines[0][:3] == _BOM:
                lines[0] = lines[0][3:]
        events: list[Event] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(self._dispatch())
                else:
                    self._event_type = ""
            elif line[:6] == b"data: ":  # the chat streams' every other line: skip the general parse
                self._data.append(line[6:].decode("utf-8", "replace"))
            else:
                self._process_line(line)
        if tail:
            self._grow_partial(tail)
        return events

    def finish(self) -> Event | None:
        """End of stream. Per spec, an event lacking its closing blank line is discarded; it is returned here
        (its unended last line included) so a lenient caller can still look at it; None when there is none."""
        if self._partial:
            line = b"".join(self._partial)
            self._partial, self._partial_len = [], 0
            if self._at_start and line[:3] == _BOM:
                line = line[3:]
            self._at_start = False
            if line:
                self._process_line(line)
        if not self._data:
            self._event_type = ""
            return None
        return self._dispatch()

    def _grow_partial(self, piece: bytes) -> None:
        self._partial_len += len(piece) if piece.isascii() else len(piece) - len(piece.translate(None, _NOT_CONTINUATION))
        if self._partial_len > self._max_line_chars:
            raise UpstreamError(f"the model's stream sent a line longer than {self._max_line_chars} characters")
        self._partial.append(piece)

    def _process_line(self, line: bytes) -> None:
        """One non-empty line: a comment or a field (the blank line that dispatches is handled by the caller)."""
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event_type = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value.isdigit():  # bytes.isdigit: ASCII digits only, as the spec asks
                self.retry = int(value)
        # other fields are ignored

    def _dispatch(self) -> Event:
        data, event_type = self._data, self._event_type
        self._data, self._event_type = [], ""
        return Event(data[0] if len(data) == 1 else "\n".join(data), event_type or "message", self.last_event_id,
                     self.retry)


def _first_eol(chunk: bytes) -> int:
    """Index of the first CR or LF in `chunk` (which has one)."""
    lf, cr = chunk.find(b"\n"), chunk.find(b"\r")
    return lf if cr < 0 else cr if lf < 0 else min(lf, cr)


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
    Returns at `[DONE]` without reading further: a caller that wants the connection back drains the rest.
    """
    outcome = outcome if outcome is not None else ChatStreamResult()
    decoder = SSEDecoder()
    feed = decoder.feed
    for chunk in chunks:
        for event in feed(chunk):
            payload = _read_event(event, outcome)
            if payload is None:
                return
            for choice in list_at(payload, "choices"):
                if (content := _text_of(choice)) is not None:
                    yield content
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
        for choice in list_at(payload, "choices"):
            if (content := _text_of(choice)) is not None:
                yield content
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
    for choice in list_at(payload, "choices"):
        if isinstance(choice, dict) and choice.get("index", 0) == 0 and choice.get("finish_reason"):
            outcome.finish_reason = str(choice["finish_reason"])
    return payload


def _text_of(choice: object) -> str | None:
    """The text a choice's delta adds, or None (other choices, reasoning_content, tool calls, role deltas)."""
    if not isinstance(choice, dict) or choice.get("index", 0) != 0:
        return None
    delta = choice.get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) and content else None
