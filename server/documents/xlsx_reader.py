"""Sheets of an .xlsx as capped markdown tables, and their rows as paragraphs a summary can cite.

openpyxl reads the workbook (shared strings, styles, the 1900/1904 date system, sheet order and visibility)
and parses cells with cached values only (data_only: formulas are never evaluated). Its load_workbook is not
used: in read-only mode it scans every sheet from the top for a <dimension> element before anything is read,
which for a sheet without one (openpyxl's own write-only output) means parsing the whole sheet once more.
openpyxl 3.1 is pinned, so its ExcelReader steps and WorkSheetParser are used directly.

Each sheet is read twice, both times streaming: a byte scan (see `_scan`) counts rows, cells and columns and
collects merged ranges, which come after the cells in the sheet XML; then openpyxl's parser yields cells only
until the row, column and cell caps are reached, so memory follows the caps, not the sheet. A merged range's value fills the first column of every row
it spans, so each row reads on its own when cited; the range's other columns stay empty, as a spanned cell.

No XML part may declare a document type (server.documents.zipguard refuses any package whose parts do, before
this reader runs): so no entity is ever expanded, though openpyxl parses with the standard library's expat.
"""
from __future__ import annotations

import datetime
import io
import logging
import re
import warnings
import xml.parsers.expat
import zipfile

from lxml import etree
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from server.errors import UnreadableDocument, UnsupportedType

from .deadline import check_deadline
from .limits import Limits
from .result import rows_to_markdown

log = logging.getLogger(__name__)

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_MAX_MERGES = 10_000  # merged ranges kept per sheet; further ones are counted, not applied
_CHECK_EVERY = 256  # rows between deadline checks
_READ_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError, LookupError, OSError, EOFError,
                etree.LxmlError, zipfile.BadZipFile, xml.parsers.expat.ExpatError, SyntaxError, RecursionError)


def read_xlsx(package: bytes, limits: Limits) -> dict:
    """The extraction result for an .xlsx whose zip has already passed server.documents.zipguard."""
    archive = _normalized_zip(package)
    with warnings.catch_warnings():
        # openpyxl warns about every extension it drops (data validation, conditional formats, ...); none matter
        warnings.simplefilter("ignore")
        try:
            reader = _open_workbook(archive)
        except (UnreadableDocument, UnsupportedType):
            raise
        except _READ_ERRORS as exc:
            log.info("xlsx workbook did not open: %s", type(exc).__name__)
            raise UnreadableDocument("The file could not be read as an Excel workbook; it may be damaged.") from exc
        try:
            return _Workbook(reader, archive, limits).read()
        except (UnreadableDocument, UnsupportedType):
            raise
        except _READ_ERRORS as exc:
            log.info("xlsx sheet could not be read: %s", type(exc).__name__)
            raise UnreadableDocument("The workbook's content is malformed and could not be read.") from exc


def _normalized_zip(package: bytes) -> zipfile.ZipFile:
    """The package with part names as openpyxl looks them up ("xl/...", never "/xl/...")."""
    archive = zipfile.ZipFile(io.BytesIO(package))
    archive.NameToInfo = {info.filename.lstrip("/"): info for info in archive.infolist()}
    for info in archive.infolist():
        info.filename = info.filename.lstrip("/")
    return archive


def _open_workbook(archive: zipfile.ZipFile) -> ExcelReader:
    """openpyxl's load_workbook steps that matter for values, without its per-sheet dimension scan."""
    reader = ExcelReader.__new__(ExcelReader)
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read_only, reader.keep_vba, reader.data_only = True, False, True
    reader.keep_links, reader.rich_text = False, False
    reader.shared_strings = []
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(archive, reader.wb)
    return reader


