"""Percentiles (nearest rank on sorted samples) and the service-minus-direct comparison."""
from __future__ import annotations

import math
import statistics


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: list[float]) -> dict:
    """Milliseconds: p50, p90, p99, mean, n."""
    ms = [s * 1000 for s in samples]
    return {"n": len(ms), "p50": percentile(ms, 50), "p90": percentile(ms, 90), "p99": percentile(ms, 99),
            "mean": statistics.fmean(ms) if ms else math.nan}


def added(service: list[float], direct: list[float]) -> dict:
    """What the service adds: difference of the percentiles, in ms."""
    s, d = summary(service), summary(direct)
    return {"p50": s["p50"] - d["p50"], "p99": s["p99"] - d["p99"], "service": s, "direct": d}


def paired(service: list[float], direct: list[float]) -> dict:
    """Percentiles of the per-pair differences (sequential runs interleave service and direct calls), in ms."""
    diffs = [a - b for a, b in zip(service, direct, strict=True)]
    return {"p50": percentile(diffs, 50) * 1000, "p99": percentile(diffs, 99) * 1000}
