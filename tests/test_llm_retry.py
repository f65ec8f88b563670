"""Retry timing: Retry-After in its three spellings, backoff with jitter, the total budget."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.llm.retry import Deadline, RetryPolicy, parse_retry_after

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("headers,expected", [
    ({}, None),
    ({"Retry-After": "7"}, 7.0),
    ({"retry-after": "1.5"}, 1.5),
    ({"retry-after-ms": "250"}, 0.25),
    ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # the finer one wins
    ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
    ({"Retry-After": "Sat, 01 Mar 2025 12:00:30 GMT"}, 30.0),
    ({"Retry-After": "Sat, 01 Mar 2025 11:59:00 GMT"}, 0.0),  # a date in the past: no wait
    ({"Retry-After": "-3"}, None),
    ({"Retry-After": "tomorrow"}, None),
    ({"Retry-After": "nan"}, None),
])
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(headers, now=NOW) == expected


def test_backoff_doubles_with_jitter_and_a_cap():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0)
    assert [policy.backoff(n, rng=lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.backoff(2, rng=lambda: 1.0) == 0.75  # at most a quarter taken off


def test_deadline():
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    assert deadline.remaining() == 5.0 and not deadline.expired()
    now[0] = 106.0
    assert deadline.remaining() == 0.0 and deadline.expired()
