"""Document extraction: uploaded bytes in, paragraphs with stable ids and tables out.

`extract(filename, data)` sniffs the type from the content (the extension only tells markdown from plain
text), applies the size and zip-bomb guards, and returns the shape in server/documents/result.py. Every
refusal is a typed error from server.errors: TooLarge (413), UnsupportedType (415), UnreadableDocument (422).
"""
from __future__ import annotations

import logging

from server.errors import TooLarge, UnreadableDocument

from . import result
from .csv_reader import is_csv, read_csv
from .deadline import reading
from .docx_reader import read_docx
from .html_reader import read_html
from .labels import document_label
from .limits import Limits
from .pdf_reader import read_pdf
from .sniff import package_kind, sniff
from .text_reader import decode_text, paragraphs_from_text
from .xlsx_reader import read_xlsx
from .zipguard import check_parsed_xml, open_package

__all__ = ["Limits", "extract", "paragraphs_from_text"]

log = logging.getLogger(__name__)

MARKDOWN_EXTENSIONS = (".md", ".markdown")
HTML_EXTENSIONS = (".htm", ".html")  # a hint, like .md: HTML is also sniffed from its start
OOXML_KINDS = ("docx", "xlsx")  # zip packages whose custom properties can hold a MIP label


def _xlsx_parsed_whole(name: str) -> bool:
    """The workbook parts openpyxl reads into memory at once; sheets are streamed."""
    return name.rsplit("/", 1)[-1].lower() in ("workbook.xml", "styles.xml", "sharedstrings.xml")


def extract(filename: str, data: bytes, *, limits: Limits | None = None) -> dict:
    """{kind, paragraphs, tables, sheets, label, stats} of one uploaded file, read within limits.max_seconds
    (server/documents/deadline.py); `label` is its sensitivity label and markings (labels.py) or None."""
    limits = limits or Limits()
    with reading(limits.max_seconds):
        document = _extract(filename, data, limits=limits)
        if document.get("label") is None:
            package = data if document.get("kind") in OOXML_KINDS else None
            document["label"] = document_label(document, package)
    return document


def _extract(filename: str, data: bytes, *, limits: Limits | None = None) -> dict:
    """The extraction result of one file, before its label; kind is docx, text or markdown."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise TooLarge(f"The file is {len(data) // 1024} kB; at most {limits.max_bytes // 1024} kB are accepted.")
    if not data:
        raise UnreadableDocument("The file is empty.")
    sniffed = sniff(data)
    if sniffed == "pdf":
        return read_pdf(data, limits)
    if sniffed == "zip":
        with open_package(data, limits) as package:
            kind = package_kind(package.namelist())
            # python-docx parses every part of a .docx whole; openpyxl, as xlsx_reader drives it, these three
            check_parsed_xml(package, limits, _xlsx_parsed_whole if kind == "xlsx" else None)
        log.debug("extracting a %s package of %d bytes", kind, len(data))
        if kind == "xlsx":
            return read_xlsx(data, limits)
        return read_docx(data, limits)
    text = decode_text(data)
    if sniffed == "html" or (filename or "").lower().endswith(HTML_EXTENSIONS):
        return read_html(text, limits)
    if is_csv(filename, text):
        return read_csv(text, limits, filename)
    kind = "markdown" if (filename or "").lower().endswith(MARKDOWN_EXTENSIONS) else "text"
    return result.document(kind, paragraphs_from_text(text, limits), [])
