"""Tell what a file is from its bytes; the filename's extension is only a hint (for .md versus .txt).

Formats that cannot be read (yet) are refused here with a message that says what to do instead.
"""
from __future__ import annotations

import io
import re
import zipfile

from server.errors import UnreadableDocument, UnsupportedType

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Stream names inside an OLE2 (Compound File) container are stored in UTF-16LE in its directory.
_ENCRYPTED_OOXML_STREAMS = ("EncryptionInfo", "EncryptedPackage")
_LEGACY_STREAMS = (
    ("WordDocument", "This is a legacy Word 97-2003 document (.doc); save it as .docx and try again."),
    ("Workbook", "This is a legacy Excel 97-2003 workbook (.xls); save it as .xlsx and try again."),
    ("Book", "This is a legacy Excel workbook (.xls); save it as .xlsx and try again."),
    ("PowerPoint Document", "PowerPoint presentations are not supported; save the text as .docx and try again."),
)

_BINARY_SIGNATURES = (
    (b"{\\rtf", "Rich Text Format (.rtf) is not supported; save it as .docx and try again."),
    (b"\x89PNG\r\n\x1a\n", "Images are not supported; send a .docx or text document."),
    (b"\xff\xd8\xff", "Images are not supported; send a .docx or text document."),
    (b"GIF8", "Images are not supported; send a .docx or text document."),
)


# HTML by its start: a doctype or <html>/<head>, after a BOM, blank space, comments or an XML declaration.
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head)[\s>]",
                         re.IGNORECASE | re.DOTALL)


def sniff(data: bytes) -> str:
    """Return "zip", "pdf", "html" or "text" (html and text are candidates: they still have to decode);
    raise for anything refused."""
    head = data[:1024]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(OLE_MAGIC):
        raise ole_error(data)
    if _looks_like_pdf(data, head):
        return "pdf"
    for signature, message in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise UnsupportedType(message)
    if _looks_like_zip_with_prefix(data):
        return "zip"
    if _HTML_START.match(head):
        return "html"
    return "text"


def _looks_like_pdf(data: bytes, head: bytes) -> bool:
    """A PDF header at the start (after at most a BOM or blank space); or, since readers accept it anywhere
    in the first 1024 bytes, further in when the file also ends as a PDF does (%%EOF). A text note that
    merely quotes "%PDF-1.7" in a sentence stays text."""
    at = head.find(b"%PDF-")
    if at < 0:
        return False
    before = head[:at].removeprefix(b"\xef\xbb\xbf")
    return not before.strip(b" \t\r\n\x00") or b"%%EOF" in data[-1024:]


def ole_error(data: bytes) -> Exception:
    """An OLE2 container is either an encrypted Office 2007+ file or a legacy binary Office file."""
    if any(_has_stream(data, name) for name in _ENCRYPTED_OOXML_STREAMS):
        return UnreadableDocument(
            "The file is password-protected (encrypted); remove the password in Office and try again."
        )
    for name, message in _LEGACY_STREAMS:
        if _has_stream(data, name):
            return UnsupportedType(message)
    return UnsupportedType("This is a legacy Office file; save it as .docx or .xlsx and try again.")


def package_kind(names: list[str]) -> str:
    """Kind of an OOXML package from its part names ("docx", "xlsx"); raise for the packages not read yet."""
    normalized = {name.replace("\\", "/").lstrip("/") for name in names}
    if not normalized:
        raise UnreadableDocument("The file is an empty zip archive, not a document.")
    tops = {name.split("/", 1)[0] for name in normalized}
    if "word" in tops:
        return "docx"
    if "xl" in tops:
        return "xlsx"
    if "ppt" in tops:
        raise UnsupportedType("PowerPoint presentations are not supported; save the text as .docx and try again.")
    raise UnsupportedType("This zip archive is not a Word document (.docx).")


def _has_stream(data: bytes, name: str) -> bool:
    # A substring search of the UTF-16LE name: parsing the container's directory chain would be exact,
    # but a false hit needs that very UTF-16 string in a legacy file, and either way the answer is a refusal.
    return name.encode("utf-16-le") in data


def _looks_like_zip_with_prefix(data: bytes) -> bool:
    """A zip with bytes before it (self-extractors, some fuzzed files): zipfile finds it from the end record."""
    if b"PK\x05\x06" not in data[-(22 + 0xFFFF):]:
        return False
    return zipfile.is_zipfile(io.BytesIO(data))