class _Workbook:
    def __init__(self, reader: ExcelReader, archive: zipfile.ZipFile, limits: Limits):
        self.reader = reader
        self.archive = archive
        self.limits = limits
        self.cells_left = limits.max_cells
        self.sheets: list[dict] = []
        self.paragraphs: list[dict] = []

    def read(self) -> dict:
        names = set(self.archive.namelist())
        for number, (sheet, rel) in enumerate(self.reader.parser.find_sheets(), start=1):
            check_deadline()
            state = sheet.state or "visible"
            if "chartsheet" in (rel.Type or ""):
                self._add(number, sheet.name, state, "chart", None)
            elif rel.target not in names:
                self._add(number, sheet.name, state, "missing", None)
            else:
                self._add(number, sheet.name, state, "worksheet", rel.target)
        return workbook_result("xlsx", self.sheets, self.paragraphs)

    def _add(self, number: int, name: str, state: str, sheet_type: str, path: str | None) -> None:
        if path is None:
            note = "A chart sheet: it has no cells." if sheet_type == "chart" else "The sheet's part is missing."
            entry, paragraphs = sheet_result(number, name, [], rows=0, columns=0, cells=0,
                                             cut={"rows": 0, "columns": 0, "note": note})
        else:
            scan = _scan(self.archive, path)
            if not scan.cells:
                scan.columns = 0  # an empty sheet's <dimension> still says "A1"
            shown = self._shown_rows(path, scan)
            last_column = max((max(values) for _, values in shown), default=0)
            cut = cut_note(scan.rows, scan.columns, len(shown), self.limits, self.cells_left <= 0)
            entry, paragraphs = sheet_result(number, name, shown, rows=scan.rows, columns=scan.columns,
                                             cells=scan.cells, cut=cut)
            entry["merged"] = [_range_text(merge) for merge in scan.merges[:100]]
            entry["merged_count"] = scan.merge_count
            log.debug("sheet %d: %d rows, %d shown up to column %d", number, scan.rows, len(shown), last_column)
        entry.update(type=sheet_type, state=state, hidden=state != "visible")
        self.sheets.append(entry)
        self.paragraphs += paragraphs

    def _shown_rows(self, path: str, scan: _Scan) -> list[tuple[int, dict[int, str]]]:
        """(row number, {column: text}) of the rows with values, up to the caps; merged values filled down."""
        limits = self.limits
        vertical = _vertical_merges_by_top(scan.merges)
        fills: dict[int, list[tuple[int, str]]] = {}  # row: [(column, text of its range's top-left cell)]
        shown: list[tuple[int, dict[int, str]]] = []
        if self.cells_left <= 0:
            return shown
        wb = self.reader.wb
        with self.archive.open(path) as source:
            parser = WorkSheetParser(source, self.reader.shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for count, (row_number, cells) in enumerate(parser.parse(), start=1):
                if count % _CHECK_EVERY == 0:
                    check_deadline()
                values = {}
                for cell in cells:
                    column = cell["column"]
                    if column > limits.max_sheet_columns:
                        break
                    text = cell_text(cell["value"], limits.max_cell_chars)
                    if text:
                        values[column] = text
                for column, text in fills.pop(row_number, ()):
                    values.setdefault(column, text)
                for left, bottom in vertical.get(row_number, ()):
                    if left in values:
                        for below in range(row_number + 1, min(bottom, row_number + limits.max_sheet_rows) + 1):
                            fills.setdefault(below, []).append((left, values[left]))
                if not values:
                    continue
                shown.append((row_number, values))
                self.cells_left -= len(values)
                if len(shown) >= limits.max_sheet_rows or self.cells_left <= 0:
                    break
        return shown


class _Scan:
    __slots__ = ("rows", "columns", "cells", "merges", "merge_count", "dimension")

    def __init__(self):
        self.rows = self.columns = self.cells = self.merge_count = 0
        self.merges: list[tuple[int, int, int, int]] = []  # (first row, first column, last row, last column)
        self.dimension = False


class _Tags:
    """Byte patterns of the sheet's tags, with the prefix its root element uses for the main namespace."""

    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.row_end = b"</" + prefix + b"row>"
        self.values = (b"<" + prefix + b"v>", b"<" + prefix + b"v ", b"<" + prefix + b"is>")
        self.empty_value = b"<" + prefix + b"v></" + prefix + b"v>"  # a formula's empty result, as <v/> is
        self.merge = b"<" + prefix + b"mergeCell"
        self.merge_ref = re.compile(rb"<" + p + rb"mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']+)")
        self.dimension = re.compile(rb"<" + p + rb"dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']+)")
        self.cell_column = re.compile(rb"<" + p + rb"c\s[^>]*?\br\s*=\s*[\"']\$?([A-Z]{1,3})[0-9]")


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_SCAN_CHUNK = 1024 * 1024
_MAX_CARRY = 64 * 1024


def _scan(archive: zipfile.ZipFile, path: str) -> _Scan:
    """Counts and merged ranges from the sheet XML's bytes, streamed in 1 MB steps: rows with cells (their end
    tags), cells with values (<v>, <is>), the used width (<dimension>, else the rightmost cell reference) and
    <mergeCell ref>. A byte scan, not a parse: about ten times faster than lxml here, and these figures only
    describe what the caps leave out (openpyxl parses the cells that are shown). Tags split between two steps
    are carried over; Office writes no comments or CDATA in sheet XML that could hold look-alike tags."""
    scan = _Scan()
    with archive.open(path) as source:
        chunk = source.read(_SCAN_CHUNK)
        root = _ROOT.search(chunk)
        tags = _Tags(root.group(1) or b"" if root else b"")
        carry = b""
        while chunk or carry:
            check_deadline()
            data = carry + chunk
            cut = data.rfind(b"<") if chunk else -1
            if cut < 0 or len(data) - cut > _MAX_CARRY:
                body, carry = data, b""
            else:
                body, carry = data[:cut], data[cut:]
            _count(body, tags, scan)
            chunk = source.read(_SCAN_CHUNK) if chunk else b""
    return scan


def _count(body: bytes, tags: _Tags, scan: _Scan) -> None:
    scan.rows += body.count(tags.row_end)
    scan.cells += sum(body.count(tag) for tag in tags.values) - body.count(tags.empty_value)
    if not scan.dimension and (dimension := tags.dimension.search(body)):
        scan.dimension = True
        ref = dimension.group(1).decode("ascii", "replace").split(":")[-1]
        scan.columns = max(scan.columns, _column(ref))
    if not scan.dimension:
        letters = set(tags.cell_column.findall(body))
        if letters:
            widest = max(letters, key=lambda text: (len(text), text))
            scan.columns = max(scan.columns, column_index_from_string(widest.decode("ascii")))
    if tags.merge in body:
        for match in tags.merge_ref.finditer(body):
            merge = _parse_range(match.group(1).decode("ascii", "replace"))
            if merge is not None:
                scan.merge_count += 1
                if len(scan.merges) < _MAX_MERGES:
                    scan.merges.append(merge)


def _column(ref: str | None) -> int:
    match = _REF.match(ref or "")
    return column_index_from_string(match.group(1).upper()) if match else 0


def _parse_range(ref: str | None) -> tuple[int, int, int, int] | None:
    parts = (ref or "").split(":")
    if len(parts) != 2:
        return None
    first, last = _REF.match(parts[0]), _REF.match(parts[1])
    if not first or not last:
        return None
    top, left = int(first.group(2)), column_index_from_string(first.group(1).upper())
    bottom, right = int(last.group(2)), column_index_from_string(last.group(1).upper())
    if bottom < top or right < left:
        return None
    return top, left, bottom, right


def _range_text(merge: tuple[int, int, int, int]) -> str:
    top, left, bottom, right = merge
    return f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"


def _vertical_merges_by_top(merges: list[tuple[int, int, int, int]]) -> dict[int, list[tuple[int, int]]]:
    """{top row: [(first column, last row)]} of the merged ranges that span more than one row."""
    by_top: dict[int, list[tuple[int, int]]] = {}
    for top, left, bottom, _right in merges:
        if bottom > top:
            by_top.setdefault(top, []).append((left, bottom))
    return by_top


def sheet_result(number: int, name: str, shown: list[tuple[int, dict[int, str]]], *, rows: int, columns: int,
                 cells: int, cut: dict | None) -> tuple[dict, list[dict]]:
    """A sheet entry of the result, and its paragraphs: a heading "s<n>", then one per shown row, "s<n>.r<row>",
    where <row> is the spreadsheet's own row number (the line number for .csv), so a citation can be found."""
    sheet_id = f"s{number}"
    first_column = min((min(values) for _, values in shown), default=1)
    last_column = max((max(values) for _, values in shown), default=0)
    grid = [[values.get(column, "") for column in range(first_column, last_column + 1)] for _, values in shown]
    entry = {"id": sheet_id, "name": name, "type": "worksheet", "state": "visible", "hidden": False,
             "rows": rows, "columns": columns, "cells": cells, "shown_rows": len(shown),
             "markdown": rows_to_markdown(grid), "merged": [], "merged_count": 0, "cut": cut}
    paragraphs = [_sheet_paragraph(sheet_id, f"Sheet {name}", "Heading 1", 1, sheet_id)]
    for row_number, values in shown:
        text = " | ".join(values[column] for column in sorted(values))
        paragraphs.append(_sheet_paragraph(f"{sheet_id}.r{row_number}", text, "Normal", 0, sheet_id))
    return entry, paragraphs


def workbook_result(kind: str, sheets: list[dict], paragraphs: list[dict]) -> dict:
    return {
        "kind": kind,
        "paragraphs": paragraphs,
        "tables": [],
        "sheets": sheets,
        "label": None,
        "stats": {
            "paragraphs": len(paragraphs),
            "tables": 0,
            "words": sum(len(p["text"].split()) for p in paragraphs),
            "characters": sum(len(p["text"]) for p in paragraphs),
            "sheets": len(sheets),
            "rows": sum(sheet["rows"] for sheet in sheets),
            "cells": sum(sheet["cells"] for sheet in sheets),
        },
    }


def _sheet_paragraph(paragraph_id: str, text: str, style: str, level: int, sheet_id: str) -> dict:
    return {"id": paragraph_id, "text": text, "style": style, "level": level, "list": False, "table": None,
            "sheet": sheet_id}


def cut_note(rows: int, columns: int, shown_rows: int, limits: Limits, budget_spent: bool) -> dict | None:
    """{rows, columns, note} of what the caps left out of a sheet, or None when all of it is shown."""
    capped = shown_rows >= limits.max_sheet_rows or budget_spent
    cut_rows = max(rows - shown_rows, 0) if capped else 0  # rows of empty formatted cells are not "cut"
    cut_columns = max(columns - limits.max_sheet_columns, 0)
    if not cut_rows and not cut_columns:
        return None
    reasons = []
    if shown_rows >= limits.max_sheet_rows:
        reasons.append(f"at most {limits.max_sheet_rows:,} rows are shown per sheet")
    elif cut_rows and budget_spent:
        reasons.append(f"at most {limits.max_cells:,} cells are shown per file")
    if cut_columns:
        reasons.append(f"at most {limits.max_sheet_columns} columns are shown per sheet")
    note = f"Showing {shown_rows:,} of {rows:,} rows"
    if cut_columns:
        note += f" and {limits.max_sheet_columns} of {columns} columns"
    return {"rows": cut_rows, "columns": cut_columns, "note": f"{note}: {'; '.join(reasons)}."}


def cell_text(value, max_chars: int) -> str:
    """A cell's cached value as text: dates as ISO dates, numbers plainly, TRUE/FALSE, errors as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, datetime.datetime):
        text = value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    elif isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
    elif isinstance(value, datetime.timedelta):
        seconds = int(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        text = f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    else:
        text = str(value).strip()
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
