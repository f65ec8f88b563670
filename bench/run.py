"""`python -m bench.run` (make bench): runs the benchmarks, prints a table, writes bench/RESULTS.md.

Gateway overhead and time to first delta, the long document, document extraction, the pane's budgets,
concurrent streams by worker model, and a ten-minute soak. Loopback only; bounded in requests and time
(about 25 minutes on two cores, ten of them the soak). --quick runs far fewer
requests (for trying the harness, not for figures). Raw figures also go to bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import breakdown, documents, gateway, longdoc, machine, pane, report, soak, streams

HERE = Path(__file__).resolve().parent
FULL = {"sequential": 2000, "warmup": 200, "clients": 50, "processes": 10, "per_client": 40, "stream_count": 1000,
        "workers": 2, "threads": 32, "model_latency": 0.5, "model_per_client": 12,
        "longdoc_repeat": 3, "chunk_repeat": 3, "breakdown_repeat": 300, "documents_repeat": 5,
        "pane_loads": 10, "streams": 500, "soak_seconds": 600, "soak_warmup": 60, "soak_rate": 50}
QUICK = {**FULL, "sequential": 100, "warmup": 20, "per_client": 4, "stream_count": 50, "model_per_client": 2,
         "longdoc_repeat": 1,
         "chunk_repeat": 1, "breakdown_repeat": 30, "documents_repeat": 1, "pane_loads": 3, "streams": 100,
         "soak_seconds": 30, "soak_warmup": 10, "soak_rate": 20}
LONGDOC_LATENCY = 0.2
LONGDOC_CONCURRENCY = 8
# the service's default window for an openai provider, and a small local model's window (more chunks, rounds)
LONGDOC_WINDOWS = (None, 8192)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drafter benchmarks")
    parser.add_argument("--quick", action="store_true", help="few requests: check the harness, not the figures")
    parser.add_argument("--only", choices=("gateway", "longdoc", "documents", "pane", "streams", "soak"),
                        help="run one part")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the soak's store migrations, line by line
    if args.only in (None, "pane") and not os.access(pane.CHROMIUM, os.X_OK):
        # say so before the twenty minutes of other benchmarks, not after them
        print(f"bench: the pane figures need Debian's Chromium at {pane.CHROMIUM}: "
              "apt-get install chromium (or run with --only gateway|longdoc|documents|streams|soak)",
              file=sys.stderr)
        return 2
    settings = QUICK if args.quick else FULL
    started = time.monotonic()
    results: dict = {"machine": machine.details(), "settings": settings, "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="drafter-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "gateway"):
            options = {k: settings[k] for k in ("sequential", "warmup", "clients", "processes", "per_client",
                                                "stream_count", "workers", "threads", "model_latency",
                                                "model_per_client")}
            results["gateway"] = gateway.run(workdir, **options)
            results["breakdown"] = breakdown.run(workdir, repeat=settings["breakdown_repeat"])
        if args.only in (None, "longdoc"):
            text = longdoc.annual_report()
            results["chunking"] = [longdoc.chunking_times(text, context_window=window or 128_000,
                                                          max_output_tokens=2048, repeat=settings["chunk_repeat"])
                                   for window in LONGDOC_WINDOWS]
            results["longdoc"] = [longdoc.run(workdir, latency=LONGDOC_LATENCY, concurrency=LONGDOC_CONCURRENCY,
                                              context_window=window, repeat=settings["longdoc_repeat"],
                                              label=f"window {window or 'default'}")
                                  for window in LONGDOC_WINDOWS]
        if args.only in (None, "documents"):
            results["documents"] = documents.run(workdir, repeat=settings["documents_repeat"])
        if args.only in (None, "pane"):
            results["pane"] = pane.run(workdir, loads=settings["pane_loads"])
        if args.only in (None, "streams"):
            results["streams"] = streams.run(workdir, clients=settings["streams"])
        if args.only in (None, "soak"):
            (workdir / "soak").mkdir()
            results["soak"] = soak.run(workdir / "soak", seconds=settings["soak_seconds"],
                                       warmup=settings["soak_warmup"], rate=settings["soak_rate"])
    results["machine"]["load_after"] = machine.load_average()
    results["runtime_s"] = time.monotonic() - started
    print(report.table(results))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / ("quick.json" if args.quick else "latest.json")).write_text(json.dumps(results, indent=2, default=str))
    if not args.no_write and not args.quick and args.only is None:
        (HERE / "RESULTS.md").write_text(report.markdown(results))
        print(f"wrote {HERE / 'RESULTS.md'}")
    return 0 if report.all_pass(results) else 1


if __name__ == "__main__":
    sys.exit(main())
