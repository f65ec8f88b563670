"""OpenAICompatibleModel against FakeUpstream, a real HTTP server: replies, streams, retries, faults, budgets."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.errors import ContentFiltered, RateLimited, UpstreamError, UpstreamTimeout
from server.llm.base import Usage
from server.llm.openai_client import OpenAICompatibleModel
from server.llm.retry import RetryPolicy
from tests.fakes.upstream import FakeUpstream
from tests.serving import free_port

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello to the team"}]
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05)




def make(upstream_or_url, session, **options) -> OpenAICompatibleModel:
    url = upstream_or_url.url if isinstance(upstream_or_url, FakeUpstream) else upstream_or_url
    defaults = dict(connect_timeout=1.0, read_timeout=2.0, total_budget=5.0, retry=FAST_RETRY)
    return OpenAICompatibleModel(base_url=url, model="test-model", session=session, **{**defaults, **options})



# -- plain answers --

def test_complete(upstream, session):
    upstream.queue_reply("Hello, team.", usage={"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15})
    result = make(upstream, session, api_key="sk-test").complete(MESSAGES, max_tokens=50, temperature=0.2)
    assert (result.text, result.model, result.finish_reason) == ("Hello, team.", "test-model", "stop")
    assert result.usage == Usage(11, 4)
    [request] = upstream.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert request["json"] == {"model": "test-model", "messages": MESSAGES, "max_tokens": 50, "temperature": 0.2}


def test_default_max_tokens_and_no_key(upstream, session):
    make(upstream, session, max_output_tokens=123).complete(MESSAGES)
    request = upstream.requests[0]
    assert request["json"]["max_tokens"] == 123 and "temperature" not in request["json"]
    assert "Authorization" not in request["headers"]


def test_responder_sees_the_request(upstream, session):
    upstream.responder = lambda body: f"{len(body['messages'])} messages"
    assert make(upstream, session).complete(MESSAGES).text == "2 messages"


def test_finish_length_is_recorded_not_an_error(upstream, session):
    upstream.queue_reply("Cut sho", finish_reason="length")
    assert make(upstream, session).complete(MESSAGES).finish_reason == "length"


@pytest.mark.parametrize("streaming", [False, True])
def test_content_filter_finish_raises(upstream, session, streaming):
    upstream.queue_reply("partial", finish_reason="content_filter")
    model = make(upstream, session)
    with pytest.raises(ContentFiltered):
        if streaming:
            with model.stream(MESSAGES) as stream:
                list(stream)
        else:
            model.complete(MESSAGES)


# -- streaming --

def test_stream(upstream, session):
    upstream.queue_reply("Hello there, team.")
    before = time.monotonic()
    with make(upstream, session).stream(MESSAGES) as stream:
        pieces = list(stream)
    assert pieces == ["Hello", " there,", " team."]
    assert stream.finish_reason == "stop" and stream.model == "test-model"
    assert stream.usage == Usage(prompt_tokens=7, completion_tokens=3)  # words, as the fake counts
    assert stream.first_chunk_at is not None and stream.first_chunk_at >= before
    body = upstream.requests[0]["json"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert upstream.requests[0]["headers"]["Accept"] == "text/event-stream"


def test_recorded_stream_through_the_client(upstream, session, corpus_dir):
    upstream.queue_raw_stream((corpus_dir / "sse" / "openai-chat-basic-usage.txt").read_bytes(), chunk_size=5)
    with make(upstream, session).stream(MESSAGES) as stream:
        text = "".join(stream)
    assert text.startswith("I'm unable to provide real-time weather updates.") and text.endswith("weather app.")
    assert stream.usage == Usage(14, 30) and stream.model == "gpt-4o-2024-08-06"


def test_server_that_ignores_stream_true_still_answers(upstream, session):
    whole = {"model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole."},
                                        "finish_reason": "stop"}], "usage": {"prompt_tokens": 2, "completion_tokens": 1}}
    upstream.queue_error(200, whole)
    with make(upstream, session).stream(MESSAGES) as stream:
        assert list(stream) == ["Whole."]
    assert stream.usage == Usage(2, 1) and stream.finish_reason == "stop"


def test_huge_chunk(upstream, session):
    upstream.queue_fault("huge_chunk", size=3_000_000)
    with make(upstream, session).stream(MESSAGES) as stream:
        pieces = list(stream)
    assert len(pieces) == 1 and len(pieces[0]) == 3_000_000


def test_closing_a_stream_midway_disconnects_upstream(upstream, session):
    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 200))
    stream = make(upstream, session).stream(MESSAGES)
    assert next(iter(stream)) == "word"
    stream.close()
    assert upstream.wait_for_disconnect(timeout=5)


def test_closing_an_unread_stream_disconnects_upstream(upstream, session):
    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 200))
    make(upstream, session).stream(MESSAGES).close()
    assert upstream.wait_for_disconnect(timeout=5)


def test_abandoned_generator_closes_upstream(upstream, session):
    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 200))
    model = make(upstream, session)

    def first_two():
        with model.stream(MESSAGES) as stream:
            yield from stream

    consumer = first_two()
    next(consumer), next(consumer)
    consumer.close()  # GeneratorExit inside the `with`: the stream closes, the connection drops
    assert upstream.wait_for_disconnect(timeout=5)


# -- keep-alive: every kind of answer, read to its end, gives the connection back to the pool --

def _stream_text(model: OpenAICompatibleModel) -> str:
    with model.stream(MESSAGES) as stream:
        return "".join(stream)


@pytest.mark.parametrize("streaming", [True, False])
def test_sequential_calls_reuse_one_connection(upstream, session, streaming):
    model = make(upstream, session)
    for i in range(5):
        upstream.queue_reply(f"Answer number {i}.")
        assert (_stream_text(model) if streaming else model.complete(MESSAGES).text) == f"Answer number {i}."
    assert upstream.connections_accepted == 1


def test_error_answers_keep_the_connection(upstream, session):
    model = make(upstream, session)
    upstream.queue_error(503)  # retried on the same connection
    upstream.queue_reply("Recovered.")
    assert _stream_text(model) == "Recovered."
    upstream.queue_error(404)
    with pytest.raises(UpstreamError, match="404"):
        _stream_text(model)
    upstream.queue_reply("Still here.")
    assert model.complete(MESSAGES).text == "Still here."
    assert upstream.connections_accepted == 1


DONE_EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"Done."},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'


@pytest.mark.parametrize("after_done,connections", [
    (b"", 1),
    (b": bye\n\n", 1),  # a little more, then the end: drained, the connection is reused
    (b": junk\n" * 200_000, 2),  # 1.4 MB more: the drain gives up and the connection is dropped
])
def test_what_follows_done_is_drained_within_bounds(upstream, session, after_done, connections):
    upstream.queue_raw_stream(DONE_EVENT + after_done, chunk_size=4096)
    model = make(upstream, session)
    assert _stream_text(model) == "Done."
    upstream.queue_reply("Next.")
    assert _stream_text(model) == "Next."
    assert upstream.connections_accepted == connections


def test_a_body_that_never_ends_after_done_does_not_hold_the_answer(upstream, session):
    upstream.queue_fault("hang_after_done", text="All said.")
    model = make(upstream, session, read_timeout=30.0, total_budget=60.0)
    started = time.monotonic()
    with model.stream(MESSAGES) as stream:
        assert "".join(stream) == "All said."
    assert stream.finish_reason == "stop"
    assert time.monotonic() - started < 10  # the drain's short wait, not the 30 s read timeout
    assert upstream.wait_for_disconnect(timeout=5)  # the half-read connection was dropped, not pooled


# -- retries --

@pytest.mark.parametrize("header,value,at_least", [("Retry-After", "1", 0.9), ("retry-after-ms", "400", 0.35)])
def test_429_retry_after_is_honoured(upstream, session, header, value, at_least):
    upstream.queue_error(429, headers={header: value})
    upstream.queue_reply("Finally.")
    assert make(upstream, session).complete(MESSAGES).text == "Finally."
    first, second = upstream.requests
    assert second["time"] - first["time"] >= at_least


def test_429_until_retries_run_out(upstream, session):
    for _ in range(4):
        upstream.queue_error(429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimited) as caught:
        make(upstream, session).complete(MESSAGES)
    assert len(upstream.requests) == 4  # the first try and 3 retries
    assert caught.value.retry_after is not None and caught.value.retry_after >= 0


def test_429_without_retry_after_still_tells_the_caller_when(upstream, session):
    for _ in range(2):
        upstream.queue_error(429)
    with pytest.raises(RateLimited) as caught:
        make(upstream, session, retry=RetryPolicy(max_retries=1, backoff_base=0.01)).complete(MESSAGES)
    assert caught.value.retry_after >= 1


def test_retry_after_beyond_the_budget_gives_up_at_once(upstream, session):
    upstream.queue_error(429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        make(upstream, session, total_budget=5.0).complete(MESSAGES)
    assert len(upstream.requests) == 1 and caught.value.retry_after == 30


def test_insufficient_quota_is_not_retried(upstream, session):
    upstream.queue_error(429, {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",
                                         "code": "insufficient_quota"}})
    with pytest.raises(UpstreamError, match="quota"):
        make(upstream, session).complete(MESSAGES)
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("streaming", [False, True])
def test_5xx_retried_then_answered(upstream, session, streaming):
    upstream.queue_error(503)
    upstream.queue_error(500)
    upstream.queue_reply("Recovered.")
    model = make(upstream, session)
    if streaming:
        with model.stream(MESSAGES) as stream:
            assert "".join(stream) == "Recovered."
    else:
        assert model.complete(MESSAGES).text == "Recovered."
    assert len(upstream.requests) == 3


def test_5xx_until_retries_run_out(upstream, session):
    for _ in range(4):
        upstream.queue_error(502)
    with pytest.raises(UpstreamError, match="HTTP 502") as caught:
        make(upstream, session).complete(MESSAGES)
    assert not isinstance(caught.value, UpstreamTimeout)
    assert len(upstream.requests) == 4


def test_dropped_connection_is_retried(upstream, session):
    upstream.queue_fault("refuse")
    upstream.queue_reply("Second time lucky.")
    assert make(upstream, session).complete(MESSAGES).text == "Second time lucky."
    assert len(upstream.requests) == 2


def test_max_retries_zero_tries_once(upstream, session):
    upstream.queue_error(503)
    with pytest.raises(UpstreamError):
        make(upstream, session, retry=RetryPolicy(max_retries=0)).complete(MESSAGES)
    assert len(upstream.requests) == 1


# -- refusals that retrying cannot fix --

def test_401_is_not_retried_and_names_the_key_not_its_value(upstream, session):
    upstream.require_key = "sk-right"
    with pytest.raises(UpstreamError) as caught:
        make(upstream, session, api_key="sk-wrong-one").complete(MESSAGES)
    assert str(caught.value) == "the model endpoint refused the API key (401)"
    assert "sk-wrong" not in str(caught.value)
    assert len(upstream.requests) == 1


def test_401_without_a_key_says_none_is_configured(upstream, session):
    upstream.require_key = "sk-right"
    with pytest.raises(UpstreamError, match="none are configured"):
        make(upstream, session).complete(MESSAGES)


@pytest.mark.parametrize("status,body,expected", [
    (400, {"error": {"message": "This model's maximum context length is 8192 tokens.", "code": "context_length"}},
     "rejected the request (HTTP 400): This model's maximum context length is 8192 tokens."),
    (403, {"error": {"message": "Public access is disabled.", "code": "AuthenticationTypeDisabled"}},
     "denied access (403): Public access is disabled."),
    (404, None, "no such model, deployment or path (404)"),
    (413, "payload too large", "rejected the request (HTTP 413)"),
    (422, {"detail": "bad field"}, "rejected the request (HTTP 422): bad field"),
    (307, None, "answered with a redirect (HTTP 307)"),
    (301, None, "answered with a redirect (HTTP 301)"),
])
def test_client_errors_are_not_retried(upstream, session, status, body, expected):
    upstream.queue_error(status, body)
    with pytest.raises(UpstreamError) as caught:
        make(upstream, session).complete(MESSAGES)
    assert expected in str(caught.value)
    assert len(upstream.requests) == 1


def test_azure_style_filtered_prompt_400(upstream, session):
    upstream.queue_error(400, {"error": {"message": "The response was filtered due to the prompt triggering Azure "
                                                    "OpenAI's content management policy.", "code": "content_filter",
                                         "status": 400, "innererror": {"code": "ResponsibleAIPolicyViolation"}}})
    with pytest.raises(ContentFiltered, match="blocked the prompt"):
        make(upstream, session).complete(MESSAGES)


# -- faults and budgets --

def test_connection_refused(session):
    model = make(f"http://127.0.0.1:{free_port()}/v1", session)
    with pytest.raises(UpstreamError, match="cannot be reached") as caught:
        model.complete(MESSAGES)
    assert not isinstance(caught.value, UpstreamTimeout)


def test_silent_upstream_times_out_within_the_budget(upstream, session):
    for _ in range(10):
        upstream.queue_fault("silent")
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        make(upstream, session, read_timeout=0.5, total_budget=1.5).complete(MESSAGES)
    assert time.monotonic() - started < 1.5 + 1.0  # the budget holds (with slack for a slow machine)
    assert len(upstream.requests) >= 2  # read timeouts are retried while the budget lasts


def test_trickle_past_the_budget_times_out_mid_stream(upstream, session):
    # one byte a millisecond: the whole answer (about 20 kB) would take 20 s; the budget is 2 s
    upstream.queue_fault("trickle", delay=0.001, text=" ".join(["slow"] * 100))
    model = make(upstream, session, read_timeout=1.0, total_budget=2.0)
    pieces = []
    with pytest.raises(UpstreamTimeout, match="budget"), model.stream(MESSAGES) as stream:
        for piece in stream:
            pieces.append(piece)
    assert pieces  # text arrived, then the budget ran out


def test_trickle_within_the_budget_completes(upstream, session):
    upstream.queue_fault("trickle", delay=0.001, text="Slow but fine.")
    with make(upstream, session).stream(MESSAGES) as stream:
        assert "".join(stream) == "Slow but fine."


def test_hang_after_first_chunk_times_out(upstream, session):
    upstream.queue_fault("hang_after_first", text="First then nothing")
    pieces = []
    with pytest.raises(UpstreamTimeout), make(upstream, session, read_timeout=0.5).stream(MESSAGES) as stream:
        for piece in stream:
            pieces.append(piece)
    assert pieces == ["First"]


@pytest.mark.parametrize("options", [{}, {"clean": True}])
def test_cut_stream_is_an_error(upstream, session, options):
    upstream.queue_fault("cut", after=3, **options)
    with pytest.raises(UpstreamError, match="ended early"), make(upstream, session).stream(MESSAGES) as stream:
        list(stream)


def test_cut_plain_answer_is_an_error(upstream, session):
    upstream.queue_fault("cut", after=1)
    with pytest.raises(UpstreamError, match="ended early"):
        make(upstream, session).complete(MESSAGES)


@pytest.mark.parametrize("streaming", [False, True])
def test_invalid_json(upstream, session, streaming):
    upstream.queue_fault("invalid_json")
    with pytest.raises(UpstreamError, match="not JSON"):
        if streaming:
            with make(upstream, session).stream(MESSAGES) as stream:
                list(stream)
        else:
            make(upstream, session).complete(MESSAGES)


def test_answer_without_choices(upstream, session):
    upstream.queue_error(200, {"id": "x", "object": "chat.completion", "choices": []})
    with pytest.raises(UpstreamError, match="without any choices"):
        make(upstream, session).complete(MESSAGES)


# -- readiness --

def test_ping_ok(upstream, session):
    make(upstream, session).ping()
    assert upstream.requests[-1]["path"] == "/v1/models"


def test_ping_counts_401_as_reachable(upstream, session):
    upstream.require_key = "sk-right"
    make(upstream, session).ping()


def test_ping_refused(session):
    with pytest.raises(UpstreamError, match="cannot be reached"):
        make(f"http://127.0.0.1:{free_port()}/v1", session).ping()


def test_ping_5xx(session):
    # FakeUpstream's scripted errors answer chat requests only; this server answers everything with 503
    class Down(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(UpstreamError, match="HTTP 503"):
            make(f"http://127.0.0.1:{server.server_address[1]}/v1", session).ping()
    finally:
        server.shutdown()
        server.server_close()
