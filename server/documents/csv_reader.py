"""Comma-, semicolon- or tab-separated text as one sheet, with the same caps and shape as an .xlsx sheet.

When text is csv: the content is text first (decoded like any text file, server/documents/text_reader.py);
then a name ending in .csv or .tsv makes it csv, and so does a name with no extension or an unknown one when
the structure is clear: at least three records among the first twenty lines, every one with the same number
(two or more) of fields for one delimiter. A .txt, .md or .markdown name stays text whatever its content, so
prose with commas is never read as a table. The delimiter is the one that gives the most fields consistently
(comma, semicolon as in European Excel exports, tab, pipe); quoted fields follow RFC 4180.
"""
from __future__ import annotations

import csv
import io
import itertools
import logging
import os

from server.errors import UnreadableDocument

from .deadline import check_deadline
from .limits import Limits
from .xlsx_reader import cut_note, sheet_result, workbook_result

log = logging.getLogger(__name__)

CSV_EXTENSIONS = (".csv", ".tsv")
TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown")
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 20
_MIN_RECORDS = 3
_CHECK_EVERY = 1024


def is_csv(filename: str | None, text: str) -> bool:
    """True when decoded text is to be read as csv (see the module docstring)."""
    name = (filename or "").lower()
    if name.endswith(CSV_EXTENSIONS):
        return True
    if name.endswith(TEXT_EXTENSIONS):
        return False
    return _consistent_delimiter(text) is not None


def read_csv(text: str, limits: Limits, filename: str | None = None) -> dict:
    """One sheet "s1" named after the file; its rows are the records with a value, numbered by record."""
    delimiter = _consistent_delimiter(text) or _widest_delimiter(text)
    shown: list[tuple[int, dict[int, str]]] = []
    rows = columns = cells = 0
    budget = min(limits.max_cells, limits.max_sheet_rows * limits.max_sheet_columns)
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number % _CHECK_EVERY == 0:
                check_deadline()
            filled = [index for index, field in enumerate(record, start=1) if field.strip()]
            if not filled:
                continue
            rows += 1
            cells += len(filled)
            columns = max(columns, filled[-1])
            if len(shown) < limits.max_sheet_rows and budget > 0:
                values = {index: _capped(record[index - 1].strip(), limits.max_cell_chars)
                          for index in filled if index <= limits.max_sheet_columns}
                if values:
                    shown.append((number, values))
                    budget -= len(values)
    except csv.Error as exc:
        log.info("csv did not parse: %s", type(exc).__name__)
        raise UnreadableDocument(f"The CSV file could not be read: {exc}.") from exc
    cut = cut_note(rows, columns, len(shown), limits, budget <= 0)
    entry, paragraphs = sheet_result(1, sheet_name(filename), shown, rows=rows, columns=columns, cells=cells, cut=cut)
    entry["delimiter"] = delimiter
    return workbook_result("csv", [entry], paragraphs)


def sheet_name(filename: str | None) -> str:
    stem = os.path.splitext(os.path.basename(filename or ""))[0]
    return stem or "CSV"


def _consistent_delimiter(text: str) -> str | None:
    """The delimiter that splits every sampled record into the same number (>= 2) of fields, the widest wins."""
    sample = _sample(text)
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if len(records) < _MIN_RECORDS:
            continue
        widths = {len(record) for record in records[:_SAMPLE_LINES]}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = delimiter, width
    return best


def _widest_delimiter(text: str) -> str:
    """For a .csv without a consistent structure: the delimiter most frequent in the first line."""
    first_line = _sample(text).split("\n", 1)[0]
    return max(DELIMITERS, key=first_line.count) if any(d in first_line for d in DELIMITERS) else ","


def _sample(text: str) -> str:
    # The first lines only (a quoted field may span lines; a cut record at the end is dropped by the caller's
    # consistency rule at worst).
    lines = itertools.islice(io.StringIO(text[: 64 * 1024], newline=""), _SAMPLE_LINES + 1)
    sample = list(lines)
    if len(sample) > _SAMPLE_LINES:
        sample = sample[:_SAMPLE_LINES]
    return "".join(sample)


def _capped(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
