"""Workbooks and csv: every corpus .xlsx reads with its sheets, values as Excel shows them, caps noted."""
from __future__ import annotations

import datetime
import io
import warnings
import zipfile

import openpyxl
import pytest
from lxml import etree

from server.documents import Limits, extract
from server.documents.csv_reader import is_csv
from server.documents.xlsx_reader import cell_text
from server.errors import TooLarge, UnreadableDocument, UnsupportedType
from tests.corpus_sources import xlsx_counts

# file: sheet names in order (corpus/SOURCES.md, openpyxl 3.1.5), rows with cells per sheet (<row> elements
# with content: the count behind a cut note; a row of formatted empty cells counts)
CORPUS = {
    "DataTableCities.xlsx": (["Formula", "Table", "PivotTable"], [6, 15, 14]),
    "DataValidationEvaluations.xlsx": (["Sheet1"], [35]),
    "ExcelWithHyperlinks.xlsx": (["Sheet1", "Sheet2", "Sheet3"], [13, 0, 0]),
    "FormulaEvalTestData_Copy.xlsx": (["EverythingTests", "FinanceLibTests", "StatsLibTests", "misc"],
                                      [787, 34, 18, 12]),
    "NewStyleConditionalFormattings.xlsx": (["CF"], [17]),
    "any_sheets.xlsx": (["Visible", "Hidden", "VeryHidden", "Chart"], [4, 0, 0, 0]),
    "bug67784.xlsx": (["Sheet1"], [9]),
    "date_1904.xlsx": (["Sheet1"], [3]),
    "errors.xlsx": (["Feuil1", "Feuil2", "Feuil3"], [7, 0, 0]),
    "merged_range.xlsx": (["Sheet1", "Sheet2"], [4, 4]),
    "picture.xlsx": (["Sheet1", "Sheet2"], [0, 0]),
    "right-to-left.xlsx": (["English", "عربى"], [4, 4]),
    "simple-monthly-budget.xlsx": (["Simple Monthly Budget"], [22]),
}


def _corpus(corpus_dir, name: str) -> dict:
    return extract(name, (corpus_dir / "xlsx" / name).read_bytes())


def _workbook(rows: list[list], title: str = "Data", **options) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    for key, value in options.items():
        setattr(workbook, key, value)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_table_covers_every_corpus_workbook(corpus_dir):
    assert sorted(path.name for path in (corpus_dir / "xlsx").iterdir()) == sorted(CORPUS) == sorted(
        xlsx_counts(corpus_dir))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_workbook_sheets_and_row_paragraphs(corpus_dir, name):
    names, rows = CORPUS[name]
    result = _corpus(corpus_dir, name)
    assert result["kind"] == "xlsx"
    assert [sheet["name"] for sheet in result["sheets"]] == names
    assert [sheet["rows"] for sheet in result["sheets"]] == rows
    assert [sheet["id"] for sheet in result["sheets"]] == [f"s{n}" for n in range(1, len(names) + 1)]
    assert result["stats"]["sheets"] == len(names)
    assert result["stats"]["rows"] == sum(rows)
    # one heading per sheet, then its rows as "s<n>.r<row>", cited by the summarizer like any paragraph id
    headings = [p for p in result["paragraphs"] if p["level"] == 1]
    assert [p["id"] for p in headings] == [sheet["id"] for sheet in result["sheets"]]
    for sheet in result["sheets"]:
        row_ids = [p["id"] for p in result["paragraphs"] if p["id"].startswith(sheet["id"] + ".r")]
        assert len(row_ids) == sheet["shown_rows"] <= sheet["rows"]
        assert sheet["cut"] is None or sheet["type"] == "chart"
        assert (sheet["columns"] == 0) == (sheet["cells"] == 0)
        numbers = [int(i.split(".r")[1]) for i in row_ids]
        assert numbers == sorted(set(numbers))
        assert sheet["markdown"].count("\n") == (sheet["shown_rows"] and sheet["shown_rows"])
    assert all(p["text"] for p in result["paragraphs"])


