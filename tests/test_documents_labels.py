"""Sensitivity labels: MIP labels in a package's custom properties, banner markings in the text."""
from __future__ import annotations

import base64
import io
import zipfile

import docx
import openpyxl
import pytest

from server.documents import extract
from server.documents.labels import banner_markings, classification, combined_label, mip_from_package
from server.errors import UnreadableDocument

GUID_A = "3f1a9c7e-1b2d-4e5f-8a9b-0c1d2e3f4a5b"
GUID_B = "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a"
SITE = "72f988bf-86f1-41af-91ab-2d7cd011db47"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _custom_xml(properties: dict[str, str], doctype: str = "") -> bytes:
    body = "".join(f'<property fmtid="{FMTID}" pid="{n}" name="{name}"><vt:lpwstr>{value}</vt:lpwstr></property>'
                   for n, (name, value) in enumerate(properties.items(), start=2))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<Properties '
            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{body}</Properties>'
            ).encode()


def _msip(guid: str, name: str, enabled: str = "true", set_date: str = "2024-05-02T09:00:00Z") -> dict:
    prefix = f"MSIP_Label_{guid}_"
    return {prefix + "Enabled": enabled, prefix + "SetDate": set_date, prefix + "Method": "Standard",
            prefix + "Name": name, prefix + "SiteId": SITE, prefix + "ActionId": "0", prefix + "ContentBits": "0"}


