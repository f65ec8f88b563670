"""Material from the request: attachments and documents decoded and extracted, paragraphs for summarize.

Extraction is helper code in server.documents (extract, paragraphs_from_text); its typed errors
(UnsupportedType, UnreadableDocument, TooLarge) pass through, tagged with the request field they concern.
A document given by link ({url}) is checked here (https, a SharePoint / OneDrive for Business host) and read
by the `fetch_document(url) -> (filename, bytes)` the caller supplies (the API layer reads it through Microsoft
Graph with the user's own rights); without one, links are refused.

Each file's sensitivity label (server.documents.labels: MIP label, banner markings) is kept: given a `labels`
list, every file read that has one adds {field, filename, label} to it, in reading order, while the request is
validated and before any model call, so a policy guard can act on it then; `material_label(labels)` is the
one label the job's result carries.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import urlsplit

from server.assist.schemas import MAX_FILE_BYTES
from server.errors import DrafterError, InvalidRequest, TooLarge, UnreadableDocument

FetchDocument = Callable[[str], tuple[str, bytes]]
# SharePoint Online and OneDrive for Business in the commercial, US government (GCC High, DoD) and China clouds
SHAREPOINT_HOST_SUFFIXES = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn")
LINKS_UNSUPPORTED = "This service cannot read links to files; send the file's content instead."


def check_document_link(url: str, field: str = "document.url") -> str:
    """The link itself, when it is an https link to a SharePoint or OneDrive for Business host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise InvalidRequest(f"{field} is not a valid link", field=field) from None
    if parts.scheme != "https" or port not in (None, 443) or parts.username or parts.password:
        raise InvalidRequest(f"{field} must be a plain https link to a SharePoint or OneDrive file", field=field)
    if not host.endswith(SHAREPOINT_HOST_SUFFIXES):
        raise InvalidRequest(f"{field} must be a SharePoint or OneDrive for Business link (a host ending in "
                             f".sharepoint.com); {host or 'that link'} is not one", field=field)
    return url


def decode_file(file: dict, field: str) -> bytes:
    try:
        data = base64.b64decode(file["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(f"{field}.content_base64 is not valid base64", field=f"{field}.content_base64") from exc
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"{field} is {len(data):,} bytes, at most {MAX_FILE_BYTES:,} allowed", field=field)
    return data


def extract_file(file: dict, field: str, fetch_document: FetchDocument | None = None,
                 labels: list[dict] | None = None) -> dict:
    """server.documents.extract() of one {filename, content_base64} or {url}; errors name `field`; its label,
    if any, appended to `labels`."""
    from server import documents  # helper C's package; imported late so assist loads without it

    if "url" in file:
        url = check_document_link(file["url"], f"{field}.url")
        if fetch_document is None:
            raise InvalidRequest(LINKS_UNSUPPORTED, field=f"{field}.url")
        filename, data = fetch_document(url)
        if len(data) > MAX_FILE_BYTES:
            raise TooLarge(f"{field} is {len(data):,} bytes, at most {MAX_FILE_BYTES:,} allowed", field=field)
    else:
        filename, data = file["filename"], decode_file(file, field)
    try:
        document = documents.extract(filename, data)
    except DrafterError as exc:
        if exc.field is None:
            exc.field = field
        raise
    if labels is not None and document.get("label"):
        labels.append({"field": field, "filename": filename, "label": document["label"]})
    return document


def material_label(labels: list[dict]) -> dict | None:
    """The label of everything a job read (the highest classification, every marking, each file's own label
    under `sources`), or None when no file had one."""
    from server.documents.labels import combined_label

    return combined_label(labels)


def document_text(document: dict) -> str:
    from server.documents.result import is_material  # notes yes; headers, footers and comments no

    return "\n\n".join(p["text"] for p in document.get("paragraphs", [])
                       if is_material(p) and (p.get("text") or "").strip())


def attachments_material(attachments: list[dict], labels: list[dict] | None = None) -> list[tuple[str, str]]:
    """[(filename, text)] of each attachment, in order; their labels appended to `labels`."""
    return [(f["filename"], document_text(extract_file(f, f"attachments[{i}]", labels=labels)))
            for i, f in enumerate(attachments)]


def _prefixed(paragraphs: list[dict], prefix: str) -> list[dict]:
    from server.documents.result import is_material  # notes yes; headers, footers and comments no

    return [{**p, "id": f"{prefix}{p['id']}"} for p in paragraphs if is_material(p)]


def summary_paragraphs(body: dict, fetch_document: FetchDocument | None = None,
                       labels: list[dict] | None = None) -> list[dict]:
    """Paragraphs to summarize, ids unique across sources: text keeps p1, p2, ...; a document keeps its own ids
    unless text came too (then d.p1, ...); attachment n's ids are prefixed an. (a1.p1, a2.p3, ...). The files'
    labels are appended to `labels`."""
    from server import documents

    paragraphs: list[dict] = []
    if "text" in body:
        try:
            paragraphs += documents.paragraphs_from_text(body["text"])
        except DrafterError as exc:
            exc.field = exc.field or "text"
            raise
    if "document" in body:
        doc = extract_file(body["document"], "document", fetch_document, labels)
        paragraphs += _prefixed(doc.get("paragraphs", []), "d." if "text" in body else "")
    for i, file in enumerate(body.get("attachments", []), start=1):
        doc = extract_file(file, f"attachments[{i - 1}]", labels=labels)
        paragraphs += _prefixed(doc.get("paragraphs", []), f"a{i}.")
    paragraphs = [p for p in paragraphs if (p.get("text") or "").strip()]
    if not paragraphs:
        # files that hold no text make a well-formed request unanswerable: 422, as an empty file or a scanned PDF
        if "document" in body or "attachments" in body:
            field = "document" if "document" in body else "attachments"
            raise UnreadableDocument("there is no text to summarize in the files sent", field=field)
        raise InvalidRequest("there is no text to summarize", field="text")
    return paragraphs
