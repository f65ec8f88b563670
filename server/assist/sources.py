"""Material from the request: attachments and documents decoded and extracted, paragraphs for summarize.

Extraction is helper code in server.documents (extract, paragraphs_from_text); its typed errors
(UnsupportedType, UnreadableDocument, TooLarge) pass through, tagged with the request field they concern.
"""
from __future__ import annotations

import base64
import binascii

from server.assist.schemas import MAX_FILE_BYTES
from server.errors import DrafterError, InvalidRequest, TooLarge


def decode_file(file: dict, field: str) -> bytes:
    try:
        data = base64.b64decode(file["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(f"{field}.content_base64 is not valid base64", field=f"{field}.content_base64") from exc
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"{field} is {len(data):,} bytes, at most {MAX_FILE_BYTES:,} allowed", field=field)
    return data


def extract_file(file: dict, field: str) -> dict:
    """server.documents.extract() of one {filename, content_base64}; errors name `field`."""
    from server import documents  # helper C's package; imported late so assist loads without it

    data = decode_file(file, field)
    try:
        return documents.extract(file["filename"], data)
    except DrafterError as exc:
        if exc.field is None:
            exc.field = field
        raise


def document_text(document: dict) -> str:
    return "\n\n".join(p["text"] for p in document.get("paragraphs", []) if (p.get("text") or "").strip())


def attachments_material(attachments: list[dict]) -> list[tuple[str, str]]:
    """[(filename, text)] of each attachment, in order."""
    return [(f["filename"], document_text(extract_file(f, f"attachments[{i}]"))) for i, f in enumerate(attachments)]


def _prefixed(paragraphs: list[dict], prefix: str) -> list[dict]:
    return [{**p, "id": f"{prefix}{p['id']}"} for p in paragraphs]


def summary_paragraphs(body: dict) -> list[dict]:
    """Paragraphs to summarize, ids unique across sources: text keeps p1, p2, ...; a document keeps its own ids
    unless text came too (then d.p1, ...); attachment n's ids are prefixed an. (a1.p1, a2.p3, ...)."""
    from server import documents

    paragraphs: list[dict] = []
    if "text" in body:
        paragraphs += documents.paragraphs_from_text(body["text"])
    if "document" in body:
        doc = extract_file(body["document"], "document")
        paragraphs += _prefixed(doc.get("paragraphs", []), "d." if "text" in body else "")
    for i, file in enumerate(body.get("attachments", []), start=1):
        doc = extract_file(file, f"attachments[{i - 1}]")
        paragraphs += _prefixed(doc.get("paragraphs", []), f"a{i}.")
    paragraphs = [p for p in paragraphs if (p.get("text") or "").strip()]
    if not paragraphs:
        field = "document" if "document" in body else "attachments" if "attachments" in body else "text"
        raise InvalidRequest("there is no text to summarize", field=field)
    return paragraphs
