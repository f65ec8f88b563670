"""The usage report as an Excel workbook (openpyxl): Summary, Daily and Users sheets and native charts.

Pure: a report (server.governance.usage.report, with the tenant it covers as `tenant_id`) and a language
(usage_labels: English or French sheet names, headers, chart titles and words) in, .xlsx bytes out. Summary: the range, totals, top presets and errors, and charts of requests, tokens and latency drawn
from the Daily sheet. Daily: one row per day (usage_export.daily_columns). Users: pseudonyms only.
Text that a spreadsheet could take for a formula is written as a text cell, never as a formula.
"""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.governance.usage_export import Column, daily_columns, formula_risk
from server.governance.usage_labels import Labels

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0F6CBD")  # the pane's brand blue; white on it is 5.6:1
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
SECTION_FONT = Font(bold=True, size=12)
TITLE_FONT = Font(bold=True, size=14)
COUNT_FORMAT = "#,##0"
MS_FORMAT = '#,##0" ms"'
DAY_FORMAT = "yyyy-mm-dd"
CHART_WIDTH_CM, CHART_HEIGHT_CM = 18, 7.5

# (label key, totals key)
TOTALS = (("requests", "requests"), ("prompt_tokens", "prompt_tokens"), ("completion_tokens", "completion_tokens"),
          ("blocked.policy", "blocked"), ("redacted", "redacted"), ("errors", "errors"), ("users", "users"))
# (label key, width)
USER_COLUMNS = (("user", 26), ("tenant", 38), ("requests", 12), ("prompt_tokens", 15), ("completion_tokens", 15),
                ("total_tokens", 15))


def usage_xlsx(report: dict, language: str = "en") -> bytes:
    words = Labels(language)
    workbook = Workbook()
    summary = workbook.active
    summary.title = words["sheet.summary"]
    daily = workbook.create_sheet(words["sheet.daily"])
    users = workbook.create_sheet(words["sheet.users"])
    columns = daily_columns(report, words)
    _daily_sheet(daily, report, columns)
    _users_sheet(users, report, words)
    _summary_sheet(summary, report, words)
    _charts(summary, daily, report, columns, words)
    workbook.properties.title = words.format("workbook.title", start=report["from"], end=report["to"])
    workbook.properties.language = language
    workbook.properties.creator = "Drafter"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(sheet: Worksheet, row: int, column: int, value: str):
    """A text cell: control characters a workbook cannot hold removed, and never a formula."""
    cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    if formula_risk(cell.value):
        cell.data_type = "s"  # openpyxl makes a leading "=" a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def _number(sheet: Worksheet, row: int, column: int, value, number_format: str = COUNT_FORMAT):
    cell = sheet.cell(row=row, column=column, value=value)
    cell.number_format = number_format
    return cell


def _header(sheet: Worksheet, row: int, titles) -> None:
    for index, title in enumerate(titles, start=1):
        cell = _text(sheet, row, index, title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT


def _widths(sheet: Worksheet, widths) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _daily_sheet(sheet: Worksheet, report: dict, columns: list[Column]) -> None:
    _header(sheet, 1, [column.title for column in columns])
    for row, day in enumerate(report["days"], start=2):
        for index, column in enumerate(columns, start=1):
            value = column.value(day)
            if column.kind == "day":
                _number(sheet, row, index, dt.date.fromisoformat(value), DAY_FORMAT)
            elif value is not None:
                _number(sheet, row, index, value, MS_FORMAT if column.kind == "ms" else COUNT_FORMAT)
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "B2"  # the header row and the day column stay in view
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(report['days']) + 1}"
    _widths(sheet, [12] + [max(10, min(18, len(column.title) + 2)) for column in columns[1:]])


def _users_sheet(sheet: Worksheet, report: dict, words: Labels) -> None:
    _header(sheet, 1, [words[key] for key, _ in USER_COLUMNS])
    for row, user in enumerate(report["users"], start=2):
        _text(sheet, row, 1, user["user"])
        _text(sheet, row, 2, user["tenant_id"])
        _number(sheet, row, 3, user["requests"])
        _number(sheet, row, 4, user["prompt_tokens"])
        _number(sheet, row, 5, user["completion_tokens"])
        _number(sheet, row, 6, user["prompt_tokens"] + user["completion_tokens"])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(USER_COLUMNS))}{len(report['users']) + 1}"
    _widths(sheet, [width for _, width in USER_COLUMNS])


