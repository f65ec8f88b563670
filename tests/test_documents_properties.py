"""Property tests of the document extractors (server/documents), with hypothesis.

Arbitrary bytes under any name, and mangled real packages, only ever end in the typed 4xx errors; generated
.docx, .xlsx (python-docx, openpyxl), .csv and .md give their text back. Bounded for CI: derandomized, no
example database.
"""
from __future__ import annotations

import csv
import io
import zipfile

import docx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.documents import extract
from server.errors import InvalidRequest, TooLarge, UnreadableDocument, UnsupportedType

BOUNDED = settings(max_examples=120, derandomize=True, database=None, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])
TYPED = (TooLarge, UnsupportedType, UnreadableDocument, InvalidRequest)
NAMES = st.sampled_from(["a.docx", "a.xlsx", "a.csv", "a.md", "a.txt", "a.pdf", "a.html", "a", "", "A.DOCX",
                         "x.markdown", "mail.htm", "notes.tsv"])
# text a document can hold and give back as written: printable, no surrounding or repeated spaces
WORD = st.text(st.characters(categories=("L", "N"), exclude_characters="\x00"), min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)


def read(name: str, data: bytes) -> dict | None:
    """The extraction, or None after a typed refusal; anything else fails the test."""
    try:
        return extract(name, data)
    except TYPED:
        return None


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@BOUNDED
@given(st.binary(max_size=2000), NAMES)
def test_arbitrary_bytes_under_any_name_only_meet_typed_refusals(data, name):
    result = read(name, data)
    assert result is None or isinstance(result.get("paragraphs"), list)


ZIP_PREFIX = st.sampled_from([b"PK\x03\x04", b"%PDF-1.7\n", b"<html><body>", b"\xef\xbb\xbf", b"\xff\xfe"])


@BOUNDED
@given(ZIP_PREFIX, st.binary(max_size=800), NAMES)
def test_bytes_that_start_like_a_known_type_only_meet_typed_refusals(prefix, rest, name):
    read(name, prefix + rest)


@BOUNDED
@given(st.lists(LINE, min_size=1, max_size=4), st.data())
def test_a_mangled_docx_only_meets_typed_refusals(paragraphs, data):
    original = docx_bytes(paragraphs)
    at = data.draw(st.integers(0, len(original) - 1))
    mangled = original[:at] + data.draw(st.binary(min_size=1, max_size=16)) + original[at + 16:]
    read("a.docx", mangled)
    read("a.docx", original[:at])  # truncated


@BOUNDED
@given(st.lists(LINE, min_size=1, max_size=6))
def test_a_generated_docx_gives_its_paragraphs_back(paragraphs):
    result = extract("report.docx", docx_bytes(paragraphs))
    assert result["kind"] == "docx"
    assert [p["text"] for p in result["paragraphs"]] == paragraphs


@BOUNDED
@given(st.lists(st.lists(LINE, min_size=1, max_size=4), min_size=1, max_size=5))
def test_a_generated_xlsx_gives_its_cells_back(rows):
    result = extract("sheet.xlsx", xlsx_bytes(rows))
    assert result["kind"] == "xlsx"
    text = " ".join(p["text"] for p in result["paragraphs"])
    assert all(cell in text for row in rows for cell in row)


@BOUNDED
@given(st.lists(st.lists(LINE, min_size=2, max_size=4), min_size=2, max_size=6))
def test_a_generated_csv_gives_its_cells_back(rows):
    width = len(rows[0])
    rows = [(row * width)[:width] for row in rows]  # one width, as a table has
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    result = extract("table.csv", buffer.getvalue().encode())
    text = " ".join(p["text"] for p in result["paragraphs"])
    assert all(cell in text for row in rows for cell in row)


@BOUNDED
@given(st.lists(LINE, min_size=1, max_size=6))
def test_generated_markdown_gives_its_paragraphs_back(paragraphs):
    result = extract("notes.md", "\n\n".join(paragraphs).encode())
    assert result["kind"] == "markdown"
    assert [p["text"] for p in result["paragraphs"]] == paragraphs


def test_a_zip_that_is_not_an_office_package_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hello.txt", "hi")
    assert read("a.docx", buffer.getvalue()) is None