_EMPTY_CACHED_FORMULAS = etree.XPath("//s:c[s:f][not(s:v[string-length() > 0]) and not(s:is)]",
                                    namespaces={"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"})


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_workbook_has_the_counts_sources_md_lists(corpus_dir, name):
    """SOURCES.md counts what openpyxl sees with load_workbook's defaults: sheets, non-empty cells (formulas
    count as formulas), each worksheet's max_row. The extraction shows the same sheets and rows and counts the
    same cells, less formulas whose cached result is empty (Excel shows nothing there)."""
    listed = xlsx_counts(corpus_dir)[name]
    path = corpus_dir / "xlsx" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on the extensions it drops
        reference = openpyxl.load_workbook(path)
    assert (len(reference.sheetnames), reference.sheetnames) == (listed["sheets"], listed["names"])
    assert sum(cell.value is not None for sheet in reference.worksheets for row in sheet.iter_rows()
               for cell in row) == listed["cells"]
    assert [sheet.max_row for sheet in reference.worksheets] == listed["max_row"]

    result = _corpus(corpus_dir, name)
    assert [sheet["name"] for sheet in result["sheets"]] == listed["names"]
    assert result["stats"]["sheets"] == listed["sheets"]
    with zipfile.ZipFile(path) as package:
        empty_formulas = sum(len(_EMPTY_CACHED_FORMULAS(etree.fromstring(package.read(part))))
                             for part in package.namelist() if part.startswith("xl/worksheets/sheet"))
    assert result["stats"]["cells"] == sum(s["cells"] for s in result["sheets"]) == listed["cells"] - empty_formulas
    worksheets = [sheet for sheet in result["sheets"] if sheet["type"] == "worksheet"]
    for sheet, max_row in zip(worksheets, listed["max_row"], strict=True):
        rows = [int(p["id"].split(".r")[1]) for p in result["paragraphs"] if p["id"].startswith(sheet["id"] + ".r")]
        # row ids are Excel's row numbers: the last one is max_row; an empty sheet (max_row 1) has none
        assert (rows[-1] if rows else 1) == max_row and bool(rows) == (sheet["cells"] > 0)


def test_hidden_and_chart_sheets_are_flagged(corpus_dir):
    sheets = {s["name"]: s for s in _corpus(corpus_dir, "any_sheets.xlsx")["sheets"]}
    assert [(s["hidden"], s["state"], s["type"]) for s in sheets.values()] == [
        (False, "visible", "worksheet"), (True, "hidden", "worksheet"), (True, "veryHidden", "worksheet"),
        (False, "visible", "chart")]
    assert sheets["Chart"]["cut"] == {"rows": 0, "columns": 0, "note": "A chart sheet: it has no cells."}


def test_merged_ranges_fill_the_first_column_of_each_row_they_span(corpus_dir):
    first, second = _corpus(corpus_dir, "merged_range.xlsx")["sheets"]
    assert first["merged_count"] == 9 and second["merged_count"] == 6
    assert "A1:A4" in second["merged"] and "F1:H4" in second["merged"]
    assert second["markdown"].splitlines() == [
        "| A1 | B1 | C1 |  | E1 | F1 |",
        "|---|---|---|---|---|---|",
        "| A1 | B1 | C1 |  | E1 | F1 |",  # row 2 sits in A1:A4, B1:B2, C1:D2, E1:E2, F1:H4
        "| A1 | B3 | C3 |  | E3 | F1 |",
        "| A1 | B4 | C3 |  | E4 | F1 |",
    ]


def test_dates_in_the_1904_date_system_are_iso_dates(corpus_dir):
    result = _corpus(corpus_dir, "date_1904.xlsx")
    texts = {p["id"]: p["text"] for p in result["paragraphs"]}
    # serials counted from 1904-01-01, not 1899-12-30: read in the 1900 system they would be four years early
    assert texts["s1.r1"] == "2021-01-01 | 15"
    assert texts["s1.r2"] == "2021-01-02 | 16"
    assert texts["s1.r3"] == "255:10:10 | 17"  # a duration in [h]:mm:ss


def test_error_values_are_text(corpus_dir):
    result = _corpus(corpus_dir, "errors.xlsx")
    assert [p["text"] for p in result["paragraphs"] if p["id"].startswith("s1.r")] == [
        "#DIV/0!", "#NAME?", "#VALUE!", "#NULL!", "#REF!", "#NUM!", "#N/A"]


