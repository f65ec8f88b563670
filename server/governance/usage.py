"""Usage reports over the audit store: what the admin dashboard draws and the CSV and .xlsx exports hold.

Pure Python over SQLAlchemy Core; the same SQL on SQLite and PostgreSQL. Days are UTC days. Latency
percentiles are nearest-rank (the value at rank ceil(p * n) of the day's completed jobs, ok and redacted),
picked by the database with window functions, so only two rows per day reach Python.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Connection, and_, func, literal, or_, select

from server.governance.audit_record import ACTIONS, HOSTS, OUTCOMES
from server.governance.schema import audit_records, usage_daily

MAX_DAYS = 3660
COMPLETED = ("ok", "redacted")  # outcomes whose latency is a model's answer
ERROR_OUTCOMES = tuple(outcome for outcome in OUTCOMES if outcome not in COMPLETED)
PERCENTILES = (50, 95)


def time_range(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[low, high) as aware datetimes; a date `end` includes that whole UTC day."""
    def instant(value, *, end_of_day: bool) -> dt.datetime:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError("a datetime bound must be timezone-aware")
            return value.astimezone(dt.UTC)
        if isinstance(value, dt.date):
            day = value + dt.timedelta(days=1) if end_of_day else value
            return dt.datetime.combine(day, dt.time(), dt.UTC)
        raise ValueError(f"a bound must be a date or a datetime, got {type(value).__name__}")

    low, high = instant(start, end_of_day=False), instant(end, end_of_day=True)
    if high < low:
        raise ValueError("the end of the range is before its start")
    return low, high


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime) or not (
            isinstance(start, dt.date) and isinstance(end, dt.date)):
        raise ValueError("a usage report covers whole days: give dates")
    if end < start:
        raise ValueError("the end of the range is before its start")
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise ValueError(f"a usage report covers at most {MAX_DAYS} days, got {count}")
    return [start + dt.timedelta(days=offset) for offset in range(count)]


def _day_of(connection: Connection):
    """The UTC day of a record's time, as SQL: SQLite keeps UTC text, PostgreSQL a timestamptz."""
    if connection.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", audit_records.c.time))
    return func.date(audit_records.c.time)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def report(connection: Connection, start: dt.date, end: dt.date, *, tenant_id: str | None = None, top: int = 10,
           pseudonym: Callable[[str, str], str]) -> dict:
    """{from, to, totals, days: [...], top_presets, errors, users} for the UTC days start..end inclusive.

    days: one entry per day, empty days included: {day, requests, by_action, by_host, by_outcome,
    prompt_tokens, completion_tokens, blocked, redacted, errors, latency_p50_ms, latency_p95_ms}.
    errors: every outcome but ok and redacted, by outcome and error code, most frequent first ("errors" in
    days and totals counts failures only: blocked is counted apart).
    users: {user (a pseudonym, never the object id), tenant_id, requests, prompt_tokens, completion_tokens},
    most tokens first. Dates are ISO strings."""
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 1000:
        raise ValueError("top must be a whole number from 1 to 1000")
    days = _days(start, end)
    low, high = time_range(start, end)
    where = [audit_records.c.time >= low, audit_records.c.time < high]
    if tenant_id is not None:
        where.append(audit_records.c.tenant_id == tenant_id)
    daily = {day: _empty_day(day) for day in days}
    _fill_counts(connection, where, daily)
    _fill_latency(connection, where, daily)
    rows = list(daily.values())
    totals = {name: sum(row[name] for row in rows)
              for name in ("requests", "prompt_tokens", "completion_tokens", "blocked", "redacted", "errors")}
    users = _user_totals(connection, start, end, tenant_id, pseudonym)
    totals["users"] = len(users)
    return {"from": start.isoformat(), "to": end.isoformat(), "totals": totals, "days": rows,
            "top_presets": _top_presets(connection, where, top), "errors": _errors(connection, where),
            "users": users}


def _empty_day(day: dt.date) -> dict:
    return {"day": day.isoformat(), "requests": 0, "by_action": dict.fromkeys(ACTIONS, 0),
            "by_host": dict.fromkeys(HOSTS, 0), "by_outcome": dict.fromkeys(OUTCOMES, 0), "prompt_tokens": 0,
            "completion_tokens": 0, "blocked": 0, "redacted": 0, "errors": 0, "latency_p50_ms": None,
            "latency_p95_ms": None}


