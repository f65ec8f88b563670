"""The SSE decoder (WHATWG event-stream rules) and the chat-completions layer, against the real recorded streams."""
from __future__ import annotations

import json

import pytest

from server.errors import ContentFiltered, UpstreamError
from server.llm.base import ChatStream, Usage
from server.llm.sse import EARLY_END, ChatStreamResult, Event, SSEDecoder, iter_chat_text, iter_events

# What each recorded stream says, read from the files themselves (see ../shared/corpus/SOURCES.md).
BASIC_TEXT = ("I'm unable to provide real-time weather updates. To get the current weather in San Francisco, "
              "I recommend checking a reliable weather website or a weather app.")
CORPUS = {
    "openai-chat-basic-usage.txt": dict(text=BASIC_TEXT, usage=(14, 30), finish="stop", model="gpt-4o-2024-08-06"),
    "openai-chat-finish-length.txt": dict(text='{"', usage=(79, 1), finish="length", model="gpt-4o-2024-08-06"),
    # tool calls carry no text; the finish reason says so
    "openai-chat-parallel-tool-calls.txt": dict(text="", usage=(149, 60), finish="tool_calls",
                                                model="gpt-4o-2024-08-06"),
    # Azure: first event has choices [] and prompt_filter_results; no usage chunk; ends "[DONE]\n" (one LF)
    "azure-prompt-filter-results.txt": dict(text="Hallo Welt!", usage=(0, 0), finish="stop", model="gpt-4o-2024-08-06"),
    # Azure async filter: the text streams, finishes "stop", then an annotation flags custom_blocklists
    "azure-async-filter-flagged.txt": dict(text="svirblocked" + " svirblocked" * 9, usage=(0, 0), finish="stop",
                                           model="gpt-6-luna-2026-09-22",
                                           error=(ContentFiltered, "flagged the answer (custom_blocklists)")),
    # llama.cpp: 19 reasoning_content deltas (no text), then an error object, no [DONE]
    "llamacpp-stream-error-object.txt": dict(
        text="", usage=(0, 0), finish=None,
        model="/Users/me/.lmstudio/models/lmstudio-community/Muse-Glimmer-30B-GGUF/muse-glimmer-30B-kquant-17gb.gguf",
        error=(UpstreamError, "The model produced output that does not match the expected peg-native format")),
}


def run_chat(chunks) -> tuple[str, ChatStreamResult, Exception | None]:
    outcome, pieces = ChatStreamResult(), []
    try:
        for piece in iter_chat_text(chunks, outcome):
            pieces.append(piece)
    except UpstreamError as exc:
        return "".join(pieces), outcome, exc
    return "".join(pieces), outcome, None


def check(name: str, text: str, outcome: ChatStreamResult, error: Exception | None) -> None:
    want = CORPUS[name]
    assert text == want["text"]
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == want["usage"]
    assert outcome.finish_reason == want["finish"]
    assert outcome.model == want["model"]
    if "error" in want:
        kind, message = want["error"]
        assert type(error) is kind and message in str(error)
    else:
        assert error is None


def test_the_table_covers_every_recorded_stream(corpus_dir):
    assert sorted(p.name for p in (corpus_dir / "sse").iterdir() if p.is_file()) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.parametrize("size", [None, 1, 7, 4096])
def test_recorded_streams(corpus_dir, name, size):
    data = (corpus_dir / "sse" / name).read_bytes()
    chunks = [data] if size is None else [data[i:i + size] for i in range(0, len(data), size)]
    check(name, *run_chat(chunks))


@pytest.mark.parametrize("name", ["openai-chat-finish-length.txt", "azure-prompt-filter-results.txt"])
def test_recorded_stream_split_at_every_byte_boundary(corpus_dir, name):
    data = (corpus_dir / "sse" / name).read_bytes()
    for cut in range(len(data) + 1):
        check(name, *run_chat([data[:cut], data[cut:]]))


def test_usage_lands_on_a_chat_stream(corpus_dir):
    data = (corpus_dir / "sse" / "openai-chat-basic-usage.txt").read_bytes()
    stream = ChatStream(iter(()))
    assert "".join(iter_chat_text([data], stream)) == BASIC_TEXT
    assert stream.usage == Usage(14, 30) and stream.finish_reason == "stop"


def test_content_filter_finish_reason_raises(corpus_dir):
    # No public recording ends with finish_reason "content_filter" (corpus/SOURCES.md, caveats), so this
    # edits a real Azure stream: its "stop" becomes "content_filter", as Azure sends when it cuts an answer.
    data = (corpus_dir / "sse" / "azure-prompt-filter-results.txt").read_bytes()
    assert data.count(b'"finish_reason":"stop"') == 1
    text, outcome, error = run_chat([data.replace(b'"finish_reason":"stop"', b'"finish_reason":"content_filter"')])
    assert isinstance(error, ContentFiltered) and "content filter stopped the answer" in str(error)
    assert text == "Hallo Welt!"


