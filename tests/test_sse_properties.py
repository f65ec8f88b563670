"""Property tests of the SSE decoder and the chat layer on it (server/llm/sse.py), with hypothesis.

Streams are generated from the events they must decode to (the oracle is the generator, not the decoder on
the whole stream): multi-line data, event names, ids, retry, comments, a BOM, and every line ending the spec
allows (\\r\\n, \\r, \\n, mixed); then cut into pieces anywhere. Arbitrary bytes only ever end in the typed
UpstreamError. Bounded for CI: derandomized, no example database.
"""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from server.errors import UpstreamError
from server.llm.sse import ChatStreamResult, Event, SSEDecoder, iter_chat_text

BOUNDED = settings(max_examples=200, derandomize=True, database=None, deadline=None)
# a field value: any text without CR or LF (they end lines); ids also without NUL (an id with one is ignored)
LINE_TEXT = st.text(st.characters(exclude_characters="\r\n", exclude_categories=("Cs",)), max_size=12)
NAME = st.text(st.characters(exclude_characters="\r\n\0", exclude_categories=("Cs",)), min_size=1, max_size=8)
ENDINGS = st.sampled_from(["\r\n", "\n", "\r"])


@st.composite
def streams(draw) -> tuple[bytes, list[Event]]:
    """(the stream's bytes, the events it must decode to)."""
    lines: list[str] = []
    events: list[Event] = []
    last_id, retry = "", None
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            lines.append(":" + draw(LINE_TEXT))  # a comment, anywhere
        event_type = draw(st.none() | NAME)
        if event_type is not None:
            lines.append(f"event: {event_type}")
        data = draw(st.lists(LINE_TEXT, min_size=1, max_size=3))
        for value in data:  # "data:" drops one following space: a value that starts with one needs "data: "
            separator = ": " if value[:1] == " " or draw(st.booleans()) else ":"
            lines.append(f"data{separator}{value}")
        if draw(st.booleans()):
            last_id = draw(NAME)
            lines.append(f"id: {last_id}")
        if draw(st.booleans()):
            retry = draw(st.integers(0, 10**6))
            lines.append(f"retry: {retry}")
        lines.append("")  # the blank line that dispatches
        events.append(Event("\n".join(data), event_type or "message", last_id, retry))
    return _join(draw, lines), events


def _join(draw, lines: list[str]) -> bytes:
    """Lines with endings drawn per stream or per line. A CR ending must not be read with the next line's LF as
    one CRLF: after a CR, an empty line ends with CR too."""
    style = draw(st.sampled_from(["\r\n", "\n", "\r", "mixed"]))
    text, previous = "\ufeff" if draw(st.booleans()) else "", ""
    for line in lines:
        ending = draw(ENDINGS) if style == "mixed" else style
        if previous == "\r" and not line:
            ending = "\r"
        text += line + ending
        previous = ending
    return text.encode("utf-8")


def split(draw, data: bytes) -> list[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def decode(pieces: list[bytes]) -> list[Event]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    assert decoder.finish() is None  # every generated event is closed by its blank line
    return events


@BOUNDED
@given(streams(), st.data())
def test_any_split_of_a_stream_decodes_to_its_events(stream, data):
    raw, events = stream
    assert decode([raw]) == events
    assert decode(split(data.draw, raw)) == events
    assert decode([raw[i:i + 1] for i in range(len(raw))]) == events


@BOUNDED
@given(st.binary(max_size=300), st.data())
def test_arbitrary_bytes_end_in_events_or_the_typed_error(raw, data):
    decoder = SSEDecoder(max_line_chars=40)  # small, so that the line limit is reached too
    try:
        for piece in split(data.draw, raw):
            assert all(isinstance(event, Event) for event in decoder.feed(piece))
        decoder.finish()
    except UpstreamError as exc:
        assert "longer than 40" in str(exc)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
# chunks shaped like the real ones, with anything in their fields
CHUNK = st.fixed_dictionaries({}, optional={
    "model": JSON, "usage": JSON | st.fixed_dictionaries({}, optional={"prompt_tokens": JSON,
                                                                      "completion_tokens": JSON}),
    "choices": JSON | st.lists(st.fixed_dictionaries({}, optional={
        "index": JSON, "finish_reason": JSON, "delta": JSON | st.fixed_dictionaries({}, optional={"content": JSON}),
        "content_filter_results": JSON}), max_size=2),
    "error": JSON, "prompt_filter_results": JSON})


@BOUNDED
@given(st.lists(CHUNK | JSON, max_size=4), st.booleans(), st.data())
def test_any_chunk_json_ends_in_text_or_the_typed_error(payloads, done, data):
    body = "".join(f"data: {json.dumps(p)}\n\n" for p in payloads) + ("data: [DONE]\n\n" if done else "")
    try:
        text = "".join(iter_chat_text(split(data.draw, body.encode()), ChatStreamResult()))
    except UpstreamError:
        return
    assert isinstance(text, str)


@BOUNDED
@given(st.binary(max_size=300), st.data())
def test_arbitrary_bytes_to_the_chat_layer_end_in_the_typed_error_or_text(raw, data):
    try:
        text = "".join(iter_chat_text(split(data.draw, raw)))
    except UpstreamError:
        return
    assert isinstance(text, str)


@BOUNDED
@given(st.lists(st.text(max_size=6), max_size=6), st.data())
def test_any_split_of_a_chat_stream_gives_the_same_text(deltas, data):
    chunks = [{"choices": [{"index": 0, "delta": {"content": d}, "finish_reason": None}]} for d in deltas]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(c, ensure_ascii=False)}\r\n\r\n" for c in chunks) + "data: [DONE]\r\n\r\n"
    outcome = ChatStreamResult()
    assert "".join(iter_chat_text(split(data.draw, body.encode()), outcome)) == "".join(deltas)
    assert outcome.finish_reason == "stop"


# ---- what hypothesis found, as plain regression tests ----

def test_a_chunk_whose_lists_are_not_lists_is_read_as_having_none():
    # {"choices": true} and a non-list prompt_filter_results failed with TypeError, not a typed error
    odd = [{"choices": True}, {"choices": 5, "prompt_filter_results": True}, {"prompt_annotations": 1.5}]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in odd)
    finish = 'data: {"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}\n\n'
    assert "".join(iter_chat_text([(body + finish).encode()])) == "ok"


def test_a_usage_count_of_infinity_is_ignored():
    # json reads Infinity as a float that int() cannot take: OverflowError
    body = ('data: {"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}], '
            '"usage": {"prompt_tokens": Infinity, "completion_tokens": 2}}\n\ndata: [DONE]\n\n')
    outcome = ChatStreamResult()
    assert "".join(iter_chat_text([body.encode()], outcome)) == "ok"
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == (0, 0)