def _fill_counts(connection: Connection, where: list, daily: dict) -> None:
    day = _day_of(connection).label("day")
    query = (select(day, audit_records.c.action, audit_records.c.host, audit_records.c.outcome,
                    func.count().label("requests"), func.sum(audit_records.c.prompt_tokens).label("prompt"),
                    func.sum(audit_records.c.completion_tokens).label("completion"))
             .where(*where).group_by(day, audit_records.c.action, audit_records.c.host, audit_records.c.outcome))
    for row in connection.execute(query):
        entry = daily.get(_as_date(row.day))
        if entry is None:  # cannot happen: the range is whole UTC days
            continue
        entry["requests"] += row.requests
        entry["by_action"][row.action] = entry["by_action"].get(row.action, 0) + row.requests
        entry["by_host"][row.host] = entry["by_host"].get(row.host, 0) + row.requests
        entry["by_outcome"][row.outcome] = entry["by_outcome"].get(row.outcome, 0) + row.requests
        entry["prompt_tokens"] += int(row.prompt or 0)
        entry["completion_tokens"] += int(row.completion or 0)
        if row.outcome == "blocked":
            entry["blocked"] += row.requests
        elif row.outcome == "redacted":
            entry["redacted"] += row.requests
        if row.outcome in ERROR_OUTCOMES and row.outcome != "blocked":
            entry["errors"] += row.requests


def _fill_latency(connection: Connection, where: list, daily: dict) -> None:
    day = _day_of(connection)
    ranked = (select(day.label("day"), audit_records.c.latency_ms.label("latency"),
                     func.row_number().over(partition_by=day, order_by=audit_records.c.latency_ms).label("rank"),
                     func.count().over(partition_by=day).label("n"))
              .where(*where, audit_records.c.outcome.in_(COMPLETED)).subquery())
    wanted = [ranked.c.rank == (ranked.c.n * percent + literal(99)) // literal(100) for percent in PERCENTILES]
    query = select(ranked.c.day, ranked.c.rank, ranked.c.n, ranked.c.latency).where(or_(*wanted))
    for row in connection.execute(query):
        entry = daily.get(_as_date(row.day))
        if entry is None:
            continue
        for percent in PERCENTILES:
            if row.rank == (row.n * percent + 99) // 100:
                entry[f"latency_p{percent}_ms"] = row.latency


def _top_presets(connection: Connection, where: list, top: int) -> list[dict]:
    count = func.count().label("requests")
    query = (select(audit_records.c.preset, count).where(*where, audit_records.c.preset.is_not(None))
             .group_by(audit_records.c.preset).order_by(count.desc(), audit_records.c.preset).limit(top))
    return [{"preset": row.preset, "requests": row.requests} for row in connection.execute(query)]


def _errors(connection: Connection, where: list) -> list[dict]:
    count = func.count().label("count")
    query = (select(audit_records.c.outcome, audit_records.c.error_code, count)
             .where(*where, audit_records.c.outcome.in_(ERROR_OUTCOMES))
             .group_by(audit_records.c.outcome, audit_records.c.error_code)
             .order_by(count.desc(), audit_records.c.outcome, audit_records.c.error_code))
    return [{"outcome": row.outcome, "error_code": row.error_code, "count": row.count}
            for row in connection.execute(query)]


def _user_totals(connection: Connection, start: dt.date, end: dt.date, tenant_id: str | None,
                 pseudonym: Callable[[str, str], str]) -> list[dict]:
    prompt = func.sum(usage_daily.c.prompt_tokens).label("prompt")
    completion = func.sum(usage_daily.c.completion_tokens).label("completion")
    where = [usage_daily.c.day >= start, usage_daily.c.day <= end]
    if tenant_id is not None:
        where.append(usage_daily.c.tenant_id == tenant_id)
    query = (select(usage_daily.c.tenant_id, usage_daily.c.user_id, func.sum(usage_daily.c.requests).label("requests"),
                    prompt, completion).where(and_(*where)).group_by(usage_daily.c.tenant_id, usage_daily.c.user_id))
    users = [{"user": pseudonym(row.tenant_id, row.user_id), "tenant_id": row.tenant_id,
              "requests": int(row.requests), "prompt_tokens": int(row.prompt), "completion_tokens": int(row.completion)}
             for row in connection.execute(query)]
    users.sort(key=lambda user: (-(user["prompt_tokens"] + user["completion_tokens"]), user["user"]))
    return users

