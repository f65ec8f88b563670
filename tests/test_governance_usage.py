"""Usage reports and record queries over the audit store, identical on SQLite and PostgreSQL: daily counts
by action and host, tokens, nearest-rank latency p50/p95, blocked/redacted/errors, top presets, errors by
code, per-user totals under pseudonyms."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from server.governance.migrate import ensure_schema
from server.governance.store import AuditStore
from tests.audit_helpers import BACKENDS, backend_url, make_record

DAY1, DAY2, DAY3 = dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 5)


def at(day: dt.date, hour: int = 12, minute: int = 0, tz=dt.UTC) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tz)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    url = backend_url(request.param, request, tmp_path)
    if request.param == "postgresql":  # a session far from UTC: days must still be UTC days
        url += "%20-ctimezone%3DAsia%2FTokyo"
    store = AuditStore(url)
    ensure_schema(store.db, migrate=True)
    day1 = [
        dict(action="rewrite", host="word", outcome="ok", latency_ms=100, preset="brief", prompt_tokens=10,
             completion_tokens=5),
        dict(action="summarize", host="outlook", outcome="redacted", latency_ms=300, preset="brief",
             prompt_tokens=20, completion_tokens=10, user_id="oid-2", findings={"ssn": 1},
             guard_actions={"ssn": "redact"}),
        dict(action="draft", host="preview", outcome="blocked", latency_ms=5, error_code="blocked_by_policy",
             prompt_tokens=0, completion_tokens=0),
        dict(action="review", host="word", outcome="upstream_error", latency_ms=60000, error_code="upstream_timeout",
             prompt_tokens=30, completion_tokens=0),
        dict(action="rewrite", host="word", outcome="ok", latency_ms=200, preset="memo", prompt_tokens=1,
             completion_tokens=1, tenant_id="tenant-b", user_id="oid-3"),
    ]
    for index, fields in enumerate(day1):
        store.append(make_record(time=at(DAY1, 9 + index), request_id=f"day1-{index}", **fields))
    for index in range(20):  # latencies 200, 190, ... 10, appended out of order
        store.append(make_record(time=at(DAY3, 8, index), request_id=f"day3-{index}", latency_ms=200 - 10 * index,
                                 prompt_tokens=1, completion_tokens=1))
    yield store
    store.close()


def test_daily_counts_tokens_and_latency_percentiles(store):
    report = store.usage_report(DAY1, DAY3)
    assert (report["from"], report["to"]) == ("2026-03-03", "2026-03-05")
    first, empty, third = report["days"]
    assert first["day"] == "2026-03-03" and first["requests"] == 5
    assert first["by_action"] == {"rewrite": 2, "summarize": 1, "draft": 1, "review": 1}
    assert first["by_host"] == {"word": 3, "outlook": 1, "preview": 1, "unknown": 0}
    assert first["by_outcome"]["upstream_error"] == 1 and first["by_outcome"]["ok"] == 2
    assert (first["prompt_tokens"], first["completion_tokens"]) == (61, 16)
    assert (first["blocked"], first["redacted"], first["errors"]) == (1, 1, 1)
    # completed jobs (ok, redacted) only: 100, 200, 300 -> ranks ceil(1.5)=2 and ceil(2.85)=3
    assert (first["latency_p50_ms"], first["latency_p95_ms"]) == (200, 300)
    assert empty == {**empty, "day": "2026-03-04", "requests": 0, "latency_p50_ms": None, "latency_p95_ms": None}
    # 10..200: ranks ceil(10)=10 and ceil(19)=19
    assert third["requests"] == 20 and (third["latency_p50_ms"], third["latency_p95_ms"]) == (100, 190)
    assert report["totals"] == {"requests": 25, "prompt_tokens": 81, "completion_tokens": 36, "blocked": 1,
                                "redacted": 1, "errors": 1, "users": 3}


def test_top_presets_and_errors_by_code(store):
    report = store.usage_report(DAY1, DAY3)
    assert report["top_presets"] == [{"preset": "brief", "requests": 2}, {"preset": "memo", "requests": 1}]
    assert store.usage_report(DAY1, DAY3, top=1)["top_presets"] == [{"preset": "brief", "requests": 2}]
    assert report["errors"] == [{"outcome": "blocked", "error_code": "blocked_by_policy", "count": 1},
                                {"outcome": "upstream_error", "error_code": "upstream_timeout", "count": 1}]


def test_per_user_totals_carry_pseudonyms_never_object_ids(store):
    users = store.usage_report(DAY1, DAY3)["users"]
    assert [(user["tenant_id"], user["requests"], user["prompt_tokens"] + user["completion_tokens"])
            for user in users] == [("tenant-a", 23, 85), ("tenant-a", 1, 30), ("tenant-b", 1, 2)]
    assert all(re.fullmatch(r"user-[0-9a-f]{20}", user["user"]) for user in users)
    assert "oid-" not in repr(users)
    assert users[0]["user"] == store.pseudonym("tenant-a", "oid-1")
    again = AuditStore(store.url.render_as_string(hide_password=False))  # another instance, same database
    try:
        assert again.pseudonym("tenant-a", "oid-1") == users[0]["user"]
    finally:
        again.close()
    assert store.pseudonym("tenant-b", "oid-1") != store.pseudonym("tenant-a", "oid-1")


def test_a_tenant_sees_only_its_own_usage(store):
    report = store.usage_report(DAY1, DAY1, tenant_id="tenant-b")
    assert report["totals"] == {"requests": 1, "prompt_tokens": 1, "completion_tokens": 1, "blocked": 0,
                                "redacted": 0, "errors": 0, "users": 1}
    assert report["top_presets"] == [{"preset": "memo", "requests": 1}] and report["errors"] == []


def test_days_are_utc_days_whatever_the_offset_written(store):
    store.append(make_record(time=at(DAY2, 1, tz=dt.timezone(dt.timedelta(hours=5))), latency_ms=7))  # DAY1 20:00Z
    store.append(make_record(time=dt.datetime.combine(DAY2, dt.time(23, 59, 59, 999999), dt.UTC), latency_ms=9))
    days = {day["day"]: day for day in store.usage_report(DAY1, DAY2)["days"]}
    assert days["2026-03-03"]["requests"] == 6 and days["2026-03-04"]["requests"] == 1
    assert days["2026-03-04"]["latency_p50_ms"] == 9


def test_records_by_range_tenant_and_user_in_seq_order(store):
    day1 = list(store.records(DAY1, DAY1, batch_size=2))
    assert [record["request_id"] for record in day1] == [f"day1-{index}" for index in range(5)]
    assert [record["seq"] for record in day1] == [1, 2, 3, 4, 5]
    window = list(store.records(at(DAY3, 8, 5), at(DAY3, 8, 7)))  # [start, end)
    assert [record["request_id"] for record in window] == ["day3-5", "day3-6"]
    assert [r["request_id"] for r in store.records(DAY1, DAY3, tenant_id="tenant-b")] == ["day1-4"]
    assert [r["request_id"] for r in store.records(DAY1, DAY3, user_id="oid-2")] == ["day1-1"]
    redacted = next(store.records(DAY1, DAY1, user_id="oid-2"))
    assert redacted["findings"] == {"ssn": 1} and redacted["guard_actions"] == {"ssn": "redact"}


def test_pseudonymous_records_hide_the_object_id_and_upn(store):
    store.append(make_record(time=at(DAY2), upn="ada@agency.gov", user_id="oid-7"))
    [record] = store.records(DAY2, DAY2, pseudonymous=True)
    assert record["user_id"] == store.pseudonym("tenant-a", "oid-7") and record["upn"] is None
    [plain] = store.records(DAY2, DAY2)
    assert (plain["user_id"], plain["upn"]) == ("oid-7", "ada@agency.gov")


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.usage_report(DAY3, DAY1), "the end of the range is before its start"),
    (lambda s: s.usage_report(at(DAY1), at(DAY3)), "a usage report covers whole days: give dates"),
    (lambda s: s.usage_report(DAY1, DAY1 + dt.timedelta(days=4000)), "covers at most 3660 days, got 4001"),
    (lambda s: s.usage_report(DAY1, DAY3, top=0), "top must be a whole number from 1 to 1000"),
    (lambda s: list(s.records(dt.datetime(2026, 3, 3), DAY3)), "a datetime bound must be timezone-aware"),
    (lambda s: list(s.records("2026-03-03", DAY3)), "a bound must be a date or a datetime, got str"),
    (lambda s: list(s.records(DAY3, DAY1)), "the end of the range is before its start"),
])
def test_bad_ranges_are_refused(store, call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(store)
