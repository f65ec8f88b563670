"""The machine a run happened on: CPU, cores, memory, Python, load, package versions, date."""
from __future__ import annotations

import datetime
import os
import platform
import statistics
import time
from importlib import metadata

# A fixed pure-Python workload, timed on every run: the same cloud "2 cores" run Python at quite different
# speeds from one machine to the next (seen here: 2.5x), and every gateway figure moves with it.
SPEED_LOOP = 1_000_000


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def python_speed_ms(repeat: int = 7) -> float:
    """Median ms of a one-million-step pure-Python loop (an addition and a comparison per step)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for i in range(SPEED_LOOP):
            if i & 1:
                total += i
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def details() -> dict:
    versions = {}
    for package in ("flask", "werkzeug", "gunicorn", "requests", "urllib3", "PyJWT", "cryptography", "tiktoken"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    memory = _memory_gib()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(), "cores": os.cpu_count(),
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "packages": versions, "load_before": load_average(), "python_speed_ms": python_speed_ms(),
    }