def test_right_to_left_sheet_name_and_text(corpus_dir):
    result = _corpus(corpus_dir, "right-to-left.xlsx")
    assert result["sheets"][1]["name"] == "عربى"
    assert result["paragraphs"][5] == {"id": "s2", "text": "Sheet عربى", "style": "Heading 1", "level": 1,
                                       "list": False, "table": None, "sheet": "s2"}
    assert "| نص |" in result["sheets"][1]["markdown"]


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "TRUE"), (False, "FALSE"), (3, "3"), (3.0, "3"), (0.1 + 0.2, "0.3"), (-1.5, "-1.5"),
    (1e20, "1e+20"), (1234567.891, "1234567.891"), (datetime.datetime(2024, 2, 29), "2024-02-29"),
    (datetime.datetime(2024, 2, 29, 13, 5), "2024-02-29 13:05:00"), (datetime.date(2024, 1, 2), "2024-01-02"),
    (datetime.time(9, 30), "09:30:00"), (datetime.timedelta(hours=30, minutes=1), "30:01:00"),
    ("  padded ", "padded"), ("#DIV/0!", "#DIV/0!"), ("x" * 30, "x" * 19 + "…"),
])
def test_cell_text(value, text):
    assert cell_text(value, 20) == text


def test_a_50000_row_sheet_is_capped_with_a_note():
    rows = [["Id", "Name", "Amount", "Date"] + [f"extra {n}" for n in range(56)]]
    rows += [[n, f"name {n}", n * 1.25, datetime.date(2024, 1, 1) + datetime.timedelta(days=n % 365)]
             for n in range(1, 50_000)]
    result = extract("big.xlsx", _workbook(rows))
    sheet = result["sheets"][0]
    assert (sheet["rows"], sheet["columns"], sheet["shown_rows"]) == (50_000, 60, 2000)
    assert sheet["cut"] == {"rows": 48_000, "columns": 10, "note": (
        "Showing 2,000 of 50,000 rows and 50 of 60 columns: at most 2,000 rows are shown per sheet; "
        "at most 50 columns are shown per sheet.")}
    assert sheet["markdown"].count("\n") == 2000  # header, separator and 1,999 rows
    assert sheet["markdown"].splitlines()[0].count("|") == 51
    assert result["paragraphs"][2]["text"] == "1 | name 1 | 1.25 | 2024-01-02"
    assert result["paragraphs"][-1]["id"] == "s1.r2000"
    assert result["stats"]["cells"] == 60 + 4 * 49_999


def test_the_cell_cap_spans_sheets():
    workbook = openpyxl.Workbook(write_only=True)
    for title in ("One", "Two", "Three"):
        sheet = workbook.create_sheet(title)
        for n in range(10):
            sheet.append([n, n, n])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = extract("x.xlsx", buffer.getvalue(), limits=Limits(max_cells=45))
    assert [s["shown_rows"] for s in result["sheets"]] == [10, 5, 0]
    assert [s["rows"] for s in result["sheets"]] == [10, 10, 10]
    assert result["sheets"][1]["cut"]["note"].endswith("at most 45 cells are shown per file.")
    assert result["sheets"][2]["markdown"] == ""


def test_long_cells_are_cut():
    result = extract("x.xlsx", _workbook([["a" * 5000]]))
    assert result["paragraphs"][1]["text"] == "a" * 999 + "…"


