"""The counts ../shared/corpus/SOURCES.md lists for each .docx and .xlsx, read from its tables."""
from __future__ import annotations

import re
from pathlib import Path

_DOCX_ROW = re.compile(r"^\| `(?P<name>[^`]+\.docx)` \|.*\| (?P<paragraphs>\d+) paragraphs, (?P<tables>\d+) tables, "
                       r"(?P<sections>\d+) sections, (?P<pictures>\d+) inline pictures(?:, (?P<comments>\d+) comments)? \|$")
_XLSX_ROW = re.compile(r"^\| `(?P<name>[^`]+\.xlsx)` \|.*\| (?P<sheets>\d+) sheets \((?P<names>.*)\), "
                       r"(?P<cells>\d+) non-empty cells, max_row \[(?P<max_row>[\d, ]*)\] \|$")


def docx_counts(corpus: Path) -> dict[str, dict[str, int]]:
    """{file: {paragraphs, tables, sections, pictures, comments}}: python-docx 1.2.0's counts (comments 0 when
    the row names none)."""
    rows = {}
    for line in (corpus / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if match := _DOCX_ROW.match(line):
            rows[match["name"]] = {key: int(match[key] or 0) for key in
                                   ("paragraphs", "tables", "sections", "pictures", "comments")}
    return rows


def xlsx_counts(corpus: Path) -> dict[str, dict]:
    """{file: {sheets, names, cells, max_row}}: openpyxl 3.1.5's counts with load_workbook's defaults (formulas
    loaded as formulas), non-empty cells of the worksheets, max_row of each worksheet."""
    rows = {}
    for line in (corpus / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if match := _XLSX_ROW.match(line):
            rows[match["name"]] = {"sheets": int(match["sheets"]), "names": match["names"].split(", "),
                                   "cells": int(match["cells"]),
                                   "max_row": [int(n) for n in match["max_row"].split(", ") if n]}
    return rows
