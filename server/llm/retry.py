"""Retry timing for calls to the model: a total time budget, exponential backoff with jitter, Retry-After.

Providers say how long to wait in three ways: `retry-after-ms` (OpenAI, Azure; milliseconds, may be
fractional), `Retry-After` in seconds, or `Retry-After` as an HTTP-date (RFC 9110 section 10.2.3).
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Statuses worth another try: the request itself was fine, the endpoint was busy or broken for a moment.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504}) | frozenset(range(520, 530))


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say (or said something unreadable)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = -1.0
        if ms >= 0 and ms == ms:  # not NaN
            return ms / 1000.0
    raw = (lowered.get("retry-after") or "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP-date is always GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(0.0, seconds)
    return seconds if seconds >= 0 and seconds == seconds else None


class Deadline:
    """The total time one call may take, retries and streaming included (monotonic clock)."""

    def __init__(self, budget: float, *, clock: Callable[[], float] = time.monotonic):
        self.budget = budget
        self._clock = clock
        self.expires_at = clock() + budget

    def remaining(self) -> float:
        return max(0.0, self.expires_at - self._clock())

    def expired(self) -> bool:
        return self._clock() >= self.expires_at


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5  # seconds before the first retry; doubles each time
    backoff_max: float = 8.0

    def backoff(self, retry_number: int, *, rng: Callable[[], float] = random.random) -> float:
        """Delay before retry number `retry_number` (1-based): exponential, with up to 25 % jitter taken off
        so that many callers rejected at once do not come back at the same instant."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** (retry_number - 1)))
        return delay * (1.0 - 0.25 * rng())
