"""POST /api/v1/documents/extract and /render through the real app; documents and attachments on the jobs."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from server.api.documents import DOCX_MIMETYPE

EXTRACT = "/api/v1/documents/extract"
RENDER = "/api/v1/documents/render"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == code and body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_extract_a_corpus_docx_through_multipart(client, auth_headers, corpus_dir):
    data = (corpus_dir / "docx" / "Bug54849.docx").read_bytes()
    response = client.post(EXTRACT, headers=auth_headers, data={"file": (io.BytesIO(data), "Bug54849.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert body["kind"] == "docx" and body["label"] is None
    assert body["stats"]["footnotes"] == 1 and body["stats"]["has_headers_footers"] is True
    assert {"p1", "fn1.p1", "hdr1.p1"} <= {p["id"] for p in body["paragraphs"]}
    assert body["tables"][0]["markdown"].startswith("|")


def test_extract_base64_json_with_a_banner(client, auth_headers):
    text = b"SECRET//NOFORN\nThe plan.\n"
    response = client.post(EXTRACT, headers=auth_headers, json={"filename": "memo.txt", "content_base64": _b64(text)})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["kind"] == "text" and body["label"]["classification"] == "SECRET"
    assert [p["id"] for p in body["paragraphs"]] == ["p1", "p2"]


def test_extract_needs_a_token(client):
    _error(client.post(EXTRACT, json={"filename": "a.txt", "content_base64": _b64(b"hi")}), 401, "unauthorized")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"data": {"other": (io.BytesIO(b"hi"), "a.txt")}, "content_type": "multipart/form-data"}, "file"),
    ({"data": {"file": "not a file, a plain field"}, "content_type": "multipart/form-data"}, "file"),
    ({"data": b"{not json", "content_type": "application/json"}, None),
    ({"json": ["a", "list"]}, None),
    ({"json": {"filename": "a.txt"}}, "content_base64"),
    ({"json": {"filename": "a.txt", "content_base64": "***"}}, "content_base64"),
    ({"json": {"filename": "a.txt", "content_base64": "aGk"}}, "content_base64"),  # unpadded
    ({"json": {"filename": "a.txt", "content_base64": "aGk=", "extra": 1}}, "extra"),
])
def test_extract_malformed_requests_are_400(client, auth_headers, kwargs, field):
    body = _error(client.post(EXTRACT, headers=auth_headers, **kwargs), 400, "invalid_request")
    assert body.get("field") == field


def test_extract_takes_multipart_or_json_and_nothing_else(client, auth_headers):
    body = _error(client.post(EXTRACT, headers=auth_headers, data=b"hello", content_type="text/plain"), 415,
                  "unsupported_type")
    assert "multipart/form-data" in body["message"] and "content_base64" in body["message"]


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 415, "unsupported_type"),
    (b"\x00\x01\x02binary\x00" * 20, 415, "unsupported_type"),
    (b"PK\x03\x04" + b"\x00" * 40, 422, "unreadable_document"),
])
def test_extract_refusals_in_the_one_error_shape(client, auth_headers, data, status, code):
    response = client.post(EXTRACT, headers=auth_headers, data={"file": (io.BytesIO(data), "f.bin")},
                           content_type="multipart/form-data")
    _error(response, status, code)


def test_extract_empty_and_damaged_files_are_422(client, auth_headers, corpus_dir):
    empty = client.post(EXTRACT, headers=auth_headers, data={"file": (io.BytesIO(b""), "e.txt")},
                        content_type="multipart/form-data")
    _error(empty, 422, "unreadable_document")
    truncated = (corpus_dir / "bad" / "truncated62886.docx").read_bytes()
    response = client.post(EXTRACT, headers=auth_headers,
                           json={"filename": "t.docx", "content_base64": _b64(truncated)})
    assert _error(response, 422, "unreadable_document")["field"] == "file"


def test_extract_past_the_deadline_is_422(client, auth_headers, corpus_dir, monkeypatch):
    from server import documents
    from server.api import documents as api_documents

    monkeypatch.setattr(api_documents, "extract_document",
                        lambda name, data: documents.extract(name, data, limits=documents.Limits(max_seconds=0.0)))
    data = (corpus_dir / "docx" / "stress011.docx").read_bytes()
    response = client.post(EXTRACT, headers=auth_headers, data={"file": (io.BytesIO(data), "s.docx")},
                           content_type="multipart/form-data")
    assert "too long" in _error(response, 422, "unreadable_document")["message"]


def test_bodies_over_the_service_limit_are_413(app_config):
    from server.app import create_app

    app = create_app({**app_config, "MAX_BODY_BYTES": 2048})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@agency.gov"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    multipart = client.post(EXTRACT, headers=headers, data={"file": (io.BytesIO(b"x" * 4096), "big.txt")},
                            content_type="multipart/form-data")
    _error(multipart, 413, "too_large")
    as_json = client.post(EXTRACT, headers=headers, json={"filename": "big.txt", "content_base64": "QUFB" * 1024})
    _error(as_json, 413, "too_large")
    _error(client.post(RENDER, headers=headers, json={"markdown": "x" * 4096, "format": "html"}), 413, "too_large")


def test_a_file_over_the_file_limit_within_a_larger_body_limit_is_413(app_config, monkeypatch):
    from server.api import documents as api_documents
    from server.app import create_app

    monkeypatch.setattr(api_documents, "MAX_FILE_BYTES", 1000)
    client = create_app(app_config).test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@agency.gov"}).get_json()["access_token"]
    response = client.post(EXTRACT, headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(b"x" * 1001), "big.txt")}, content_type="multipart/form-data")
    assert _error(response, 413, "too_large")["field"] == "file"


def _multipart(filename: str, data: bytes) -> dict:
    """A multipart/form-data body built here: the test client spools a large one to a file it never closes."""
    head = (f'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return {"data": head + data + b"\r\n--b0undary--\r\n", "content_type": "multipart/form-data; boundary=b0undary"}


def _text_file(size: int) -> bytes:
    """A plain-text file of exactly `size` bytes, in long lines (few paragraphs: quick to extract)."""
    line = ("Budget line " * 800).encode() + b"\n"
    data = line * (size // len(line))
    return data + b"x" * (size - len(data))


@pytest.mark.parametrize("how", ["json", "multipart"])
def test_a_file_at_the_file_cap_gets_through_the_default_body_limit(client, auth_headers, how):
    from server.assist.schemas import MAX_FILE_BYTES

    data = _text_file(MAX_FILE_BYTES)
    if how == "json":  # 14 MB of base64: within the default 16 MiB body limit
        response = client.post(EXTRACT, headers=auth_headers, json={"filename": "big.txt", "content_base64": _b64(data)})
    else:
        response = client.post(EXTRACT, headers=auth_headers, **_multipart("big.txt", data))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["stats"]["paragraphs"] == MAX_FILE_BYTES // 9601 + 1  # the lines, and the tail


@pytest.mark.parametrize("how", ["json", "multipart", "summarize"])
def test_a_file_one_byte_over_the_cap_is_413_naming_both_sizes(client, auth_headers, upstream, how):
    from server.assist.schemas import MAX_FILE_BYTES

    data = _text_file(MAX_FILE_BYTES + 1)
    file = {"filename": "big.txt", "content_base64": _b64(data)}
    if how == "json":
        response = client.post(EXTRACT, headers=auth_headers, json=file)
    elif how == "multipart":
        response = client.post(EXTRACT, headers=auth_headers, **_multipart("big.txt", data))
    else:
        response = client.post("/api/v1/summarize", headers=auth_headers, json={"document": file})
    body = _error(response, 413, "too_large")
    assert body["field"] == ("document" if how == "summarize" else "file")
    assert "10,485,760" in body["message"] and (how == "multipart" or "10,485,761" in body["message"])
    assert upstream.requests == []


def test_a_body_over_the_default_limit_is_refused_before_it_is_read(client, auth_headers, app):
    limit = app.config["MAX_BODY_BYTES"]
    assert limit == 16 * 1024 * 1024
    response = client.post(EXTRACT, headers=auth_headers, data=b"x" * (limit + 1), content_type="application/json")
    message = _error(response, 413, "too_large")["message"]
    assert f"The request is {limit + 1:,} bytes" in message and f"at most {limit:,} bytes" in message
    assert "One file of up to 10 MB fits" in message


MARKDOWN = """# Budget 2025

