"""Caps that keep one hostile or oversized upload from hurting the service."""
from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Every cap that extraction enforces; the defaults suit a 10 MB upload limit.

    max_bytes: size of the uploaded file itself.
    max_members: parts in a zip package (a docx with hundreds of images has a few hundred).
    max_uncompressed: sum of the parts' declared sizes, read from the zip's central directory.
    max_ratio: uncompressed / compressed size of one part; ordinary XML compresses 5-30:1, zip bombs 1000:1.
    ratio_floor: parts smaller than this skip the ratio check (tiny, repetitive XML compresses very well).
    max_xml_nodes, max_xml_bytes: elements and attributes (counted as "<" and quote pairs), and bytes, of the
        XML parts parsed whole into memory (all of a .docx's; an .xlsx's but its sheets, which are streamed).
        lxml spends 70-200 bytes a node, so these bound a document's memory, not the zip caps: a 10 MB .docx can
        hold 100 MB of XML. Word writes about 700 nodes a page (corpus stress011.docx: 27 pages, 33,000 nodes
        in all), so 400,000 is a report of about 550 pages.
    max_paragraphs: paragraphs listed from one file (a 300-page report has about 4,000).
    max_sheet_rows, max_sheet_columns: rows with values and columns shown per sheet (.xlsx, .csv); the rest is
        counted and noted as cut.
    max_cells: non-empty cells shown across all sheets of one workbook; later rows and sheets are only counted.
    max_cell_chars: text kept of one cell (Excel allows 32,767 characters).
    max_seconds: wall-clock time one file may take to read (server/documents/deadline.py); then 422.
    max_pdf_pages: pages in a PDF (counted from its page tree before any page is read).
    max_pdf_stream_bytes: one PDF stream, decompressed or declared (/Length); pypdf's own default is 75 MB.
    max_text_chars: characters of text extracted from one PDF, HTML or Word file (a 10 MB PDF of text holds ~3M).
    max_html_elements: start tags in one HTML file (a long Outlook thread has a few tens of thousands).
    """

    max_bytes: int = 10 * MIB
    max_members: int = 5000
    max_uncompressed: int = 100 * MIB
    max_ratio: int = 100
    ratio_floor: int = MIB
    max_xml_nodes: int = 400_000
    max_xml_bytes: int = 32 * MIB
    max_paragraphs: int = 50_000
    max_sheet_rows: int = 2000
    max_sheet_columns: int = 50
    max_cells: int = 100_000
    max_cell_chars: int = 1000
    max_seconds: float = 20.0
    max_pdf_pages: int = 2000
    max_pdf_stream_bytes: int = 20 * MIB
    max_text_chars: int = 5_000_000
    max_html_elements: int = 200_000
