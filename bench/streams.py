"""Concurrent streams: how many streaming jobs the service holds at once on this machine, by worker model.

`clients` streaming rewrites are opened together (arrivals spread over `spread` seconds) and each is read to
its end: the fake model waits `latency`, then streams its answer word by word `chunk_delay` apart, so every
stream stays open for several seconds and all of them overlap. Clients are spread over processes (threads
inside each), each thread holding one stream. For each gunicorn worker model tried, the report gives streams
completed and errors by kind, the most streams open at once (from the clients' own timestamps), time to the
first delta and stream duration (p50, p99), and what the service's processes used: CPU seconds and the peak
of their summed resident memory (from /proc).

Then, under the same worker model, the pauses streams see while other users' documents are read: `stall_streams`
streams opened 10 ms apart, and 1.5 s later `stall_uploads` users send a 50,000-row workbook to
/api/v1/documents/extract at once; for each stream, the longest pause between two deltas (the model sends one
every `chunk_delay`), against the same streams with no uploads. Reading a workbook is Python work of a second
or two: a thread yields the interpreter every few milliseconds, a greenlet only when it waits for I/O.
"""
from __future__ import annotations

import datetime
import json
import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

import requests

from bench import stats
from bench.documents import make_xlsx
from bench.gateway import REWRITE_BODY
from bench.services import FakeUpstreamProcess, Service

log = logging.getLogger(__name__)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
# (label, worker class, workers, threads, extra gunicorn arguments)
WORKER_MODELS = (
    ("gthread, 2 workers x 300 threads", "gthread", 2, 300, ()),
    ("gthread, 4 workers x 150 threads", "gthread", 4, 150, ()),
    ("gevent, 2 workers x 1000 connections", "gevent", 2, 1, ("--worker-connections", "1000")),
)


def _one_stream(url: str, headers: dict, body: bytes, started_at: float) -> dict:
    """Open one stream, read it to its end; times relative to the run's start (perf_counter of this process)."""
    start = time.perf_counter()
    first = None
    outcome = "ok"
    try:
        with requests.post(url, data=body, headers=headers, stream=True, timeout=(10, 120)) as response:
            if response.status_code != 200:
                return {"start": start - started_at, "end": time.perf_counter() - started_at, "first": None,
                        "outcome": f"HTTP {response.status_code}"}
            seen = b""
            for piece in response.iter_content(chunk_size=None):
                if first is None and b"event: delta" in piece:
                    first = time.perf_counter()
                seen = (seen + piece)[-4096:]
            if b"event: result" not in seen:
                outcome = "error event" if b"event: error" in seen else "no result"
    except requests.RequestException as exc:
        outcome = type(exc).__name__
    end = time.perf_counter()
    return {"start": start - started_at, "end": end - started_at,
            "first": None if first is None else first - start, "outcome": outcome}


def _stream_pauses(url: str, headers: dict, body: bytes, out: list) -> None:
    """One stream read to its end: the longest pause between two delta-bearing reads (seconds), or None."""
    longest, last, seen = None, None, b""
    try:
        with requests.post(url, data=body, headers=headers, stream=True, timeout=(10, 120)) as response:
            for piece in response.iter_content(chunk_size=None):
                now = time.perf_counter()
                if b"event: delta" in piece:
                    if last is not None:
                        longest = max(longest or 0.0, now - last)
                    last = now
                seen = (seen + piece)[-4096:]  # the result event may come split over reads
            complete = response.status_code == 200 and b"event: result" in seen
    except requests.RequestException:
        complete = False
    out.append({"longest_pause": longest, "complete": complete})


def _upload(url: str, token: str, workbook: bytes, out: list) -> None:
    start = time.perf_counter()
    try:
        response = requests.post(url, files={"file": ("ledger.xlsx", workbook)},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=(10, 120))
        status = response.status_code
    except requests.RequestException as exc:
        status = type(exc).__name__
    out.append({"status": status, "seconds": time.perf_counter() - start})