Costs rose **5%** in one year.

## Actions

- Cut paper use
- Share cars

| Item | Cost |
|---|---|
| Paper | 3 |
"""


def test_render_html(client, auth_headers):
    response = client.post(RENDER, headers=auth_headers,
                           json={"markdown": "# Hi\n\n<script>alert(1)</script> [x](javascript:alert(1))",
                                 "format": "html"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["html"].startswith("<h1>Hi</h1>") and "<script>" not in body["html"]
    assert "javascript:" not in body["html"] and body["request_id"]


def test_render_docx_bytes_then_extract_round_trip(client, auth_headers):
    response = client.post(RENDER, headers=auth_headers, json={"markdown": MARKDOWN, "format": "docx"})
    assert response.status_code == 200
    assert response.mimetype == DOCX_MIMETYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter.docx"'
    extracted = client.post(EXTRACT, headers=auth_headers,
                            data={"file": (io.BytesIO(response.data), "drafter.docx")},
                            content_type="multipart/form-data").get_json()
    structure = [(p["style"], p["level"], p["list"], p["text"]) for p in extracted["paragraphs"] if not p["table"]]
    assert structure == [("Heading 1", 1, False, "Budget 2025"), ("Normal", 0, False, "Costs rose 5% in one year."),
                         ("Heading 2", 2, False, "Actions"), ("List Bullet", 0, True, "Cut paper use"),
                         ("List Bullet", 0, True, "Share cars")]
    assert extracted["tables"][0]["rows"] == [["Item", "Cost"], ["Paper", "3"]]
    assert extracted["label"] is None


def test_render_docx_as_base64_json_when_asked(client, auth_headers):
    response = client.post(RENDER, headers={**auth_headers, "Accept": "application/json"},
                           json={"markdown": MARKDOWN, "format": "docx"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["filename"] == "drafter.docx"
    assert base64.b64decode(body["docx_base64"]).startswith(b"PK\x03\x04")


@pytest.mark.parametrize(("body", "field"), [
    ({"markdown": "x"}, "format"),
    ({"format": "docx"}, "markdown"),
    ({"markdown": "x", "format": "pdf"}, "format"),
    ({"markdown": "   ", "format": "html"}, "markdown"),
    ({"markdown": "x", "format": "html", "extra": True}, "extra"),
])
def test_render_invalid_bodies_are_400(client, auth_headers, body, field):
    assert _error(client.post(RENDER, headers=auth_headers, json=body), 400, "invalid_request")["field"] == field


def test_render_needs_json_and_a_token(client, auth_headers):
    _error(client.post(RENDER, headers=auth_headers, data="# x", content_type="text/markdown"), 415, "unsupported_type")
    _error(client.post(RENDER, json={"markdown": "x", "format": "html"}), 401, "unauthorized")


def test_openapi_documents_both_endpoints(client, auth_headers):
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    extract = spec["paths"]["/api/v1/documents/extract"]["post"]
    assert set(extract["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    render = spec["paths"]["/api/v1/documents/render"]["post"]
    assert DOCX_MIMETYPE in render["responses"]["200"]["content"]
    assert spec["components"]["schemas"]["RenderRequest"]["properties"]["format"]["enum"] == ["docx", "html"]


# ---- documents and attachments on the jobs ----

def test_summarize_a_corpus_docx_reads_notes_not_headers_or_comments(client, auth_headers, upstream, corpus_dir):
    upstream.queue_reply("- The form holds rich text controls. [p1]\n- A footnote explains it. [fn1.p1]")
    data = (corpus_dir / "docx" / "Bug54849.docx").read_bytes()
    response = client.post("/api/v1/summarize", headers=auth_headers,
                           json={"document": {"filename": "Bug54849.docx", "content_base64": _b64(data)}})
    assert response.status_code == 200, response.get_json()
    sources = [s for point in response.get_json()["points"] for s in point["sources"]]
    assert "fn1.p1" in sources
    prompt = json.dumps(upstream.requests[-1]["json"]["messages"], ensure_ascii=False)
    assert "Footnote_sdt" in prompt and "Blahdeblah1" in prompt
    assert "header_rich_text" not in prompt and "Footer_rich_text" not in prompt


def test_draft_with_attachments_of_several_kinds(client, auth_headers, upstream, corpus_dir):
    upstream.queue_reply("Dear team, the footnote says snoska.")
    attachments = [
        {"filename": "footnotes.docx", "content_base64": _b64((corpus_dir / "docx" / "footnotes.docx").read_bytes())},
        {"filename": "notes.md", "content_base64": _b64(b"# Notes\n\n- Meeting on Tuesday\n")},
    ]
    response = client.post("/api/v1/draft", headers=auth_headers,
                           json={"instruction": "Write a short email about the attached notes.", "kind": "email",
                                 "attachments": attachments})
    assert response.status_code == 200, response.get_json()
    prompt = json.dumps(upstream.requests[-1]["json"]["messages"], ensure_ascii=False)
    assert "snoska" in prompt and "Meeting on Tuesday" in prompt


def test_draft_with_an_unreadable_attachment_names_it(client, auth_headers):
    response = client.post("/api/v1/draft", headers=auth_headers,
                           json={"instruction": "Write.", "attachments": [
                               {"filename": "x.png", "content_base64": _b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)}]})
    assert _error(response, 415, "unsupported_type")["field"] == "attachments[0]"


def test_draft_from_a_document(client, auth_headers, upstream, corpus_dir):
    upstream.queue_reply("Briefing note: the footnote says snoska.")
    data = (corpus_dir / "docx" / "footnotes.docx").read_bytes()
    response = client.post("/api/v1/draft", headers=auth_headers, json={
        "instruction": "Write a briefing note on this report.", "kind": "briefing", "context": "For the DM.",
        "document": {"filename": "footnotes.docx", "content_base64": _b64(data)}})
    assert response.status_code == 200, response.get_json()
    prompt = upstream.requests[-1]["json"]["messages"][-1]["content"]
    assert "snoska" in prompt and "For the DM." in prompt
    assert prompt.index("For the DM.") < prompt.index("snoska")  # context first, then the document
    assert "footnotes.docx" in prompt


@pytest.mark.parametrize(("document", "status", "code", "field"), [
    ({"filename": "old.doc", "content_base64": _b64(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)},
     415, "unsupported_type", "document"),
    ({"filename": "a.docx", "content_base64": "not base64!"}, 400, "invalid_request", "document.content_base64"),
    ({"filename": "a.docx"}, 400, "invalid_request", "document.content_base64"),
    ({"url": "https://contoso.sharepoint.com/:w:/s/x/abc"}, 400, "invalid_request", "document.url"),
])
def test_draft_with_a_document_it_cannot_read_names_it(client, auth_headers, upstream, document, status, code, field):
    response = client.post("/api/v1/draft", headers=auth_headers,
                           json={"instruction": "Write a briefing note.", "document": document})
    body = _error(response, status, code)
    assert body["field"] == field, body
    assert upstream.requests == []


@pytest.mark.parametrize("route", ["extract", "summarize", "draft"])
def test_every_bad_corpus_file_gets_its_4xx_over_http(client, auth_headers, upstream, corpus_dir, route):
    from tests.test_documents_guards import BAD, STATUS

    for name, (error_class, fragment) in sorted(BAD.items()):
        file = {"filename": name, "content_base64": _b64((corpus_dir / "bad" / name).read_bytes())}
        if route == "extract":
            response = client.post(EXTRACT, headers=auth_headers, json=file)
        elif route == "summarize":
            response = client.post("/api/v1/summarize", headers=auth_headers, json={"document": file})
        else:
            response = client.post("/api/v1/draft", headers=auth_headers,
                                   json={"instruction": "Write a note.", "document": file})
        status, code = STATUS[error_class]
        body = _error(response, status, code)
        assert fragment in body["message"], (name, body)
        assert body["field"] == ("file" if route == "extract" else "document"), (name, body)
    assert upstream.requests == []  # none of them reached the model


# ---- the files' sensitivity labels reach the job result (the policy guard acts on them) ----
# MIP labels named "Internal" and "General" spell no marking, so a guard's default policy lets these jobs run.

def _labelled_docx(name: str, guid: str, *paragraphs: str) -> bytes:
    from tests.test_documents_labels import _custom_xml, _docx, _msip, _with_parts

    return _with_parts(_docx(*paragraphs), {"docProps/custom.xml": _custom_xml(_msip(guid, name))})


def test_summarize_returns_the_label_of_its_document_and_attachments(client, auth_headers, upstream):
    from tests.test_documents_labels import GUID_A, GUID_B

    upstream.queue_reply("- The budget is set. [p1]")
    response = client.post("/api/v1/summarize", headers=auth_headers, json={
        "document": {"filename": "budget.docx", "content_base64": _b64(_labelled_docx("Internal", GUID_A, "Budget."))},
        "attachments": [{"filename": "notes.txt", "content_base64": _b64(b"Unmarked notes.")},
                        {"filename": "annex.docx", "content_base64": _b64(_labelled_docx("General", GUID_B, "Annex."))}]})
    assert response.status_code == 200, response.get_json()
    label = response.get_json()["label"]
    assert label["mip"]["name"] == "Internal" and (label["classification"], label["level"]) == (None, 0)
    assert [(s["field"], s["filename"], s["label"]["mip"]["name"]) for s in label["sources"]] == [
        ("document", "budget.docx", "Internal"), ("attachments[1]", "annex.docx", "General")]


def test_a_streamed_draft_carries_the_label_in_its_result_event(client, auth_headers, upstream):
    from tests.test_api_jobs import sse_events
    from tests.test_documents_labels import GUID_A

    upstream.queue_reply("A briefing note.")
    response = client.post("/api/v1/draft", headers=auth_headers, json={
        "instruction": "Write a briefing note.", "stream": True,
        "document": {"filename": "brief.docx", "content_base64": _b64(_labelled_docx("Internal", GUID_A, "Brief."))}})
    assert response.status_code == 200
    name, result = sse_events(response.data)[-1]
    assert name == "result" and result["label"]["sources"][0]["field"] == "document"
    assert result["label"]["mip"]["id"] == GUID_A


def test_jobs_without_a_labelled_file_say_label_null(client, auth_headers, upstream):
    upstream.queue_reply("- Notes. [p1]")
    response = client.post("/api/v1/summarize", headers=auth_headers, json={
        "document": {"filename": "notes.txt", "content_base64": _b64(b"Unmarked notes.")}})
    assert response.status_code == 200 and response.get_json()["label"] is None


def test_a_document_read_by_link_keeps_its_label(entra_obo_config, obo_grant, fake_graph, fake_entra, upstream):
    from server.app import create_app
    from tests.test_documents_labels import GUID_A

    reader = obo_grant.object_id("ada@agency.gov", fake_entra.tenant_id)
    link = fake_graph.add_file("Plan.docx", _labelled_docx("Internal", GUID_A, "The plan."), readers={reader})
    upstream.queue_reply("- The plan. [p1]")
    response = create_app(entra_obo_config).test_client().post(
        "/api/v1/summarize", json={"document": {"url": link}},
        headers={"Authorization": f"Bearer {obo_grant.user_assertion(user='ada@agency.gov')}"})
    assert response.status_code == 200, response.get_json()
    [source] = response.get_json()["label"]["sources"]
    assert (source["field"], source["filename"], source["label"]["mip"]["name"]) == ("document", "Plan.docx",
                                                                                    "Internal")


def _hostile_files() -> dict[str, tuple[str, bytes, int, str]]:
    """Generated hostile files: (filename, bytes, status, a phrase of the message)."""
    from tests.test_documents_guards import OLE, _real_docx, _replace_member, _zip

    laughs = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a0 "lol">'
              + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)) + ']>'
              '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
              "<w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>").encode()
    docx_bytes = _real_docx()
    return {
        "zip bomb": ("bomb.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * (20 << 20)}),
                     413, "zip bombs"),
        "billion laughs": ("laughs.docx", _replace_member(docx_bytes, "word/document.xml", laughs), 422,
                           "document type (DTD)"),
        "100,000 members": ("many.docx", _zip({f"w/{n}": b"" for n in range(100_000)}, zipfile.ZIP_STORED), 413,
                            "parts; at most"),
        "truncated zip": ("cut.docx", docx_bytes[: len(docx_bytes) // 2], 422, "truncated"),
        "a .doc named .docx": ("report.docx", OLE + "WordDocument".encode("utf-16-le"), 415, "save it as .docx"),
        "encrypted Office": ("secret.xlsx", OLE + "EncryptedPackage".encode("utf-16-le"), 422, "password-protected"),
        "a picture named .docx": ("photo.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 415, "Images"),
    }


def test_generated_hostile_files_get_a_clear_4xx_over_http_never_a_500(client, auth_headers, upstream):
    for case, (filename, data, status, phrase) in _hostile_files().items():
        as_json = client.post(EXTRACT, headers=auth_headers, json={"filename": filename, "content_base64": _b64(data)})
        as_upload = client.post(EXTRACT, headers=auth_headers, **_multipart(filename, data))
        for response in (as_json, as_upload):
            body = _error(response, status, {413: "too_large", 415: "unsupported_type", 422: "unreadable_document"}[status])
            assert phrase in body["message"] and body["field"] == "file", (case, body)
        summarized = client.post("/api/v1/summarize", headers=auth_headers,
                                 json={"attachments": [{"filename": filename, "content_base64": _b64(data)}]})
        assert summarized.status_code == status and summarized.get_json()["field"] == "attachments[0]", case
    assert upstream.requests == []
