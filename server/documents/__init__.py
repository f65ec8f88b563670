"""Document extraction: uploaded bytes in, paragraphs with stable ids and tables out.

`extract(filename, data)` sniffs the type from the content (the extension only tells markdown from plain
text), applies the size and zip-bomb guards, and returns the shape in server/documents/result.py. Every
refusal is a typed error from server.errors: TooLarge (413), UnsupportedType (415), UnreadableDocument (422).
"""
from __future__ import annotations

import logging

from server.errors import TooLarge, UnreadableDocument

from . import result
from .docx_reader import read_docx
from .limits import Limits
from .sniff import package_kind, sniff
from .text_reader import decode_text, paragraphs_from_text
from .zipguard import open_package

__all__ = ["Limits", "extract", "paragraphs_from_text"]

log = logging.getLogger(__name__)

MARKDOWN_EXTENSIONS = (".md", ".markdown")


def extract(filename: str, data: bytes, *, limits: Limits | None = None) -> dict:
    """{kind, paragraphs, tables, sheets, label, stats} of one uploaded file; kind is docx, text or markdown."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise TooLarge(f"The file is {len(data) // 1024} kB; at most {limits.max_bytes // 1024} kB are accepted.")
    if not data:
        raise UnreadableDocument("The file is empty.")
    if sniff(data) == "zip":
        with open_package(data, limits) as package:
            kind = package_kind(package.namelist())
        log.debug("extracting a %s package of %d bytes", kind, len(data))
        return read_docx(data)
    text = decode_text(data)
    kind = "markdown" if (filename or "").lower().endswith(MARKDOWN_EXTENSIONS) else "text"
    return result.document(kind, paragraphs_from_text(text), [])
