"""Where a rewrite request's time goes inside the service: each stage timed in-process, no profiler.

Stages, each repeated and reported as the median in ms: token validation; Flask dispatch of a trivial
route (/healthz through the WSGI test client: routing, request and response objects); request validation
and prompt building (JobContext + JOBS["rewrite"] up to the first model call: presets, tiktoken counts);
the upstream call (model.stream and reading the whole SSE answer, against the fake upstream process), and
the same request read by plain requests, and the SSE decoder alone on the bytes it received;
post-checks (run_checks on the paragraph and its rewrite); and the whole request through the test client.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path

import requests

from bench.gateway import PARAGRAPH, REWRITE_BODY
from bench.services import BENCH_POLICY, FakeUpstreamProcess


def _median_ms(fn, repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(workdir: Path, *, repeat: int = 300) -> dict:
    from server.app import create_app
    from server.assist.calls import CallResult, stream_call
    from server.assist.checks import run_checks
    from server.assist.jobs import JOBS, JobContext
    from server.governance.material import Material
    from server.llm.sse import iter_chat_text

    with FakeUpstreamProcess(workdir) as fake:
        policy = workdir / "breakdown-policy.yaml"
        policy.write_text(BENCH_POLICY)
        app = create_app({"AUTH_MODE": "dev", "INSTANCE_PATH": str(workdir / "breakdown-instance"),
                          "MODEL_PROVIDER": "openai", "MODEL_BASE_URL": fake.url, "MODEL_NAME": "fake",
                          "PUBLIC_URL": "https://localhost:3000", "LOG_LEVEL": "warning",
                          "POLICY_FILE": str(policy)})
        client = app.test_client()
        token = client.post("/dev/token", json={"name": "Bench", "email": "bench@example.org"}).get_json()[
            "access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        auth = app.extensions["drafter.auth"]
        model = app.extensions["drafter.model"].model
        with app.app_context():
            ctx = JobContext(model=model, presets=app.extensions["drafter.presets"],
                             tokens=app.extensions["drafter.tokens"])
        captured: dict = {}

        def prepare():
            events = JOBS["rewrite"](dict(REWRITE_BODY), ctx)  # validated and built; not started yet
            captured.update(events.gi_frame.f_locals)  # the arguments of the job's event generator
            events.close()

        prepare()
        messages, max_tokens = captured["messages"], captured["max_tokens"]
        sink = CallResult()

        def upstream():
            for _ in stream_call(model, messages, max_tokens=max_tokens, stopped=lambda: False, sink=sink,
                                 temperature=0.3):
                pass

        upstream()
        answer = sink.text
        session = requests.Session()  # the same request, read by plain requests (keep-alive), then decoded
        request_body = json.dumps(model._request_body(messages, max_tokens, 0.3, True), ensure_ascii=False).encode()
        request_headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}

        def plain_read():
            session.post(model.chat_url, data=request_body, headers=request_headers, timeout=30).content  # noqa: B018

        whole_body = json.dumps(model._request_body(messages, max_tokens, 0.3, False), ensure_ascii=False).encode()

        def plain_whole():
            session.post(model.chat_url, data=whole_body, headers={"Content-Type": "application/json"},
                         timeout=30).json()

        with session.post(model.chat_url, data=request_body, headers=request_headers, timeout=30,
                          stream=True) as response:
            pieces = list(response.iter_content(chunk_size=None))  # as the network delivered them

        def decode_only():
            for _ in iter_chat_text(iter(pieces)):
                pass
        guard, quotas, audit = (app.extensions[name] for name in ("drafter.guard", "drafter.quotas",
                                                                    "drafter.audit"))
        principal = auth.authenticate(headers["Authorization"])
        record = {"request_id": "bench", "tenant_id": principal.tenant_id, "user_id": principal.object_id,
                  "host": "word", "action": "rewrite", "model": "fake", "endpoint": fake.url, "prompt_tokens": 200,
                  "completion_tokens": 150, "latency_ms": 3, "ttft_ms": 2, "outcome": "ok"}
        stages = {
            "token validation": _median_ms(lambda: auth.authenticate(headers["Authorization"]), repeat),
            "Flask dispatch (GET /healthz, test client)": _median_ms(lambda: client.get("/healthz"), repeat),
            "validation + prompt building (tiktoken)": _median_ms(prepare, repeat),
            "upstream call, whole answer (what a JSON request makes)": _median_ms(
                lambda: model.complete(messages, max_tokens=max_tokens, temperature=0.3), repeat),
            "same whole answer, plain requests": _median_ms(plain_whole, repeat),
            "upstream call: stream + SSE decode": _median_ms(upstream, repeat),
            "same stream, plain requests read (keep-alive)": _median_ms(plain_read, repeat),
            "same stream, SSE decode alone (iter_chat_text, in memory)": _median_ms(decode_only, repeat),
            "post-checks (facts, readability)": _median_ms(lambda: run_checks(PARAGRAPH, answer), repeat),
            "policy guard (screen the paragraph, default policy)": _median_ms(
                lambda: guard.screen([Material("text", PARAGRAPH)], model), repeat),
            "quota check (rate limiter, today's tokens read from the store)": _median_ms(
                lambda: quotas.check(principal.tenant_id, principal.object_id), repeat),
            "audit record (appended to the store; after the response is sent)": _median_ms(
                lambda: audit.record(dict(record, time=dt.datetime.now(dt.UTC))), repeat),
            "whole request (test client, JSON)": _median_ms(
                lambda: client.post("/api/v1/rewrite", json=REWRITE_BODY, headers=headers), repeat),
        }
        fake.command("reset")
        for _ in range(20):
            upstream()
        seen = fake.command("stats")
    return {"repeat": repeat, "stages_ms": stages, "answer_chars": len(answer), "stream_pieces": len(pieces),
            "model_client_calls": 20, "model_client_connections": seen["connections"]}
