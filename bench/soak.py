"""Soak: mixed load at a fixed rate for minutes, watching errors, memory and the latency the service adds.

Open loop: requests are started at `rate` per second whatever the service does (as independent users send
them), for `seconds`, after `warmup` seconds of the same load that are not counted. The mix: rewrites, short
summaries and drafts, half of them streamed; a tenth of the streams are cancelled by their client after the
first delta (the service must stop the model and free the thread). `users` distinct users share the load.
The fake model answers after `latency` and streams `chunk_delay` apart, so requests overlap as real ones do.

Reported: requests by kind and outcome, unexpected errors, the service's summed resident memory sampled
every few seconds (flat if its mean over the last minute is within 10% of the first minute's), and per kind
the latency percentiles of the service and of the same requests sent to the fake model directly at the start
(the added latency is the difference). Loopback only; bounded by `seconds`.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import stats
from bench.gateway import PARAGRAPH
from bench.services import FakeUpstreamProcess, Service
from bench.streams import _processes_of, _rss_and_cpu

log = logging.getLogger(__name__)
REPORT = "\n\n".join([PARAGRAPH] * 12)  # a few pages to summarize
MIX = (  # (kind, share, path, body)
    ("rewrite", 0.5, "/api/v1/rewrite", {"text": PARAGRAPH, "tone": "formal"}),
    ("summarize", 0.25, "/api/v1/summarize", {"text": REPORT, "format": "bullets"}),
    ("draft", 0.25, "/api/v1/draft", {"instruction": "Thank the Elm Street residents for their patience.",
                                      "kind": "email"}),
)
CANCEL_SHARE = 0.1  # of streamed requests
DIRECT_SHARE = 0.1  # extra calls straight to the fake model, in the same schedule: the baseline under load


def _plan(count: int, seed: int) -> list[tuple[str, str, dict, bool, bool, bool]]:
    """(kind, path, body, stream, cancel, direct) per request; `direct` ones go straight to the model."""
    rng = random.Random(seed)
    plan = []
    for _ in range(count):
        pick, acc, chosen = rng.random(), 0.0, MIX[-1]
        for entry in MIX:
            acc += entry[1]
            if pick < acc:
                chosen = entry
                break
        kind, _share, path, body = chosen
        stream = rng.random() < 0.5
        cancel = stream and rng.random() < CANCEL_SHARE
        plan.append((kind, path, body, stream, cancel, False))
        if rng.random() < DIRECT_SHARE:
            plan.append((kind, path, body, False, False, True))
    return plan


def _model_request(body: dict) -> dict:
    text = body.get("text") or body.get("instruction")
    return {"model": "fake", "messages": [{"role": "user", "content": f"<<<TEXT\n{text}\nTEXT>>>"}]}


def _send(base: str, headers: dict, path: str, body: dict, stream: bool, cancel: bool) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        with requests.post(base + path, json=dict(body, stream=stream), headers=headers, stream=True,
                           timeout=(10, 120)) as response:
            if response.status_code != 200:
                return f"HTTP {response.status_code}", time.perf_counter() - started
            if not stream:
                response.content  # noqa: B018 - read to the end
                return "ok", time.perf_counter() - started
            seen = b""
            for piece in response.iter_content(chunk_size=None):
                seen = (seen + piece)[-4096:]
                if cancel and b"event: delta" in seen:
                    return "cancelled", time.perf_counter() - started  # leaving the with closes the stream
            outcome = "ok" if b"event: result" in seen else "stream error"
            return outcome, time.perf_counter() - started
    except requests.RequestException as exc:
        return type(exc).__name__, time.perf_counter() - started


def _direct_call(fake_url: str, body: dict) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        response = requests.post(f"{fake_url}/chat/completions", json=_model_request(body), timeout=(10, 120))
        response.content  # noqa: B018 - read to the end
        return ("ok" if response.status_code == 200 else f"HTTP {response.status_code}"), time.perf_counter() - started
    except requests.RequestException as exc:
        return type(exc).__name__, time.perf_counter() - started


def _client(base: str, fake_url: str, tokens: list[str], plan: list, rate: float, start_at: float, offset: int,
            every: int, results) -> None:
    """Sends plan[offset::every] at its place in the schedule (one request each 1/rate s overall)."""
    out = []
    lock = threading.Lock()

    def run(i: int, item) -> None:
        kind, path, body, stream, cancel, direct = item
        if direct:
            outcome, seconds = _direct_call(fake_url, body)
            kind = "direct " + kind
        else:
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
            outcome, seconds = _send(base, headers, path, body, stream, cancel)
        with lock:
            out.append((i, kind, stream, outcome, seconds))

    with ThreadPoolExecutor(max_workers=96) as pool:
        for i in range(offset, len(plan), every):
            wait = start_at + i / rate - time.time()
            if wait > 0:
                time.sleep(wait)
            pool.submit(run, i, plan[i])
    results.put(out)


def _load(base: str, fake_url: str, tokens: list[str], plan: list, rate: float, processes: int) -> list[tuple]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_client, daemon=True, args=(base, fake_url, tokens, plan, rate, start_at, p,
                                                            processes, results)) for p in range(processes)]
    for proc in procs:
        proc.start()
    out = [row for _ in procs for row in results.get(timeout=len(plan) / rate + 600)]
    for proc in procs:
        proc.join(timeout=10)
    return sorted(out)


def run(workdir: Path, *, seconds: float = 600, warmup: float = 60, rate: float = 50, users: int = 50,
        latency: float = 0.3, chunk_delay: float = 0.01, processes: int = 4, seed: int = 7) -> dict:
    with FakeUpstreamProcess(workdir, latency=latency, chunk_delay=chunk_delay) as fake, \
            Service(workdir, fake.url, workers=2, threads=300, extra_args=("--timeout", "0")) as svc:
        tokens = [requests.post(f"{svc.url}/dev/token", json={"name": f"User {i}", "email": f"user{i}@agency.test"},
                                timeout=10).json()["access_token"] for i in range(users)]
        pids = _processes_of(svc.process.pid)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(5.0):
                samples.append((time.time(), _rss_and_cpu(pids)[0]))

        total = int((seconds + warmup) * rate)
        plan = _plan(total, seed)  # the service's requests at `rate`, with the direct calls in between
        schedule_rate = rate * len(plan) / total
        log.info("soak: %d requests at %.0f/s (%.0f s counted after %.0f s of warm-up)", total, rate, seconds, warmup)
        sampler = threading.Thread(target=sample, daemon=True)
        began = time.time()
        sampler.start()
        rows = _load(svc.url, fake.url, tokens, plan, schedule_rate, processes)
        stop.set()
        sampler.join()
        wall = time.time() - began
        audited = len(list(_audit_records(workdir)))
    counted = [row for row in rows if row[0] >= warmup * schedule_rate and not row[1].startswith("direct ")]
    direct = {kind: [row[4] for row in rows if row[0] >= warmup * schedule_rate and row[1] == "direct " + kind
                     and row[3] == "ok"] for kind, *_ in MIX}
    outcomes: dict[str, int] = {}
    for _i, kind, stream, outcome, _s in counted:
        key = f"{kind} {'stream' if stream else 'json'}: {outcome}"
        outcomes[key] = outcomes.get(key, 0) + 1
    unexpected = sum(1 for row in counted if row[3] not in ("ok", "cancelled"))
    unexpected += sum(1 for row in rows if row[1].startswith("direct ") and row[3] != "ok")
    steady = [(t, rss) for t, rss in samples if t - began >= warmup + 2]
    first = [rss for t, rss in steady if t - steady[0][0] <= 60] if steady else []
    last = [rss for t, rss in steady if steady[-1][0] - t <= 60] if steady else []
    growth = (sum(last) / len(last)) / (sum(first) / len(first)) - 1 if first and last else float("nan")
    per_kind = {}
    for kind, *_ in MIX:
        service = [row[4] for row in counted if row[1] == kind and not row[2] and row[3] == "ok"]
        per_kind[kind] = {"service_json": stats.summary(service), "direct": stats.summary(direct[kind]),
                          "added_p50_ms": stats.percentile(service, 50) * 1000 - stats.percentile(direct[kind], 50) * 1000,
                          "added_p99_ms": stats.percentile(service, 99) * 1000 - stats.percentile(direct[kind], 99) * 1000}
    return {"seconds": seconds, "warmup_s": warmup, "rate": rate, "users": users, "latency_s": latency,
            "chunk_delay_s": chunk_delay, "requests": len(counted), "wall_s": wall, "outcomes": outcomes,
            "unexpected_errors": unexpected, "rss_mb": [(round(t - began, 1), rss / 2**20) for t, rss in samples],
            "rss_first_minute_mb": sum(first) / len(first) / 2**20 if first else None,
            "rss_last_minute_mb": sum(last) / len(last) / 2**20 if last else None, "rss_growth": growth,
            "per_kind": per_kind, "audit_records": audited, "argv": " ".join(svc.argv[1:])}


def _audit_records(workdir: Path):
    import datetime as dt

    from server.governance.store import AuditStore

    store = AuditStore(f"sqlite:///{workdir / 'instance' / 'audit.sqlite3'}")
    try:
        today = dt.datetime.now(dt.UTC).date()
        yield from store.records(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    finally:
        store.close()


if __name__ == "__main__":  # python -m bench.soak --seconds 60: a short try
    import argparse
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--rate", type=float, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(Path(tmp), seconds=args.seconds, warmup=args.warmup, rate=args.rate), indent=1,
                         default=str)[:6000])
