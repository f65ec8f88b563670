"""Benchmarks 1 and 2: what the service adds over calling the same fake upstream directly.

Service call: POST /api/v1/rewrite through gunicorn with a dev bearer token (validated on every call).
Direct call: the very request the service sends upstream (captured from the fake: same body bytes, same
headers that matter), sent with the same client (requests.Session, keep-alive), read the same way.
"""
from __future__ import annotations

import json
import logging

import requests

from bench import loadgen, stats
from bench.loadgen import Call
from bench.services import FakeUpstreamProcess, Service

log = logging.getLogger(__name__)
FLOOR_APP = "bench.floor_app:create_app()"  # the thinnest Flask + requests gateway, measured the same way

# A realistic paragraph to rewrite (about 110 words, with figures, dates and names the post-checks look for).
PARAGRAPH = (
    "Following the review completed on 14 March 2025, the Department of Transport must not proceed with the "
    "second phase of the Riverside corridor until the environmental assessment is signed off by the regional "
    "office. The revised budget of $4.2 million covers design, consultation and early works, an increase of "
    "12% over the estimate presented to the steering committee in November. Ms. Okafor asked that the "
    "consultation with residents of Elm Street and the Northgate business association be extended by six "
    "weeks, because several groups said they had not received the notice in time. The committee agreed, and "
    "the next progress report is due to the Deputy Minister by 30 June 2025."
)
REWRITE_BODY = {"text": PARAGRAPH, "tone": "formal"}


def _calls(service: Service, fake: FakeUpstreamProcess, token: str, *, stream: bool) -> tuple[Call, Call, dict]:
    """The service call, and the direct call built from what the service actually sent upstream."""
    body = dict(REWRITE_BODY, stream=True) if stream else REWRITE_BODY
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    service_call = Call(f"{service.url}/api/v1/rewrite", json.dumps(body).encode(), headers,
                                until="first" if stream else "full", first_text="service")
    fake.command("reset")
    with requests.Session() as session:
        loadgen.timed(session, service_call)
    sent = fake.command("last")
    upstream_body = json.dumps(sent["json"], ensure_ascii=False).encode("utf-8")  # as the model client encodes
    announced = int(sent["headers"].get("Content-Length", "0"))
    if announced != len(upstream_body):
        raise RuntimeError(f"re-encoded upstream body is {len(upstream_body)} bytes, the service sent {announced}")
    direct_headers = {k: sent["headers"][k] for k in ("Content-Type", "Accept") if k in sent["headers"]}
    direct_call = Call(f"{fake.url}/chat/completions", upstream_body, direct_headers,
                               until="first" if stream else "full", first_text="upstream")
    info = {"service_request_bytes": len(service_call.body), "upstream_request_bytes": len(upstream_body),
            "upstream_stream": bool(sent["json"].get("stream"))}
    return service_call, direct_call, info



def run(workdir, *, sequential: int, warmup: int, clients: int, processes: int, per_client: int,
        stream_count: int, workers: int, threads: int, model_latency: float, model_per_client: int,
        app: str = "server.wsgi:app") -> dict:
    with FakeUpstreamProcess(workdir) as fake, \
            Service(workdir, fake.url, workers=workers, threads=threads, app=app) as svc:
        token = svc.token()
        service_call, direct_call, info = _calls(svc, fake, token, stream=False)
        # both gunicorn workers and every client connection warm before anything is timed
        loadgen.concurrent(service_call, clients=clients, processes=processes, per_client=2)
        log.info("gateway: sequential, %d pairs", sequential)
        seq_service, seq_direct = loadgen.sequential_pairs(service_call, direct_call, sequential, warmup)
        # The floor: one bare HTTP exchange with each server (no model, no job), the hop the service adds
        floor_service, floor_direct = loadgen.sequential_pairs(
            Call(f"{svc.url}/healthz", b"", method="GET"), Call(f"{fake.url}/models", b"", method="GET"),
            sequential, warmup)
        log.info("gateway: %d concurrent clients, direct", clients)
        conc_direct = loadgen.concurrent(direct_call, clients=clients, processes=processes, per_client=per_client)
        log.info("gateway: %d concurrent clients, service", clients)
        conc_service = loadgen.concurrent(service_call, clients=clients, processes=processes,
                                          per_client=per_client)

        keepalive = {"service": _connections(fake, service_call), "direct": _connections(fake, direct_call)}
        stream_service, stream_direct, stream_info = _calls(svc, fake, token, stream=True)
        log.info("streaming: %d pairs", stream_count)
        first_service, first_direct = loadgen.sequential_pairs(stream_service, stream_direct, stream_count, warmup)
        fake.command("reset")
        with Service(workdir, fake.url, workers=workers, threads=threads, app=FLOOR_APP) as floor:
            log.info("floor: sequential and streaming, %d and %d pairs", sequential, stream_count)
            calls = _calls(floor, fake, floor.token(), stream=False)[:2]
            loadgen.concurrent(calls[0], clients=clients, processes=processes, per_client=2)
            floor_seq = loadgen.sequential_pairs(*calls, sequential, warmup)
            floor_first = loadgen.sequential_pairs(*_calls(floor, fake, floor.token(), stream=True)[:2],
                                                   stream_count, warmup)
    with FakeUpstreamProcess(workdir, latency=model_latency) as slow, \
            Service(workdir, slow.url, workers=workers, threads=threads, app=app) as slow_svc:
        # The same 50 clients against a model that takes `model_latency` to answer, as real ones do: what the
        # gateway adds under concurrency, rather than how fast two shared cores saturate.
        log.info("gateway: %d concurrent clients, model latency %.1f s", clients, model_latency)
        model_runs = _model_runs(slow_svc, slow, clients=clients, processes=processes,
                                 per_client=model_per_client, latency=model_latency)
    with FakeUpstreamProcess(workdir, latency=model_latency) as slow, \
            Service(workdir, slow.url, workers=workers, threads=threads, app=FLOOR_APP) as floor:
        log.info("floor: %d concurrent clients, model latency %.1f s", clients, model_latency)
        floor_model_runs = _model_runs(floor, slow, clients=clients, processes=processes,
                                       per_client=model_per_client, latency=model_latency)
    log.info("floor ladder: %d pairs per rung", sequential)
    ladder = floor_ladder(workdir, sequential=sequential, warmup=warmup, workers=workers, threads=threads)
    return {
        "settings": {"workers": workers, "threads": threads, "argv": " ".join(svc.argv[1:]),
                     "env": svc.env_settings, "sequential": sequential, "warmup": warmup, "clients": clients,
                     "processes": processes, "per_client": per_client, "stream_count": stream_count,
                     "model_latency": model_latency, "model_per_client": model_per_client,
                     "request": info, "stream_request": stream_info},
        "upstream_connections": keepalive,
        "sequential": {**stats.added(seq_service, seq_direct), "paired": stats.paired(seq_service, seq_direct)},
        "http_floor": stats.added(floor_service, floor_direct),
        "concurrent": {**stats.added(conc_service["latencies"], conc_direct["latencies"]),
                       "service_run": _run_facts(conc_service), "direct_run": _run_facts(conc_direct)},
        "concurrent_model": model_runs["spread"],
        "concurrent_model_burst": model_runs["burst"],
        "streaming": {**stats.added(first_service, first_direct),
                      "paired": stats.paired(first_service, first_direct)},
        "floor": {"app": FLOOR_APP, "sequential": stats.added(*floor_seq), "streaming": stats.added(*floor_first),
                  "concurrent_model": floor_model_runs["spread"],
                  "concurrent_model_burst": floor_model_runs["burst"]},
        "ladder": ladder,
    }