def stalls(svc: Service, token: str, workbook: bytes, *, streams: int, uploads: int) -> dict:
    """`streams` streams with `uploads` workbook uploads landing among them (see the module's text)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps(dict(REWRITE_BODY, stream=True)).encode()
    pauses: list[dict] = []
    reads: list[dict] = []
    openers = [threading.Thread(target=_stream_pauses, args=(f"{svc.url}/api/v1/rewrite", headers, body, pauses))
               for _ in range(streams)]
    for thread in openers:
        thread.start()
        time.sleep(0.01)
    time.sleep(1.5)  # every stream is past its first delta
    senders = [threading.Thread(target=_upload, args=(f"{svc.url}/api/v1/documents/extract", token, workbook,
                                                      reads)) for _ in range(uploads)]
    for thread in senders:
        thread.start()
    for thread in openers + senders:
        thread.join()
    longest = [p["longest_pause"] for p in pauses if p["longest_pause"] is not None]
    return {"streams": streams, "complete": sum(p["complete"] for p in pauses), "uploads": uploads,
            "upload_status": sorted({str(r["status"]) for r in reads}),
            "upload_seconds": sorted(r["seconds"] for r in reads),
            "longest_pause_ms": stats.summary(longest), "longest_pause_max_ms": max(longest, default=0) * 1000}


def _client_process(url: str, headers: dict, body: bytes, offsets: list[float], go, origin, results) -> None:
    out: list[dict] = []
    lock = threading.Lock()
    go.wait()
    # every process measures from the shared wall-clock origin, so their timestamps line up
    started_at = time.perf_counter() - (time.time() - origin.value)

    def run(offset: float) -> None:
        time.sleep(offset)
        result = _one_stream(url, headers, body, started_at)
        with lock:
            out.append(result)

    threads = [threading.Thread(target=run, args=(offset,)) for offset in offsets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


def _processes_of(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


def _rss_and_cpu(pids: list[int]) -> tuple[int, float]:
    rss, cpu = 0, 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICKS
        rss += int(fields[21]) * PAGE_SIZE
    return rss, cpu


def _peak_open(results: list[dict]) -> int:
    moments = sorted([(r["start"], 1) for r in results] + [(r["end"], -1) for r in results])
    open_now = peak = 0
    for _, change in moments:
        open_now += change
        peak = max(peak, open_now)
    return peak


def run_one(workdir: Path, upstream_url: str, label: str, worker_class: str, workers: int, threads: int,
            extra: tuple[str, ...], *, clients: int, processes: int, spread: float, workbook: bytes,
            stall_streams: int, stall_uploads: int) -> dict:
    with Service(workdir, upstream_url, workers=workers, threads=threads, worker_class=worker_class,
                 extra_args=("--timeout", "0", "--backlog", "2048", *extra)) as svc:
        token = svc.token()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps(dict(REWRITE_BODY, stream=True)).encode()
        url = f"{svc.url}/api/v1/rewrite"
        _one_stream(url, headers, body, time.perf_counter())  # warm: the workers have loaded what a job needs
        pids = _processes_of(svc.process.pid)
        rss_before, cpu_before = _rss_and_cpu(pids)
        peak_rss = [rss_before]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.25):
                peak_rss[0] = max(peak_rss[0], _rss_and_cpu(pids)[0])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ctx = multiprocessing.get_context("spawn")
        go, results, origin = ctx.Event(), ctx.Queue(), ctx.Value("d", 0.0)
        per_process = clients // processes
        procs = [ctx.Process(target=_client_process, daemon=True, args=(
            url, headers, body, [(t * processes + p) * spread / clients for t in range(per_process)],
            go, origin, results)) for p in range(processes)]
        for proc in procs:
            proc.start()
        time.sleep(2.0)  # the client processes are up and waiting
        origin.value = time.time()
        go.set()
        outcomes = [r for _ in procs for r in results.get(timeout=600)]
        for proc in procs:
            proc.join(timeout=10)
        sampling.set()
        sampler.join()
        _rss_after, cpu_after = _rss_and_cpu(pids)
        log.info("streams: pauses while %d workbooks are read, %s", stall_uploads, label)
        quiet = stalls(svc, token, workbook, streams=stall_streams, uploads=0)
        busy = stalls(svc, token, workbook, streams=stall_streams, uploads=stall_uploads)
    ok = [r for r in outcomes if r["outcome"] == "ok"]
    errors: dict[str, int] = {}
    for r in outcomes:
        if r["outcome"] != "ok":
            errors[r["outcome"]] = errors.get(r["outcome"], 0) + 1
    firsts = [r["first"] for r in ok if r["first"] is not None]  # seconds: stats.summary gives ms
    durations = [r["end"] - r["start"] for r in ok]
    return {"label": label, "worker_class": worker_class, "workers": workers, "threads": threads,
            "argv": " ".join(svc.argv[1:]), "streams": len(outcomes), "completed": len(ok), "errors": errors,
            "peak_open": _peak_open(outcomes), "first_delta_ms": stats.summary(firsts),
            "duration_ms": stats.summary(durations), "service_cpu_s": cpu_after - cpu_before,
            "peak_rss_mb": peak_rss[0] / 2**20, "rss_before_mb": rss_before / 2**20,
            "stalls": {"quiet": quiet, "uploads": busy}}


def run(workdir: Path, *, clients: int = 500, processes: int = 10, spread: float = 2.0, latency: float = 1.0,
        chunk_delay: float = 0.05, models=WORKER_MODELS, stall_streams: int = 60, stall_uploads: int = 4) -> dict:
    runs = []
    workbook_path = workdir / "streams-ledger.xlsx"
    workbook_facts = make_xlsx(workbook_path)
    workbook = workbook_path.read_bytes()
    with FakeUpstreamProcess(workdir, latency=latency, chunk_delay=chunk_delay) as fake:
        for label, worker_class, workers, threads, extra in models:
            log.info("streams: %d concurrent, %s", clients, label)
            runs.append(run_one(workdir, fake.url, label, worker_class, workers, threads, extra,
                                clients=clients, processes=processes, spread=spread, workbook=workbook,
                                stall_streams=stall_streams, stall_uploads=stall_uploads))
    return {"started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), "clients": clients, "processes": processes,
            "spread_s": spread, "latency_s": latency,
            "chunk_delay_s": chunk_delay, "runs": runs, "workbook": workbook_facts,
            "workbook_kb": len(workbook) / 1024}
