"""The query of GET /api/v1/admin/usage: `from`, `to`, `format` and `lang`, checked and defaulted.

Pure: the query string comes in as {name: [values]}, and every bad parameter is an InvalidRequest naming it.
Dates are UTC days written YYYY-MM-DD; `to` defaults to today and `from` to 29 days before `to` (30 days).
`lang` (en by default) is the language of the .xlsx workbook's words; JSON and CSV are the same in any.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from server.errors import InvalidRequest
from server.governance.usage_labels import LANGUAGES

FORMATS = ("json", "csv", "xlsx")
PARAMETERS = ("from", "to", "format", "lang")
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 366  # a year, leap day included; the dashboard draws one point a day
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
# the same, as the published schema's pattern (with format: date, which rules out 2026-02-30)
PUBLISHED_DATE_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class UsageQuery:
    start: dt.date
    end: dt.date
    format: str
    lang: str = "en"


def parse_usage_query(args: Mapping[str, Sequence[str]], today: dt.date) -> UsageQuery:
    """`args`: each parameter's values, as werkzeug's MultiDict.to_dict(flat=False) gives them."""
    for name in args:
        if name not in PARAMETERS:
            shown = name[:40]
            raise InvalidRequest(f"{shown!r} is not a parameter of the usage report, which takes from, to, "
                                 "format and lang.", field=shown)
    for name, values in args.items():
        if len(values) != 1:
            raise InvalidRequest(f"Give {name} once.", field=name)
    value = {name: values[0] for name, values in args.items()}
    end = _date(value, "to") or today
    start = _date(value, "from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidRequest(f"from ({start.isoformat()}) is after to ({end.isoformat()}).", field="from")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidRequest(f"A usage report covers at most {MAX_RANGE_DAYS} days; from {start.isoformat()} to "
                             f"{end.isoformat()} is {days} days. Ask for one year at a time.", field="from")
    form = value.get("format", "json")
    if form not in FORMATS:
        raise InvalidRequest("format must be json, csv or xlsx.", field="format")
    lang = value.get("lang", "en")
    if lang not in LANGUAGES:
        raise InvalidRequest("lang must be en or fr.", field="lang")
    return UsageQuery(start, end, form, lang)


def _date(value: Mapping[str, str], name: str) -> dt.date | None:
    if name not in value:
        return None
    text = value[name]
    try:
        day = dt.date.fromisoformat(text) if ISO_DATE.match(text) else None
    except ValueError:  # 2026-02-30 and the like
        day = None
    if day is None:
        raise InvalidRequest(f"{name} must be a date written YYYY-MM-DD, such as 2026-03-01.", field=name)
    if not EARLIEST <= day <= LATEST:
        raise InvalidRequest(f"{name} must be a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}.",
                             field=name)
    return day
