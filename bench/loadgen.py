"""Load generation: one HTTP call timed from the client side, sequential pairs, and N concurrent clients.

Every call goes through a requests.Session with keep-alive (the client library the service itself uses
upstream). A call is timed from just before sending to either the end of the body ("full") or the first
event that carries model text ("first"); the rest of the body is still read so the connection is reused.
Concurrent clients are spread over several processes (threads inside each), so the load generator's own GIL
is not the bottleneck; each process reports the CPU time it used.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import threading
import time
from dataclasses import dataclass, field

import requests

CALL_TIMEOUT = (5.0, 60.0)
# What "model text has arrived" looks like: the service's SSE event, or an upstream chunk whose delta has
# non-empty content (the role chunk before it has "content":""; FakeUpstream writes compact JSON).
FIRST_TEXT = {
    "service": re.compile(rb"^event: delta$", re.MULTILINE),
    "upstream": re.compile(rb'"delta":\{"content":"[^"]'),
}


@dataclass(frozen=True)
class Call:
    """One request to repeat: where, what, and until when it is timed."""

    url: str
    body: bytes
    headers: dict = field(default_factory=dict)
    until: str = "full"  # full | first
    first_text: str = "service"  # which FIRST_TEXT pattern, when until == "first"
    method: str = "POST"


def timed(session: requests.Session, call: Call) -> float:
    """Seconds for one call; raises RuntimeError on a non-200 answer or a stream without model text."""
    started = time.perf_counter()
    with session.request(call.method, call.url, data=call.body or None, headers=call.headers, timeout=CALL_TIMEOUT,
                         stream=True) as response:
        if call.until == "full":
            body = response.content
            elapsed = time.perf_counter() - started
        else:
            pattern, seen, elapsed = FIRST_TEXT[call.first_text], b"", None
            for piece in response.iter_content(chunk_size=None):
                if elapsed is None:
                    seen += piece
                    if pattern.search(seen):
                        elapsed = time.perf_counter() - started
            body = seen
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {body[:200]!r}")
    if elapsed is None:
        raise RuntimeError("the stream ended without model text")
    return elapsed


def sequential_pairs(a: Call, b: Call, count: int, warmup: int) -> tuple[list[float], list[float]]:
    """`count` calls of each, interleaved a, b, a, b ... so that drift on the machine hits both alike."""
    sa, sb = requests.Session(), requests.Session()
    try:
        for _ in range(warmup):
            timed(sa, a)
            timed(sb, b)
        ta, tb = [], []
        for _ in range(count):
            ta.append(timed(sa, a))
            tb.append(timed(sb, b))
        return ta, tb
    finally:
        sa.close()
        sb.close()


def _client_process(call: Call, threads: int, per_thread: int, warmup: int, ready, go, results,
                    offsets: list[float]) -> None:
    sessions = [requests.Session() for _ in range(threads)]
    for session in sessions:
        for _ in range(warmup):
            timed(session, call)
    out: list[list[float]] = [[] for _ in range(threads)]
    errors: list[str] = []

    def loop(i: int) -> None:
        go.wait()
        time.sleep(offsets[i])  # this client's place in the spread of arrivals (0 for a burst)
        for _ in range(per_thread):
            try:
                out[i].append(timed(sessions[i], call))
            except (requests.RequestException, RuntimeError) as exc:
                errors.append(type(exc).__name__ + ": " + str(exc)[:120])

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    ready.put(os.getpid())
    for w in workers:
        w.join()
    for session in sessions:
        session.close()
    cpu = os.times()
    results.put({"latencies": [x for o in out for x in o], "errors": errors, "cpu": cpu.user + cpu.system})


def concurrent(call: Call, *, clients: int, processes: int, per_client: int, warmup: int = 2,
               spread: float = 0.0) -> dict:
    """`clients` closed-loop clients (no think time) over `processes` processes, `per_client` calls each.

    spread: seconds over which the clients' first calls are spaced evenly (client k starts k * spread /
    clients after the start). 0 releases them all at once: against a model with a fixed latency they then
    stay in lockstep, and every round of calls reaches the service as one burst of `clients` requests.
    Spread over the model's latency, their arrivals are even, as independent users' are.
    """
    if clients % processes:
        raise ValueError("clients must be a multiple of processes")
    per_process = clients // processes
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    # client k = thread (k // processes) of process (k % processes): neighbours in time sit in different
    # processes, so no load-generator process has to send two calls back to back
    procs = [ctx.Process(target=_client_process, daemon=True,
                         args=(call, per_process, per_client, warmup, ready, go, results,
                               [(t * processes + p) * spread / clients for t in range(per_process)]))
             for p in range(processes)]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        started = time.perf_counter()
        go.set()
        parts = [results.get(timeout=600) for _ in procs]
        wall = time.perf_counter() - started
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    latencies = [x for part in parts for x in part["latencies"]]
    errors = [e for part in parts for e in part["errors"]]
    return {"latencies": latencies, "errors": errors, "wall": wall, "client_cpu": sum(p["cpu"] for p in parts),
            "throughput": len(latencies) / wall if wall else 0.0}