def test_filtered_prompt_raises(corpus_dir):
    # Edited as above: the prompt verdict for "hate" says filtered.
    data = (corpus_dir / "sse" / "azure-prompt-filter-results.txt").read_bytes()
    edited = data.replace(b'"hate":{"filtered":false', b'"hate":{"filtered":true', 1)
    text, _, error = run_chat([edited])
    assert isinstance(error, ContentFiltered) and "blocked the prompt (hate)" in str(error)
    assert text == ""


# -- the decoder, rule by rule --

def events(data: bytes) -> list[tuple[str, str, str]]:
    return [(e.type, e.data, e.id) for e in iter_events([data])]


DECODER_CASES = [
    ("LF", b"data: a\n\n", [("message", "a", "")]),
    ("CRLF", b"data: a\r\n\r\n", [("message", "a", "")]),
    ("CR", b"data: a\r\r", [("message", "a", "")]),
    ("mixed line ends", b"data: a\rdata: b\r\ndata: c\n\n", [("message", "a\nb\nc", "")]),
    ("comment ignored", b": keep-alive\ndata: a\n: more\n\n", [("message", "a", "")]),
    ("multi-line data joined with LF", b"data: one\ndata: two\n\n", [("message", "one\ntwo", "")]),
    ("event type", b"event: delta\ndata: x\n\n", [("delta", "x", "")]),
    ("type resets after dispatch", b"event: a\ndata: 1\n\ndata: 2\n\n", [("a", "1", ""), ("message", "2", "")]),
    ("id persists", b"id: 7\ndata: a\n\ndata: b\n\n", [("message", "a", "7"), ("message", "b", "7")]),
    ("id with NUL ignored", b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n", [("message", "a", "1"), ("message", "b", "1")]),
    ("empty id resets", b"id: 1\ndata: a\n\nid\ndata: b\n\n", [("message", "a", "1"), ("message", "b", "")]),
    ("field without colon is an empty value", b"data\n\n", [("message", "", "")]),
    ("data without space", b"data:a\n\n", [("message", "a", "")]),
    ("only one leading space stripped", b"data:  a \n\n", [("message", " a ", "")]),
    ("colon in value kept", b"data: a: b\n\n", [("message", "a: b", "")]),
    ("empty data line makes a newline", b"data\ndata\n\n", [("message", "\n", "")]),
    ("BOM at start stripped", b"\xef\xbb\xbfdata: a\n\n", [("message", "a", "")]),
    ("second BOM is part of the field name", b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n", []),
    ("no data, no event", b"event: x\nid: 3\n\n", []),
    ("unknown field ignored", b"foo: bar\ndata: a\n\n", [("message", "a", "")]),
    ("field names are case-sensitive", b"Data: a\n\n", []),
    ("unended event not dispatched", b"data: a\n\ndata: b\n", [("message", "a", "")]),
    ("unended line not dispatched", b"data: a", []),
    ("invalid UTF-8 replaced", b"data: \xff\n\n", [("message", "\ufffd", "")]),
    ("blank lines alone dispatch nothing", b"\n\n\r\n", []),
]


@pytest.mark.parametrize("data,expected", [c[1:] for c in DECODER_CASES], ids=[c[0] for c in DECODER_CASES])
def test_decoder_rules(data, expected):
    assert events(data) == expected


@pytest.mark.parametrize("data,expected", [c[1:] for c in DECODER_CASES], ids=[c[0] for c in DECODER_CASES])
def test_decoder_rules_hold_for_every_split(data, expected):
    for cut in range(len(data) + 1):
        for second in range(cut, len(data) + 1):
            assert [(e.type, e.data, e.id) for e in iter_events([data[:cut], data[cut:second], data[second:]])] \
                == expected, (cut, second)


def test_multibyte_characters_split_anywhere():
    data = "data: héllo € 𝄞 中文\r\n\r\n".encode()
    for cut in range(len(data) + 1):
        assert events(data) == [(e.type, e.data, e.id) for e in iter_events([data[:cut], data[cut:]])]
    assert events(data) == [("message", "héllo € 𝄞 中文", "")]


def test_cut_character_at_end_becomes_replacement():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: \xe2\x82") == [Event("a")]
    assert decoder.finish() == Event("\ufffd")


def test_retry_field():
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 2500\ndata: a\n\nretry: soon\ndata: b\n\n") == [
        Event("a", retry=2500), Event("b", retry=2500)]
    assert decoder.retry == 2500


def test_finish_returns_the_unended_event_for_lenient_callers():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]\n") == []
    assert decoder.finish() == Event("[DONE]")
    assert SSEDecoder().finish() is None


