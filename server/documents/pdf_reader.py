"""Text of a PDF, page by page, split into paragraphs whose ids name their page ("pg3.p2").

pypdf reads the file in its lenient mode (strict=False: real-world PDFs are often slightly broken) under a
pypdf Configuration scoped to this call (a context variable, so concurrent requests do not share it): every
decompression filter and the declared /Length of a stream are capped by Limits.max_pdf_stream_bytes, and
the external jbig2dec program is never run. Text comes from each page's content streams in reading order
(extract_text without layout mode); a PDF has no paragraph marks, so paragraphs are rebuilt from the lines
(see _paragraphs). Every failure pypdf can raise on damaged or fuzzed input becomes a 422 with a plain message.

Banner markings stand at the top and bottom of every page of a marked PDF; the first and last lines of each
page, as they are before paragraphs are rebuilt, go to the label (server.documents.labels) with the text's.
"""
from __future__ import annotations

import binascii
import io
import logging
import re
import struct
import zlib

from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

from server.errors import TooLarge, UnreadableDocument

from . import result
from .deadline import check_deadline
from .labels import document_label
from .limits import Limits

log = logging.getLogger(__name__)

PASSWORD_PROTECTED = "The PDF is password-protected (encrypted); remove the password and try again."
NO_TEXT = "The PDF has no text layer (scanned?); run OCR on it, or send the document it was made from."
DAMAGED = "The file could not be read as a PDF; it may be damaged or truncated."
TOO_BIG_INSIDE = "The PDF holds more data than this service reads (a stream, array or page tree past its limits)."

# What pypdf raises on damaged input besides its own errors: it parses with plain Python and lets these through.
_READ_ERRORS = (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError,
                LookupError, RecursionError, OverflowError, ZeroDivisionError, struct.error, zlib.error,
                binascii.Error, EOFError, NotImplementedError)
_BULLET = re.compile(r"^(?:[•◦▪‣·\-–*]|\d{1,3}[.)]|[a-z][.)])\s")
_LINE_END = re.compile(r"\r\n|\r|\n")
# A line shorter than this share of the page's long lines did not wrap: it ends its paragraph.
_SHORT_LINE_SHARE = 0.75
EDGE_LINES = 2  # lines at each end of a page where a header or footer (and its banner) stands


def read_pdf(data: bytes, limits: Limits) -> dict:
    """{kind: "pdf", paragraphs with ids "pg<page>.p<n>", tables: [], stats with pages}; raises typed errors."""
    stream_cap = limits.max_pdf_stream_bytes
    with apply_configuration(
        maximum_declared_stream_length=stream_cap,
        array_based_stream_maximum_output_length=stream_cap,
        zlib_maximum_output_length=stream_cap,
        lzw_maximum_output_length=stream_cap,
        run_length_maximum_output_length=stream_cap,
        brotli_maximum_output_length=stream_cap,
        jbig2_maximum_output_length=stream_cap,
        image_maximum_buffer_size=stream_cap,
        jbig2dec_binary=None,
        disable_legacy_handling=True,
    ):
        reader = _open(data)
        page_count = _page_count(reader, limits)
        paragraphs, edges = _read_pages(reader, page_count, limits)
    if not paragraphs:
        raise UnreadableDocument(NO_TEXT)
    document = result.document("pdf", paragraphs, [])
    document["stats"]["pages"] = page_count
    document["label"] = document_label(document, edges=edges)
    return document


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        # pypdf has already tried the empty user password; an owner-password-only file opens with it.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise UnreadableDocument(PASSWORD_PROTECTED)
    except (FileNotDecryptedError, DependencyError) as exc:
        # DependencyError: an encryption method (AES) that needs a crypto library this install lacks
        raise UnreadableDocument(PASSWORD_PROTECTED) from exc
    except LimitReachedError as exc:
        raise TooLarge(TOO_BIG_INSIDE) from exc
    except _READ_ERRORS as exc:
        log.info("pdf did not open: %s", type(exc).__name__)
        raise UnreadableDocument(DAMAGED) from exc
    return reader


def _page_count(reader: PdfReader, limits: Limits) -> int:
    try:
        count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise UnreadableDocument(PASSWORD_PROTECTED) from exc
    except LimitReachedError as exc:
        raise TooLarge(TOO_BIG_INSIDE) from exc
    except _READ_ERRORS as exc:
        log.info("pdf page tree unreadable: %s", type(exc).__name__)
        raise UnreadableDocument("The PDF's page list is damaged and could not be read.") from exc
    if count > limits.max_pdf_pages:
        raise TooLarge(f"The PDF has {count} pages; at most {limits.max_pdf_pages} are accepted.")
    if count == 0:
        raise UnreadableDocument("The PDF has no pages.")
    return count


def _read_pages(reader: PdfReader, page_count: int, limits: Limits) -> tuple[list[dict], list[str]]:
    """The paragraphs of every page, and the lines at the top and bottom of each."""
    paragraphs: list[dict] = []
    edges: list[str] = []
    characters = 0
    for number in range(1, page_count + 1):
        check_deadline()
        try:
            text = reader.pages[number - 1].extract_text(extraction_mode="plain")
        except FileNotDecryptedError as exc:
            raise UnreadableDocument(PASSWORD_PROTECTED) from exc
        except LimitReachedError as exc:
            raise TooLarge(TOO_BIG_INSIDE) from exc
        except _READ_ERRORS as exc:
            log.info("pdf page %d unreadable: %s", number, type(exc).__name__)
            raise UnreadableDocument(f"Page {number} of the PDF is damaged and could not be read.") from exc
        characters += len(text)
        if characters > limits.max_text_chars:
            raise TooLarge(f"The PDF holds more than {limits.max_text_chars:,} characters of text; "
                           "send a shorter part of it.")
        lines = [line for line in _LINE_END.split(text) if line.strip()]
        edges += lines[:EDGE_LINES] + lines[EDGE_LINES:][-EDGE_LINES:]
        for n, body in enumerate(_paragraphs(text), start=1):
            is_list = bool(_BULLET.match(body))
            style = "List Paragraph" if is_list else "Normal"
            paragraphs.append(dict(result.paragraph(n, body, style, 0, list_item=is_list), id=f"pg{number}.p{n}"))
    return paragraphs, edges


def _paragraphs(page_text: str) -> list[str]:
    """Paragraphs of one page's text, whose lines end where the PDF's text lines end.

    A line ends its paragraph when it is blank, when the next line is a list item, or when it is clearly
    shorter than the page's long lines (it did not wrap: a heading, or a paragraph's last line). A word
    hyphenated across lines is joined when the next line starts in lower case.
    """
    lines = [" ".join(line.split()) for line in _LINE_END.split(page_text.replace("\x00", ""))]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return []
    long_line = lengths[int(0.9 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        if not line:
            paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and current[-2:-1].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if len(line) < _SHORT_LINE_SHARE * long_line or _BULLET.match(following):
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return [p for p in paragraphs if p]
