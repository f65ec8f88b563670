"""The usage report's daily columns, its CSV export, and the guard against spreadsheet formula injection.

Pure: a report (server.governance.usage.report) in, bytes out. Users appear only under the report's
pseudonyms; nothing here sees an object id or a UPN.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from server.governance.usage_labels import Labels

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"); fullwidth forms
# included, since some spreadsheet programs fold them to their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def formula_risk(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise_formula(text: str) -> str:
    """The text as a spreadsheet shows it and never evaluates it: a leading apostrophe where it could be a
    formula (the apostrophe is the spreadsheet convention for 'this is text')."""
    return "'" + text if formula_risk(text) else text


@dataclass(frozen=True)
class Column:
    name: str                                   # the CSV header: a machine name, the same in every language
    title: str                                  # the workbook header: words, in the workbook's language
    value: Callable[[dict], int | str | None]   # from one entry of report["days"]
    kind: str                                   # "day", "count" or "ms"


def _keys(days: list[dict], group: str) -> list[str]:
    """The keys of a per-day group in the order the report gives them (every day lists the same ones)."""
    seen: dict[str, None] = {}
    for day in days:
        seen.update(dict.fromkeys(day[group]))
    return list(seen)


def daily_columns(report: dict, labels: Labels | None = None) -> list[Column]:
    """The daily columns, titled in `labels`' language (English by default)."""
    words = labels or Labels()
    days = report["days"]
    columns = [Column("day", words["day"], lambda d: d["day"], "day"),
               Column("requests", words["requests"], lambda d: d["requests"], "count")]
    for action in _keys(days, "by_action"):
        columns.append(Column(f"action_{action}", words.format("requests.by", name=words.name("action", action)),
                              lambda d, a=action: d["by_action"].get(a, 0), "count"))
    for host in _keys(days, "by_host"):
        columns.append(Column(f"host_{host}", words.format("from.host", name=words.name("host", host)),
                              lambda d, h=host: d["by_host"].get(h, 0), "count"))
    columns += [
        Column("prompt_tokens", words["prompt_tokens"], lambda d: d["prompt_tokens"], "count"),
        Column("completion_tokens", words["completion_tokens"], lambda d: d["completion_tokens"], "count"),
        Column("total_tokens", words["total_tokens"], lambda d: d["prompt_tokens"] + d["completion_tokens"], "count"),
        Column("latency_p50_ms", words["latency.p50"], lambda d: d["latency_p50_ms"], "ms"),
        Column("latency_p95_ms", words["latency.p95"], lambda d: d["latency_p95_ms"], "ms"),
        Column("blocked", words["blocked"], lambda d: d["blocked"], "count"),
        Column("redacted", words["redacted"], lambda d: d["redacted"], "count"),
        Column("errors", words["errors"], lambda d: d["errors"], "count"),
    ]
    return columns


def export_filename(report: dict, extension: str) -> str:
    return f"drafter-usage-{report['from']}-{report['to']}.{extension}"


def usage_csv(report: dict) -> bytes:
    """One line per day under a header line; RFC 4180 (CRLF, fields quoted where needed), UTF-8. A day
    without completed jobs has empty latency cells. The header holds the columns' machine names, never
    translated: the CSV is for scripts, and a script must not break on the language its admin reads."""
    columns = daily_columns(report)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(column.name) for column in columns])
    for day in report["days"]:
        writer.writerow([_csv_cell(column.value(day)) for column in columns])
    return out.getvalue().encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)