def test_overlong_line_is_refused():
    decoder = SSEDecoder(max_line_chars=10)
    with pytest.raises(UpstreamError, match="longer than 10"):
        decoder.feed(b"data: 0123456789")


@pytest.mark.parametrize("line,refused", [
    ("data: 0123", False),
    ("data: éééé", False),  # 10 characters in 14 bytes: the limit counts characters
    ("data: ééééé", True),
    ("data: 𝄞𝄞𝄞𝄞", False),
])
def test_line_limit_counts_characters_in_any_split(line, refused):
    data = line.encode()
    for cut in range(len(data) + 1):
        decoder = SSEDecoder(max_line_chars=10)
        if refused:
            with pytest.raises(UpstreamError, match="longer than 10"):
                decoder.feed(data[:cut]), decoder.feed(data[cut:])
        else:
            assert decoder.feed(data[:cut]) + decoder.feed(data[cut:] + b"\n\n") == [Event(line[6:])]


# -- the chat layer's edge cases --

def chunk(content=None, finish=None, **extra) -> bytes:
    delta = {} if content is None else {"content": content}
    payload = {"model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
CHAT_CASES = [
    ("done stops reading", chunk("a") + chunk(finish="stop") + DONE + chunk("ignored"), "a", "stop", None),
    ("finish without [DONE] is complete", chunk("a") + chunk(finish="stop"), "a", "stop", None),
    ("[DONE] without finish is complete", chunk("a") + DONE, "a", None, None),
    ("no [DONE], no finish: ended early", chunk("a") + chunk("b"), "ab", None, EARLY_END),
    ("cut inside a JSON line", chunk("a") + b'data: {"choices": [{"delta": {"cont', "a", None, EARLY_END),
    ("empty stream", b"", "", None, EARLY_END),
    ("only comments", b": ping\n\n: ping\n\n", "", None, EARLY_END),
    ("not JSON", chunk("a") + b"data: {nope\n\n" + DONE, "a", None, "not JSON"),
    ("JSON but not an object", b"data: [1, 2]\n\n" + DONE, "", None, "not a JSON object"),
    ("error object", chunk("a") + b'data: {"error": {"message": "overloaded", "code": "server_error"}}\n\n',
     "a", None, "overloaded (server_error)"),
    ("error string", b'data: {"error": "boom"}\n\n', "", None, "reported an error: boom"),
    ("error event without JSON", b"event: error\ndata: it broke\n\n", "", None, "error in its stream"),
    ("reasoning ignored", b'data: {"choices": [{"index": 0, "delta": {"reasoning_content": "hmm"}}]}\n\n'
     + chunk("a", "stop") + DONE, "a", "stop", None),
    ("annotation chunk without delta", b'data: {"choices": [{"index": 0, "content_filter_results": {}}]}\n\n'
     + chunk("a", "stop") + DONE, "a", "stop", None),
    ("other choices ignored", b'data: {"choices": [{"index": 1, "delta": {"content": "x"}, "finish_reason": "stop"}]}'
     b"\n\n" + chunk("a", "stop") + DONE, "a", "stop", None),
    ("length recorded", chunk("a") + chunk(finish="length") + DONE, "a", "length", None),
    ("usage with choices []", chunk("a", "stop") + b'data: {"choices": [], "usage": {"prompt_tokens": 3, '
     b'"completion_tokens": 1}}\n\n' + DONE, "a", "stop", None),
]


@pytest.mark.parametrize("data,text,finish,error", [c[1:] for c in CHAT_CASES], ids=[c[0] for c in CHAT_CASES])
def test_chat_layer(data, text, finish, error):
    got_text, outcome, got_error = run_chat([data])
    assert got_text == text
    assert outcome.finish_reason == finish
    if error is None:
        assert got_error is None
    else:
        assert got_error is not None and error in str(got_error)


def test_upstream_error_message_is_one_short_safe_line():
    secretish = "sk-" + "A" * 40
    data = (b'data: {"error": {"message": "bad key ' + secretish.encode() + b"\\nsecond line " + b"x" * 500
            + b'"}}\n\n')
    _, _, error = run_chat([data])
    assert isinstance(error, UpstreamError)
    assert secretish not in str(error) and "second line" not in str(error) and len(str(error)) < 300


def test_usage_recorded():
    _, outcome, _ = run_chat([chunk("a", "stop") + b'data: {"choices": [], "usage": {"prompt_tokens": 3, '
                                                   b'"completion_tokens": 1}}\n\n' + DONE])
    assert outcome.usage == Usage(3, 1)