def _summary_sheet(sheet: Worksheet, report: dict, words: Labels) -> None:
    """Title and range (frozen), then three tables one under the other: totals, top presets, errors."""
    _text(sheet, 1, 1, words["title"]).font = TITLE_FONT
    _text(sheet, 2, 1, words["from"])
    _number(sheet, 2, 2, dt.date.fromisoformat(report["from"]), DAY_FORMAT).alignment = Alignment(horizontal="left")
    _text(sheet, 3, 1, words["to"])
    _number(sheet, 3, 2, dt.date.fromisoformat(report["to"]), DAY_FORMAT).alignment = Alignment(horizontal="left")
    _text(sheet, 4, 1, words["tenant"])
    _text(sheet, 4, 2, str(report.get("tenant_id") or words["tenant.all"]))
    sheet.freeze_panes = "A6"

    row = 6
    _header(sheet, row, [words["totals.header"], words["count"]])
    totals = report["totals"]
    for label, key in TOTALS:
        row += 1
        _text(sheet, row, 1, words[label])
        _number(sheet, row, 2, totals[key])
    row += 1
    _text(sheet, row, 1, words["total_tokens"]).font = Font(bold=True)
    _number(sheet, row, 2, totals["prompt_tokens"] + totals["completion_tokens"]).font = Font(bold=True)

    row += 2
    _text(sheet, row, 1, words["presets"]).font = SECTION_FONT
    row += 1
    _header(sheet, row, [words["preset"], words["requests"]])
    for preset in report["top_presets"]:
        row += 1
        _text(sheet, row, 1, preset["preset"])
        _number(sheet, row, 2, preset["requests"])
    if not report["top_presets"]:
        row += 1
        _text(sheet, row, 1, words["presets.none"]).font = Font(italic=True)

    row += 2
    _text(sheet, row, 1, words["errors.title"]).font = SECTION_FONT
    row += 1
    _header(sheet, row, [words["outcome"], words["error_code"], words["count"]])
    for error in report["errors"]:
        row += 1
        _text(sheet, row, 1, words.name("outcome", error["outcome"]))  # in words, as the dashboard says it
        _text(sheet, row, 2, error["error_code"] or "")
        _number(sheet, row, 3, error["count"])
    if not report["errors"]:
        row += 1
        _text(sheet, row, 1, words["errors.none"]).font = Font(italic=True)
    _widths(sheet, [30, 22, 12])


def _column_index(columns: list[Column], name: str) -> int:
    return next(index for index, column in enumerate(columns, start=1) if column.name == name)


def _charts(summary: Worksheet, daily: Worksheet, report: dict, columns: list[Column], words: Labels) -> None:
    """Native Excel charts on the Summary sheet over the Daily sheet's cells (they follow edits there); each
    series is named by its header cell, so the legends are in the workbook's language too."""
    last = len(report["days"]) + 1
    days = Reference(daily, min_col=1, min_row=2, max_row=last)
    actions = [index for index, column in enumerate(columns, start=1) if column.name.startswith("action_")]
    requests = BarChart()
    requests.type, requests.grouping, requests.overlap = "col", "stacked", 100
    requests.title, requests.y_axis.title = words["chart.requests"], words["requests"]
    requests.add_data(Reference(daily, min_col=actions[0], max_col=actions[-1], min_row=1, max_row=last),
                      titles_from_data=True)
    requests.set_categories(days)

    tokens = _line_chart(words["chart.tokens"], words["chart.tokens.axis"], daily, days, last,
                         [_column_index(columns, "prompt_tokens"), _column_index(columns, "completion_tokens")])
    latency = _line_chart(words["chart.latency"], words["chart.latency.axis"], daily, days, last,
                          [_column_index(columns, "latency_p50_ms"), _column_index(columns, "latency_p95_ms")])
    for anchor, chart in (("E2", requests), ("E18", tokens), ("E34", latency)):
        chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
        chart.x_axis.title = words["chart.day.axis"]
        chart.x_axis.number_format = DAY_FORMAT
        chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
        chart.y_axis.delete = False
        chart.legend.position = "b"
        summary.add_chart(chart, anchor)


def _line_chart(title: str, axis: str, daily: Worksheet, days: Reference, last: int, indexes: list[int]) -> LineChart:
    chart = LineChart()
    chart.title, chart.y_axis.title = title, axis
    for index in indexes:
        chart.add_data(Reference(daily, min_col=index, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(days)
    return chart
