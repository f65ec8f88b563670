"""Benchmark 3: a 300-page document summarized through POST /api/v1/summarize against a 200 ms upstream.

Ideal wall time = (map rounds + reduce rounds) x latency, where map rounds = ceil(chunks / concurrency) and
reduce rounds are the waves of reduce calls the fake saw (the final, streamed call included). The fake
classifies each chat request by its prompt (map / reduce / final) and records when it arrived.
Chunking alone is timed in-process with the service's own functions (tokenizer loaded beforehand).
"""
from __future__ import annotations

import base64
import json
import logging
import math
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.document import annual_report, word_count
from bench.services import FakeUpstreamProcess, Service
from server.documents import paragraphs_from_text

log = logging.getLogger(__name__)

WAVE_GAP = 0.1  # seconds: with a 200 ms upstream, calls of the next round arrive at least this much later
WORDS_PER_PAGE = 500


def waves(times: list[float]) -> int:
    """Groups of arrival times separated by more than WAVE_GAP."""
    ordered = sorted(times)
    return sum(1 for i, t in enumerate(ordered) if i == 0 or t - ordered[i - 1] > WAVE_GAP)


def chunking_times(text: str, *, context_window: int, max_output_tokens: int, repeat: int) -> dict:
    """Seconds to split the text into paragraphs and to chunk them, as the summarize job does, in-process."""
    from server.assist.chunking import chunk_paragraphs
    from server.assist.summarize import chunk_budget
    from server.llm.tokens import TokenCounter

    with tempfile.TemporaryDirectory(prefix="drafter-bench-tok-") as cache:
        counter = TokenCounter(cache)
        started = time.perf_counter()
        counter.count("load the tokenizer")
        load = time.perf_counter() - started
        budget = chunk_budget(context_window, max_output_tokens, None)
        split, chunk, chunks = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            paragraphs = paragraphs_from_text(text)
            split.append(time.perf_counter() - started)
            started = time.perf_counter()
            chunks = chunk_paragraphs(paragraphs, counter.count, budget)
            chunk.append(time.perf_counter() - started)
        tokens = sum(c.tokens for c in chunks)
    return {"tokenizer_load_s": load, "paragraphs_s": statistics.median(split), "chunk_s": statistics.median(chunk),
            "total_s": statistics.median(a + b for a, b in zip(split, chunk, strict=True)),
            "paragraphs": len(paragraphs), "chunks": len(chunks), "budget_tokens": budget, "tokens": tokens,
            "repeat": repeat}


def _summarize_once(service: Service, fake: FakeUpstreamProcess, token: str, body: bytes) -> dict:
    fake.command("reset")
    started = time.monotonic()  # the fake stamps requests with the same system-wide clock
    response = requests.post(f"{service.url}/api/v1/summarize", data=body, timeout=300,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    ended = time.monotonic()
    if response.status_code != 200:
        raise RuntimeError(f"summarize answered HTTP {response.status_code}: {response.text[:300]}")
    result = response.json()
    seen = fake.command("stats")
    return {"wall_s": ended - started, "result": result, "stages": seen["stages"],
            "before_first_call_s": seen["first_at"] - started, "after_last_answer_s": ended - seen["last_at"]}


def _warm(service: Service, token: str, calls: int = 8) -> None:
    """A few short summaries at once, on fresh connections, so every gunicorn worker has loaded its tokenizer
    (lazily, on its first request) before anything is timed."""
    body = json.dumps({"text": "# Note\n\nThe budget rose by 5% in 2024."}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(_i: int) -> int:
        return requests.post(f"{service.url}/api/v1/summarize", data=body, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=calls) as pool:
        statuses = list(pool.map(one, range(calls)))
    if any(s != 200 for s in statuses):
        raise RuntimeError(f"warm-up summaries answered {statuses}")


def run(workdir: Path, *, latency: float, concurrency: int, context_window: int | None, repeat: int,
        label: str) -> dict:
    text = annual_report()
    document = {"filename": "annual-report.md", "content_base64": base64.b64encode(text.encode()).decode()}
    body = json.dumps({"document": document, "format": "bullets"}).encode()
    env = {"DRAFTER_SUMMARY_CONCURRENCY": str(concurrency)}
    if context_window:
        env["DRAFTER_MODEL_CONTEXT_WINDOW"] = str(context_window)
    runs = []
    with FakeUpstreamProcess(workdir, latency=latency) as fake, \
            Service(workdir, fake.url, extra_env=env) as svc:
        token = svc.token()
        _warm(svc, token)
        for i in range(repeat):
            log.info("long document (%s): run %d of %d", label, i + 1, repeat)
            runs.append(_summarize_once(svc, fake, token, body))
    best = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]  # the median run
    result, stages = best["result"], best["stages"]
    chunks = result["chunks"]
    map_calls = stages.get("map", {}).get("count", 0)
    reduce_times = stages.get("reduce", {}).get("times", [])
    final_calls = stages.get("final", {}).get("count", 0) + stages.get("single", {}).get("count", 0)
    map_rounds = math.ceil(chunks / concurrency)
    reduce_rounds = waves(reduce_times) + final_calls
    ideal = (map_rounds + reduce_rounds) * latency
    paragraphs = paragraphs_from_text(text)
    known = {p["id"] for p in paragraphs}
    cited = all(p.get("sources") and set(p["sources"]) <= known for p in result["points"])
    return {
        "label": label, "words": word_count(text), "pages": round(word_count(text) / WORDS_PER_PAGE),
        "document_bytes": len(text.encode()), "request_bytes": len(body), "latency_s": latency,
        "concurrency": concurrency, "context_window": context_window or "provider default (128000)",
        "repeat": repeat, "wall_s_runs": [r["wall_s"] for r in runs], "wall_s": best["wall_s"],
        "chunks": chunks, "map_calls": map_calls, "reduce_calls": len(reduce_times), "final_calls": final_calls,
        "map_rounds": map_rounds, "map_waves_seen": waves(stages.get("map", {}).get("times", [])),
        "reduce_rounds": reduce_rounds, "ideal_s": ideal, "ratio": best["wall_s"] / ideal if ideal else math.nan,
        "points": len(result["points"]), "every_point_cites_real_paragraphs": cited,
        "before_first_call_s": best["before_first_call_s"],
        "after_last_answer_s": best["after_last_answer_s"] - latency,
        "other_calls": {k: v["count"] for k, v in stages.items() if k not in {"map", "reduce", "final", "single"}},
        "env": env, "post_checks_s": _checks_seconds(paragraphs, result["summary"]),
    }


def _checks_seconds(paragraphs: list[dict], summary: str) -> float:
    """In-process: the post-checks the summarize job runs on its result (source = the whole document)."""
    from server.assist.checks import run_checks

    source = "\n\n".join(p["text"] for p in paragraphs)  # as server/assist/jobs.py builds it
    started = time.perf_counter()
    run_checks(source, summary, summary=True)
    return time.perf_counter() - started