@pytest.mark.parametrize(("name", "error", "fragment"), [
    ("54764.xlsx", UnreadableDocument, "declares a document type (DTD)"),
    ("protected_passtika.xlsx", UnreadableDocument, "password-protected"),
    ("invalid.xlsx", UnreadableDocument, "empty zip archive"),
    ("clusterfuzz-testcase-minimized-POIFuzzer-5040805309710336.xlsx", UnreadableDocument, "damaged"),
    ("issue_530.xlsx", UnreadableDocument, "backslashes"),  # calamine issue 530: not a valid OPC package
])
def test_bad_workbooks_get_a_clear_4xx(corpus_dir, name, error, fragment):
    with pytest.raises(error) as caught:
        extract(name, (corpus_dir / "bad" / name).read_bytes())
    assert 400 <= caught.value.status < 500 and fragment in caught.value.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def _with_part(package: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def test_an_entity_bomb_in_a_sheet_part_is_refused_before_any_parser_expands_it():
    package = _with_part(_workbook([["x"]]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    with pytest.raises(UnreadableDocument, match="document type"):
        extract("bomb.xlsx", package)


def test_formulas_with_an_empty_result_are_not_counted_as_cells_with_values():
    sheet = b"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="str"><f>""</f><v/></c><c r="B1" t="str"><f>""</f><v></v></c><c r="C1"><v>3</v></c>
<c r="D1" t="str"><f>" "</f><v xml:space="preserve"> </v></c></row></sheetData></worksheet>"""
    [result] = extract("f.xlsx", _with_part(_workbook([["x"]]), "xl/worksheets/sheet1.xml", sheet))["sheets"]
    assert (result["cells"], result["rows"]) == (2, 1)  # C1 and the space in D1


def test_a_malformed_sheet_part_is_a_422():
    package = _with_part(_workbook([["x"]]), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>")
    with pytest.raises(UnreadableDocument, match="malformed"):
        extract("broken.xlsx", package)


def test_a_workbook_without_its_workbook_part_is_a_422():
    package = _with_part(_workbook([["x"]]), "[Content_Types].xml", b"<Types/>")
    with pytest.raises(UnreadableDocument, match="could not be read as an Excel workbook"):
        extract("x.xlsx", package)


def test_legacy_xls_and_size_cap_still_refused():
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "Workbook".encode("utf-16-le") + b"\0" * 400
    with pytest.raises(UnsupportedType, match=r"save it as \.xlsx"):
        extract("old.xls", legacy)
    with pytest.raises(TooLarge):
        extract("x.xlsx", _workbook([["x"]]), limits=Limits(max_bytes=1000))


# ---- csv ----

@pytest.mark.parametrize(("filename", "text", "expected"), [
    ("data.csv", "just one line", True),
    ("data.TSV", "a\tb", True),
    ("notes.txt", "a,b\n1,2\n3,4\n", False),
    ("readme.md", "a,b\n1,2\n3,4\n", False),
    ("upload", "a;b;c\n1;2;3\n4;5;6\n", True),
    ("export.dat", "a\tb\n1\t2\n3\t4\n", True),
    ("letter", "Dear Ann, hello.\nThanks, Bob\n", False),  # two lines: too few to be sure
    ("letter", "Dear Ann,\nI write, as promised, about the plan.\nRegards\n", False),
])
def test_when_text_is_csv(filename, text, expected):
    assert is_csv(filename, text) is expected


def test_csv_becomes_one_sheet_with_quoted_fields_and_row_ids():
    text = 'Name;City;Note\n"Smith; J.";Paris;"two\nlines"\n\nDoe;Berlin;\n'
    result = extract("people.csv", text.encode("utf-8"))
    assert result["kind"] == "csv"
    (sheet,) = result["sheets"]
    assert (sheet["name"], sheet["delimiter"], sheet["rows"], sheet["columns"], sheet["cut"]) == (
        "people", ";", 3, 3, None)
    assert [(p["id"], p["text"]) for p in result["paragraphs"]] == [
        ("s1", "Sheet people"), ("s1.r1", "Name | City | Note"), ("s1.r2", "Smith; J. | Paris | two\nlines"),
        ("s1.r4", "Doe | Berlin")]
    assert sheet["markdown"].splitlines()[2] == "| Smith; J. | Paris | two lines |"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_csv_encodings_follow_text(encoding):
    result = extract("x.csv", "Städte,Zähler\nMünchen,1\nKöln,2\n".encode(encoding))
    assert result["paragraphs"][2]["text"] == "München | 1"


def test_csv_caps():
    text = "\n".join(",".join(str(n * 100 + c) for c in range(60)) for n in range(3000))
    result = extract("x.csv", text.encode(), limits=Limits(max_sheet_rows=100))
    sheet = result["sheets"][0]
    assert (sheet["rows"], sheet["columns"], sheet["shown_rows"]) == (3000, 60, 100)
    assert sheet["cut"]["rows"] == 2900 and sheet["cut"]["columns"] == 10


def test_a_csv_field_past_the_csv_module_limit_is_a_422():
    with pytest.raises(UnreadableDocument, match="CSV file could not be read"):
        extract("x.csv", b'a,"' + b"x" * 200_000 + b'"\n')
