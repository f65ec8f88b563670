"""POST /api/v1/documents/extract and /render: files in (paragraphs with ids, label), Markdown out (docx, html).

extract takes multipart/form-data with the file in a `file` field, or JSON {filename, content_base64}; both
answer the extraction result of server/documents plus request_id. render takes {markdown, format}: for html it
answers {html}; for docx the .docx bytes as an attachment, or {docx_base64, filename} when the client asks for
JSON with Accept: application/json (the Word pane's insertFileFromBase64 wants base64). The body limit is the
service's (MAX_BODY_BYTES: 413 before anything is read); every refusal is the one error shape.

Memory: a 10 MB file read takes about 100 MB while it is handled (the body, the file, its text, the result
and the JSON answer). The JSON body is not cached on the request, and once the answer is sent garbage is
collected and the C heap trimmed (glibc's malloc_trim), so a worker returns to its size instead of growing with
each large file.
"""
from __future__ import annotations

import base64
import ctypes
import ctypes.util
import gc
import logging

from flask import Blueprint, Response, after_this_request, g, jsonify, request

from server.api.common import authenticate, json_body
from server.assist.schemas import EXTRACT_REQUEST, MAX_FILE_BYTES, RENDER_REQUEST, validate
from server.assist.sources import decode_file
from server.documents import extract as extract_document
from server.documents import render as renderer
from server.errors import DrafterError, InvalidRequest, TooLarge, UnsupportedType

log = logging.getLogger(__name__)

bp = Blueprint("documents", __name__, url_prefix="/api/v1/documents")
bp.before_request(authenticate)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RENDERED_FILENAME = "drafter.docx"
SEND_A_FILE = ("Send the file as multipart/form-data in a field named `file`, or as JSON "
               "{filename, content_base64}.")


@bp.post("/extract")
def extract():
    after_this_request(_trim_after_sending)  # the error answers too: a refused file may have been large
    filename, data = _uploaded_file()
    try:
        document = extract_document(filename, data)
    except DrafterError as error:
        error.field = error.field or "file"
        raise
    log.info("extracted a %s document: %d paragraphs", document.get("kind"), len(document.get("paragraphs", [])))
    return jsonify({"request_id": g.request_id, **document})


@bp.post("/render")
def render():
    body = json_body()
    validate(RENDER_REQUEST, body)
    if body["format"] == "html":
        return jsonify({"request_id": g.request_id, "html": renderer.markdown_to_html(body["markdown"])})
    data = renderer.markdown_to_docx(body["markdown"])
    if _wants_json():
        return jsonify({"request_id": g.request_id, "filename": RENDERED_FILENAME,
                        "docx_base64": base64.b64encode(data).decode("ascii")})
    response = Response(data, mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{RENDERED_FILENAME}"'
    return response


def _uploaded_file() -> tuple[str, bytes]:
    """(filename, bytes) from a multipart `file` field or a JSON {filename, content_base64} body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise InvalidRequest(f"The multipart body has no `file` field. {SEND_A_FILE}", field="file")
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise TooLarge(f"file is over {MAX_FILE_BYTES:,} bytes", field="file")
        return upload.filename or "", data
    if not request.is_json:
        raise UnsupportedType(SEND_A_FILE)
    body = json_body(cache=False)
    validate(EXTRACT_REQUEST, body)
    data = decode_file(body, "file")
    body["content_base64"] = ""  # its base64 text is not needed again: memory back before extraction starts
    return body["filename"], data


def _trim_after_sending(response: Response) -> Response:
    response.call_on_close(_release_freed_memory)
    return response


def _load_malloc_trim():
    """glibc's malloc_trim, or None elsewhere (musl, macOS): freed memory then stays with the process."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _load_malloc_trim()


def _release_freed_memory() -> None:
    """Hand the heap's free pages back to the system: Python frees a large document's objects, but glibc keeps
    the pages, and the worker's resident size would ratchet up with every large file. A refused file's tree is
    held by its error's traceback (a reference cycle) until the collector runs, so it runs first: after the
    answer is sent, so no caller waits for it."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _wants_json() -> bool:
    """Accept: application/json (preferred over the .docx type) asks for base64 JSON instead of the bytes."""
    best = request.accept_mimetypes.best_match([DOCX_MIMETYPE, "application/json"], default=DOCX_MIMETYPE)
    return best == "application/json"
