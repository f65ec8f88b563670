"""Plain text and markdown: decoding uploaded bytes, and splitting text into paragraphs with ids.

Paragraph rule: every line is one paragraph position, because text taken from Word (body.text, or the
pane's own join of paragraphs) separates Word paragraphs by single line ends; counting every line, blank
ones included, keeps "p<n>" equal to Word's n-th paragraph. Blank lines take a position but are not listed.
Only CR, LF and CRLF end a line: Word writes a manual line break (Shift+Enter) as a vertical tab, which stays
inside its paragraph as "\n". A markdown paragraph wrapped over several lines becomes several paragraphs;
for summaries and citations that is only finer grained. At most Limits.max_paragraphs paragraphs are listed:
10 MB of one-word lines would otherwise be millions of them, and a gigabyte of memory (413 instead).
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from server.errors import TooLarge, UnsupportedType

from .deadline import check_deadline
from .limits import Limits
from .markdown import HEADING_RE, LIST_ITEM_RE, QUOTE_RE
from .result import paragraph

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")  # control characters that no text file holds
_MAX_CONTROL_SHARE = 0.01
DEADLINE_EVERY = 256  # lines between two looks at the clock


def decode_text(data: bytes) -> str:
    """UTF-8 / UTF-16 / UTF-32 with a BOM, UTF-8 without; then Windows-1252, the usual legacy .txt encoding.

    Anything with NUL bytes or more than 1% control characters is binary and refused.
    """
    for bom, encoding in _BOMS:  # UTF-32-LE's BOM starts with UTF-16-LE's, so it is tried first
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise UnsupportedType(f"The file starts like {encoding.upper()} text but does not decode.") from exc
    for encoding in ("utf-8", "cp1252"):
        try:
            return _checked(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnsupportedType("The file is not a document or text this service reads (binary data).")


def paragraphs_from_text(text: str, limits: Limits | None = None) -> list[dict]:
    """Paragraphs of plain text or markdown: headings (#) become "Heading N" with level N, list items
    (-, *, +, 1.) "List Paragraph" with their marker removed, "> " lines "Quote", the rest "Normal" level 0."""
    most = (limits or Limits()).max_paragraphs
    paragraphs = []
    for position, line in enumerate(_lines(text), start=1):
        if position % DEADLINE_EVERY == 0:
            check_deadline()
        line = line.replace("\v", "\n").strip()
        if not line:
            continue
        if len(paragraphs) >= most:
            raise TooLarge(f"The text has more than {most:,} lines with words on them, more than is read at once; "
                           "split it into parts and send them one at a time.")
        if heading := HEADING_RE.match(line):
            level = len(heading.group(1))
            paragraphs.append(paragraph(position, heading.group(2), f"Heading {level}", level))
        elif item := LIST_ITEM_RE.match(line):
            paragraphs.append(paragraph(position, item.group(3), "List Paragraph", 0, list_item=True))
        elif quote := QUOTE_RE.match(line):
            paragraphs.append(paragraph(position, quote.group(1), "Quote", 0))
        else:
            paragraphs.append(paragraph(position, line, "Normal", 0))
    return [p for p in paragraphs if p["text"]]


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time (a list of them all could be millions of strings)."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start:end.start()]
        start = end.end()
    yield text[start:]


def _checked(text: str) -> str:
    controls = sum(1 for _ in _CONTROL.finditer(text))
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise UnsupportedType("The file is not a document or text this service reads (binary data).")
    return text