def _model_runs(svc: Service, slow: FakeUpstreamProcess, *, clients: int, processes: int, per_client: int,
                latency: float) -> dict:
    """Direct and service under `clients` clients against the slow model, arrivals spread and in one burst.

    spread: the clients' first calls spaced evenly over the model's latency, so calls arrive evenly (about
    clients / latency per second), as a population of independent users' do; the target's run. burst: all
    released at once, so against a fixed latency every round of calls lands together: the worst case of
    synchronised clients, reported beside it.
    """
    service_call, direct_call, _ = _calls(svc, slow, svc.token(), stream=False)
    loadgen.concurrent(service_call, clients=clients, processes=processes, per_client=1)
    runs = {}
    for name, spread in (("spread", latency), ("burst", 0.0)):
        direct = loadgen.concurrent(direct_call, clients=clients, processes=processes, per_client=per_client,
                                    spread=spread)
        service = loadgen.concurrent(service_call, clients=clients, processes=processes, per_client=per_client,
                                     spread=spread)
        runs[name] = {**stats.added(service["latencies"], direct["latencies"]), "spread_s": spread,
                      "service_run": _run_facts(service), "direct_run": _run_facts(direct)}
    return runs


# What each layer of a gateway costs on this machine, from the bare minimum up to Drafter: (app, worker class)
LADDER = (
    ("bench.floor_wsgi:app", "sync", "bare WSGI + http.client, gunicorn sync"),
    ("bench.floor_wsgi:app", "gthread", "bare WSGI + http.client, gunicorn gthread"),
    (FLOOR_APP, "gthread", "Flask + requests, gunicorn gthread (the floor app)"),
    ("server.wsgi:app", "gthread", "Drafter, gunicorn gthread"),
)


def floor_ladder(workdir, *, sequential: int, warmup: int, workers: int, threads: int) -> list[dict]:
    """Sequential added latency (JSON and first delta) of each rung of LADDER against one fake upstream."""
    rungs = []
    with FakeUpstreamProcess(workdir) as fake:
        for app, worker_class, label in LADDER:
            with Service(workdir, fake.url, workers=workers, threads=threads, app=app,
                         worker_class=worker_class) as svc:
                token = svc.token()
                rung = {"app": app, "worker_class": worker_class, "label": label}
                for kind, stream in (("json", False), ("first_delta", True)):
                    service_call, direct_call, _ = _calls(svc, fake, token, stream=stream)
                    served, direct = loadgen.sequential_pairs(service_call, direct_call, sequential // 2, warmup)
                    rung[kind] = {**stats.added(served, direct), "paired": stats.paired(served, direct)}
                rungs.append(rung)
    return rungs


def _connections(fake: FakeUpstreamProcess, call: Call, count: int = 100) -> dict:
    """TCP connections the fake accepted for `count` sequential calls: 1 when keep-alive works."""
    with requests.Session() as session:
        loadgen.timed(session, call)
        fake.command("reset")
        for _ in range(count):
            loadgen.timed(session, call)
        seen = fake.command("stats")
    return {"calls": count, "upstream_requests": seen["requests"], "upstream_connections": seen["connections"]}


def _run_facts(result: dict) -> dict:
    return {"requests": len(result["latencies"]), "errors": len(result["errors"]),
            "first_errors": result["errors"][:3], "wall_s": result["wall"],
            "throughput_rps": result["throughput"], "client_cpu_s": result["client_cpu"]}