def _with_parts(package: bytes, parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item.filename, source.read(item.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def _docx(*paragraphs: str, header: str | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(*rows: list) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- MIP labels ----

def test_a_docx_with_an_enabled_mip_label():
    data = _with_parts(_docx("Budget."), {"docProps/custom.xml": _custom_xml(_msip(GUID_A, "Confidential"))})
    label = extract("l.docx", data)["label"]
    assert label == {"mip": {"id": GUID_A, "name": "Confidential", "site_id": SITE, "enabled": True,
                             "method": "Standard", "set_date": "2024-05-02T09:00:00Z"},
                     "markings": [], "classification": None, "level": 0}


def test_an_xlsx_with_a_mip_label():
    data = _with_parts(_xlsx(["Item", "Cost"], ["Paper", 3]),
                       {"docProps/custom.xml": _custom_xml(_msip(GUID_B, "Internal"))})
    assert extract("l.xlsx", data)["label"]["mip"]["name"] == "Internal"


@pytest.mark.parametrize(("labels", "winner", "enabled"), [
    ([(GUID_A, "Old", "false", "2023-01-01T00:00:00Z"), (GUID_B, "Secret", "true", "2024-01-01T00:00:00Z")],
     "Secret", True),
    ([(GUID_A, "Public", "True", "2023-01-01T00:00:00Z"), (GUID_B, "Internal", "True", "2024-01-01T00:00:00Z")],
     "Internal", True),  # two enabled (labels from two tenants): the latest set wins
    ([(GUID_A, "Removed", "false", "2023-01-01T00:00:00Z")], "Removed", False),  # reported, not enabled
])
def test_the_enabled_label_wins(labels, winner, enabled):
    properties: dict[str, str] = {}
    for guid, name, is_enabled, set_date in labels:
        properties.update(_msip(guid, name, is_enabled, set_date))
    mip = mip_from_package(_with_parts(_docx("x"), {"docProps/custom.xml": _custom_xml(properties)}))
    assert (mip["name"], mip["enabled"]) == (winner, enabled)


def test_newer_office_label_info_part_with_the_name_from_custom_properties():
    label_info = (f'<?xml version="1.0" encoding="utf-8" standalone="yes"?><clbl:labelList '
                  f'xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label '
                  f'id="{{{GUID_A.upper()}}}" enabled="1" method="Privileged" siteId="{{{SITE}}}" removed="0"/>'
                  f'<clbl:label id="{{{GUID_B}}}" enabled="1" method="Standard" siteId="{{{SITE}}}" removed="1"/>'
                  '</clbl:labelList>').encode()
    mip = mip_from_package(_with_parts(_docx("x"), {"docMetadata/LabelInfo.xml": label_info}))
    assert mip == {"id": GUID_A, "name": None, "site_id": SITE, "enabled": True, "method": "Privileged",
                   "set_date": None}


@pytest.mark.parametrize("custom", [b"<Properties", b"\x00\x01binary"])
def test_damaged_custom_properties_give_no_label_and_no_error(custom):
    data = _with_parts(_docx("Plain text."), {"docProps/custom.xml": custom})
    assert mip_from_package(data) is None
    assert extract("d.docx", data)["paragraphs"][0]["text"] == "Plain text."


def test_custom_properties_with_an_external_entity_are_never_read():
    custom = _custom_xml({"MSIP_Label_" + GUID_A + "_Name": "&e;"},
                         '<!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]>')
    data = _with_parts(_docx("Plain text."), {"docProps/custom.xml": custom})
    mip = mip_from_package(data)  # the label reader alone neither expands nor fetches the entity
    assert mip is None or "root:" not in (mip["name"] or "")
    with pytest.raises(UnreadableDocument, match="declares a document type"):
        extract("d.docx", data)  # and the package is refused before any reader sees it


@pytest.mark.parametrize("name", ["65099.docx", "WordWithAttachments.docx"])
def test_corpus_custom_properties_that_are_not_labels(corpus_dir, name):
    assert extract(name, (corpus_dir / "docx" / name).read_bytes())["label"] is None


def test_corpus_workbook_with_a_custom_property_has_no_label(corpus_dir):
    path = corpus_dir / "xlsx" / "simple-monthly-budget.xlsx"
    assert extract(path.name, path.read_bytes())["label"] is None


# ---- banner markings ----

@pytest.mark.parametrize(("line", "marking"), [
    ("SECRET", "SECRET"),
    ("TOP SECRET//NOFORN", "TOP SECRET//NOFORN"),
    ("SECRET//REL TO USA, FVEY", "SECRET//REL TO USA, FVEY"),
    ("  ***  CONFIDENTIAL  ***  ", "CONFIDENTIAL"),
    ("CUI", "CUI"),
    ("CUI//SP-PRVCY", "CUI//SP-PRVCY"),
    ("CONTROLLED UNCLASSIFIED INFORMATION", "CONTROLLED UNCLASSIFIED INFORMATION"),
    ("Controlled Unclassified Information", "CONTROLLED UNCLASSIFIED INFORMATION"),
    ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"),
    ("Official Sensitive", "OFFICIAL SENSITIVE"),
    ("DIFFUSION RESTREINTE", "DIFFUSION RESTREINTE"),
    ("Diffusion Restreinte", "DIFFUSION RESTREINTE"),
    ("SECRET DÉFENSE", "SECRET DÉFENSE"),
    ("SECRET DEFENSE - SPÉCIAL FRANCE", "SECRET DEFENSE - SPÉCIAL FRANCE"),
    ("TRÈS SECRET", "TRÈS SECRET"),
    ("Très Secret Défense", "TRÈS SECRET DÉFENSE"),
    ("CONFIDENTIEL DÉFENSE", "CONFIDENTIEL DÉFENSE"),
    ("Classification: Secret", "CLASSIFICATION: SECRET"),
    ("Niveau de protection : Confidentiel", "NIVEAU DE PROTECTION : CONFIDENTIEL"),
    ("NATO SECRET", "NATO SECRET"),
    ("RESTREINT UE/EU RESTRICTED", "RESTREINT UE/EU RESTRICTED"),
])
def test_banner_lines(line, marking):
    assert banner_markings([line]) == [marking]


@pytest.mark.parametrize("line", [
    "This document is secret.",
    "The secret of a good memo is brevity.",
    "Secret",  # a one-word title, not a banner (banners are in capitals)
    "Confidential",
    "Confidential information must not be shared.",
    "CONFIDENTIAL INFORMATION",
    "Top secret - the story of the budget",
    "Le secret défense a été levé en 2019.",
    "Ce document est confidentiel.",
    "Diffusion restreinte aux agents du service, merci de ne pas transférer ce message.",
    "UNCLASSIFIED",
    "SECRETARIAT GENERAL",
    "SECRET SANTA",
    "CUISINE",
    "",
    "SECRET//" + "X" * 300,
])
def test_not_banners(line):
    assert banner_markings([line]) == []


@pytest.mark.parametrize(("markings", "expected"), [
    (["CUI", "SECRET//NOFORN"], ("SECRET", 3)),
    (["DIFFUSION RESTREINTE"], ("RESTRICTED", 1)),
    (["TRÈS SECRET", "CONFIDENTIAL"], ("TOP SECRET", 4)),
    (["SECRET DÉFENSE"], ("SECRET", 3)),
    (["CONFIDENTIEL DÉFENSE"], ("CONFIDENTIAL", 2)),
    (["OFFICIAL-SENSITIVE"], ("OFFICIAL-SENSITIVE", 1)),
    (["CONTROLLED UNCLASSIFIED INFORMATION"], ("CUI", 1)),
    ([], (None, 0)),
])
def test_classification_is_the_highest_level(markings, expected):
    assert classification(markings) == expected


def test_banners_in_a_texts_first_and_last_lines_only():
    middle = "\n".join(f"Paragraph {n}." for n in range(20))
    text = f"SECRET//NOFORN\nMemo\n{middle}\nSECRET\n{middle}\nCUI\n"
    label = extract("memo.txt", text.encode())["label"]
    assert label == {"mip": None, "markings": ["SECRET//NOFORN", "CUI"], "classification": "SECRET", "level": 3}


def test_a_docx_banner_in_its_header():
    label = extract("h.docx", _docx("Budget for 2025.", header="DIFFUSION RESTREINTE"))["label"]
    assert (label["markings"], label["classification"]) == (["DIFFUSION RESTREINTE"], "RESTRICTED")


def test_a_workbook_banner_in_a_sheets_first_row():
    label = extract("b.xlsx", _xlsx(["OFFICIAL-SENSITIVE"], ["Item", "Cost"], ["Paper", 3]))["label"]
    assert label["classification"] == "OFFICIAL-SENSITIVE"


def test_a_pdf_marked_at_the_top_and_bottom_of_its_pages():
    from tests.test_documents_pdf import build_pdf

    # on a short page the banner line joins the text after it in one paragraph; the label still sees it
    marked = build_pdf([["SECRET//NOFORN", "Budget report, with several words on this line", "and more"],
                        ["More text on the last page of the report", "SECRET//NOFORN"]])
    result = extract("report.pdf", marked)
    assert result["paragraphs"][0]["text"].startswith("SECRET//NOFORN Budget report")
    assert (result["label"]["markings"], result["label"]["level"]) == (["SECRET//NOFORN"], 3)
    unmarked = build_pdf([["Budget report", "The word SECRET in a sentence is no banner."]])
    assert extract("report.pdf", unmarked)["label"] is None


def test_an_email_marked_in_its_first_line_and_a_quoted_message():
    thread = (b"<html><body><p>CLASSIFICATION: CONFIDENTIAL</p><p>Hello team, see below.</p>"
              b"<div id='divRplyFwdMsg'><b>From:</b> Ana<br><b>Sent:</b> Monday<br><b>Subject:</b> Plan</div>"
              b"<p>Earlier text.</p><p>CUI</p></body></html>")
    label = extract("message.html", thread)["label"]
    assert label["markings"] == ["CLASSIFICATION: CONFIDENTIAL", "CUI"] and label["classification"] == "CONFIDENTIAL"


def test_plain_documents_have_no_label(corpus_dir):
    assert extract("p.txt", b"Hello.\nThe secret is out.")["label"] is None
    assert extract("p.docx", _docx("A plain note."))["label"] is None


# ---- labels of the files a job reads: in the job context before any model call, and in the result ----

def _file(name: str, data: bytes) -> dict:
    return {"filename": name, "content_base64": base64.b64encode(data).decode("ascii")}


@pytest.fixture(scope="module")
def tokens(tmp_path_factory):
    from server.llm.tokens import TokenCounter

    return TokenCounter(tmp_path_factory.mktemp("tiktoken"))


def _job_context(tokens, replies: list[str]):
    from server.assist.jobs import JobContext
    from server.assist.presets import Presets
    from server.llm.fake import FakeModel

    return JobContext(model=FakeModel(replies), presets=Presets.load(), tokens=tokens)


def test_combined_label_takes_the_highest_level_every_marking_and_the_enabled_mip_label():
    disabled = {"id": GUID_A, "name": "Old", "enabled": False}
    enabled = {"id": GUID_B, "name": "Secret", "enabled": True}
    sources = [
        {"field": "document", "filename": "a.docx",
         "label": {"mip": disabled, "markings": ["CUI"], "classification": "CUI", "level": 1}},
        {"field": "attachments[0]", "filename": "b.txt",
         "label": {"mip": None, "markings": ["SECRET//NOFORN", "CUI"], "classification": "SECRET", "level": 3}},
        {"field": "attachments[1]", "filename": "c.xlsx",
         "label": {"mip": enabled, "markings": [], "classification": None, "level": 0}},
    ]
    assert combined_label(sources) == {"mip": enabled, "markings": ["CUI", "SECRET//NOFORN"],
                                       "classification": "SECRET", "level": 3, "sources": sources}
    assert combined_label(sources[:1])["mip"] == disabled  # no enabled label: the first one found
    assert combined_label([]) is None


def test_summarize_holds_the_labels_before_any_model_call_and_returns_them(tokens):
    from server.assist.jobs import JOBS

    labelled = _with_parts(_docx("Budget for 2025."), {"docProps/custom.xml": _custom_xml(_msip(GUID_A, "Internal"))})
    body = {"document": _file("budget.docx", labelled),
            "attachments": [_file("plain.txt", b"Nothing marked here."),
                            _file("memo.txt", b"SECRET//NOFORN\nThe plan.\nSECRET//NOFORN\n")]}
    ctx = _job_context(tokens, ["- The budget is set. [p1]"])
    events = JOBS["summarize"](body, ctx)
    # the body is validated and the files read: a guard can act on ctx.labels before the model is called
    assert ctx.model.calls == []
    assert [(s["field"], s["filename"]) for s in ctx.labels] == [("document", "budget.docx"),
                                                                ("attachments[1]", "memo.txt")]
    result = list(events)[-1][1]
    label = result["label"]
    assert (label["classification"], label["level"], label["markings"]) == ("SECRET", 3, ["SECRET//NOFORN"])
    assert label["mip"]["name"] == "Internal" and label["mip"]["id"] == GUID_A
    assert [s["label"]["level"] for s in label["sources"]] == [0, 3]


def test_draft_returns_the_labels_of_its_document_and_attachments(tokens):
    from server.assist.jobs import JOBS

    body = {"instruction": "Write a note.",
            "document": _file("brief.docx", _docx("CUI", "The brief.")),
            "attachments": [_file("annex.xlsx", _xlsx(["OFFICIAL-SENSITIVE"], ["Cost", 3]))]}
    ctx = _job_context(tokens, ["A short note."])
    result = list(JOBS["draft"](body, ctx))[-1][1]
    assert [(s["field"], s["label"]["classification"]) for s in result["label"]["sources"]] == [
        ("document", "CUI"), ("attachments[0]", "OFFICIAL-SENSITIVE")]
    assert result["label"]["level"] == 1


def test_jobs_without_labelled_files_return_label_null(tokens):
    from server.assist.jobs import JOBS

    summary = list(JOBS["summarize"]({"text": "SECRET\nA pasted text is not a file."},
                                     _job_context(tokens, ["- A text. [p1]"])))[-1][1]
    draft = list(JOBS["draft"]({"instruction": "Write.", "attachments": [_file("a.txt", b"Plain.")]},
                               _job_context(tokens, ["Done."])))[-1][1]
    assert summary["label"] is None and draft["label"] is None
