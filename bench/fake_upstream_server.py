"""The fake model upstream in its own process: `python -m bench.fake_upstream_server [--latency S]`.

Runs tests/fakes/upstream.py's FakeUpstream (a real HTTP server) apart from the load generator, so the
client's GIL does not slow it down. Protocol on stdin/stdout, one line each way:
first it prints `URL <base url>`; then it answers the commands
    stats  -> JSON {"stages": {stage: {"count", "times": [arrival, relative to the first request]}},
                    "connections": TCP connections accepted, "requests": chat requests,
                    "first_at", "last_at": time.monotonic() of the first and last request (system-wide clock)}
    last   -> JSON of the last chat request: {"json": body, "headers": {...}}
    reset  -> "ok" (forgets the requests seen so far)
and stops at end of input (the parent closing the pipe, or exiting).
"""
from __future__ import annotations

import argparse
import json
import sys

from bench.responders import respond, stage
from tests.fakes.upstream import FakeUpstream


def _stats(fake: FakeUpstream) -> dict:
    with fake._lock:
        seen = [r for r in fake.requests if r["method"] == "POST"]
    start = seen[0]["time"] if seen else 0.0
    stages: dict[str, dict] = {}
    for r in seen:
        entry = stages.setdefault(stage(r["json"] or {}), {"count": 0, "times": []})
        entry["count"] += 1
        entry["times"].append(round(r["time"] - start, 4))
    return {"stages": stages, "disconnects": fake.disconnects, "connections": fake.connections_accepted,
            "requests": len(seen), "first_at": start,
            "last_at": seen[-1]["time"] if seen else 0.0}


def _last(fake: FakeUpstream) -> dict:
    with fake._lock:
        chats = [r for r in fake.requests if r["method"] == "POST"]
    if not chats:
        return {}
    last = chats[-1]
    return {"json": last["json"], "headers": dict(last["headers"])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before answering a chat request")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed events")
    args = parser.parse_args(argv)
    fake = FakeUpstream(model="fake")
    fake.latency = args.latency
    fake.chunk_delay = args.chunk_delay
    fake.responder = respond
    fake.start()
    try:
        print(f"URL {fake.url}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                answer = json.dumps(_stats(fake))
            elif command == "last":
                answer = json.dumps(_last(fake), ensure_ascii=False)
            elif command == "reset":
                with fake._lock:
                    fake.requests.clear()
                    fake.connections_accepted = 0
                answer = "ok"
            else:
                answer = json.dumps({"error": f"unknown command {command!r}"})
            print(answer, flush=True)
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
