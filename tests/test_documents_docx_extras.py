"""A .docx's footnotes, endnotes, headers, footers and comments; the per-file deadline."""
from __future__ import annotations

import base64
import io
import re
import zipfile

import docx
import pytest

from server.assist.sources import document_text, summary_paragraphs
from server.documents import Limits, extract, paragraphs_from_text
from server.documents.deadline import TOO_SLOW, Deadline, check_deadline, reading
from server.errors import UnreadableDocument

BODY_ID = re.compile(r"^p\d+$")
EXTRA_ID = re.compile(r"^(?:fn|en|c|hdr|ftr)\d+\.p\d+$")

# file: (footnotes, endnotes, comments, has_headers_footers, [(id, part, text start) expected among the extras])
CORPUS = {
    "footnotes.docx": (1, 0, 0, False, [("fn1.p1", "footnote", "snoska")]),
    "endnotes.docx": (0, 1, 0, False, [("en1.p1", "endnote", "XXX")]),
    "Bug54849.docx": (1, 1, 0, True, [("fn1.p1", "footnote", "Footnote_sdt"), ("en1.p1", "endnote", "Endnote"),
                                      ("hdr1.p1", "header", "This is a header"), ("ftr1.p1", "footer", "Footer_")]),
    "stress011.docx": (40, 0, 0, True, [("fn40.p1", "footnote", "()\tانظر A/68/267")]),
    "hdr-header-footer.docx": (0, 0, 0, True, [("hdr2.p1", "header", "Header for section-1"),
                                               ("ftr2.p1", "footer", "Footer for section 1")]),
    "doc-odd-even-hdrs.docx": (0, 0, 0, True, [("hdr1.p1", "header", "Even page header."),
                                               ("hdr2.p1", "header", "Odd page header.")]),
    "comments-rich-para.docx": (0, 0, 4, False, [("c1.p1", "comment", "Text with hyperlink"),
                                                 ("c4.p1", "comment", "Paragraph with Heading 2")]),
    "comment.docx": (0, 0, 1, False, [("c1.p1", "comment", "This is the first line"),
                                      ("c1.p3", "comment", "This is the second line")]),
    "WordWithAttachments.docx": (0, 0, 3, True, [("hdr2.p2", "header", "Страница 1"), ("c3.p1", "comment", "Third")]),
    "par-known-styles.docx": (0, 0, 0, False, []),
}


def _read(corpus_dir, name: str) -> dict:
    return extract(name, (corpus_dir / "docx" / name).read_bytes())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_notes_headers_footers_and_comments(corpus_dir, name):
    footnotes, endnotes, comments, headers_footers, expected = CORPUS[name]
    result = _read(corpus_dir, name)
    stats = result["stats"]
    assert (stats["footnotes"], stats["endnotes"], stats["comments"]) == (footnotes, endnotes, comments)
    assert stats["has_comments"] is (comments > 0) and stats["has_headers_footers"] is headers_footers
    extras = {p["id"]: p for p in result["paragraphs"] if "part" in p}
    for paragraph_id, part, start in expected:
        assert extras[paragraph_id]["part"] == part
        assert extras[paragraph_id]["text"].startswith(start)
    ids = [p["id"] for p in result["paragraphs"]]
    assert len(ids) == len(set(ids))
    for paragraph in result["paragraphs"]:  # body ids and extra ids come from disjoint patterns
        assert (BODY_ID.match(paragraph["id"]) is not None) is ("part" not in paragraph)
        assert "part" not in paragraph or EXTRA_ID.match(paragraph["id"])
    body = [p for p in result["paragraphs"] if "part" not in p]
    assert stats["paragraphs"] == len(body)  # stats count the main text
    assert stats["words"] == sum(len(p["text"].split()) for p in body)
    assert result["paragraphs"][:len(body)] == body  # the main text comes first


def test_every_real_footnote_is_listed_and_separators_are_not(corpus_dir):
    result = _read(corpus_dir, "stress011.docx")
    notes = sorted({p["id"].split(".")[0] for p in result["paragraphs"] if p.get("part") == "footnote"},
                   key=lambda note: int(note[2:]))
    assert notes == [f"fn{n}" for n in range(1, 41)]


def test_repeated_header_text_is_listed_once(corpus_dir):
    result = _read(corpus_dir, "hdr-header-footer.docx")
    texts = [p["text"] for p in result["paragraphs"] if p.get("part") in ("header", "footer")]
    assert len(texts) == len(set(texts))


def test_headers_are_numbered_in_section_order_and_tables_inside_get_prefixed_ids():
    document = docx.Document()
    document.add_paragraph("Body")
    header = document.sections[0].header
    header.paragraphs[0].text = "Letterhead"
    table = header.add_table(rows=1, cols=2, width=docx.shared.Inches(4))
    table.cell(0, 0).text = "Ref"
    buffer = io.BytesIO()
    document.save(buffer)
    result = extract("h.docx", buffer.getvalue())
    extras = [(p["id"], p["text"], p["table"]) for p in result["paragraphs"] if "part" in p]
    assert extras == [("hdr1.p1", "Letterhead", None), ("hdr1.p2", "Ref", "hdr1.t1")]
    assert result["tables"] == []  # a header's tables are not the body's


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name else source.read(item.filename))
    return out.getvalue()


@pytest.mark.parametrize("content", [b"<w:footnotes", b"not xml at all"])
def test_a_damaged_notes_part_leaves_the_body_readable(corpus_dir, content):
    data = _replace_part((corpus_dir / "docx" / "footnotes.docx").read_bytes(), "word/footnotes.xml", content)
    result = extract("f.docx", data)
    assert [p["id"] for p in result["paragraphs"] if "part" not in p] == ["p1"]
    assert [p for p in result["paragraphs"] if p.get("part") == "footnote"] == []


def test_a_notes_part_with_an_external_entity_refuses_the_file(corpus_dir):
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://example.invalid/">]>'
               b'<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
               b'<w:footnote w:id="1"><w:p><w:r><w:t>&e;kept</w:t></w:r></w:p></w:footnote></w:footnotes>')
    data = _replace_part((corpus_dir / "docx" / "footnotes.docx").read_bytes(), "word/footnotes.xml", hostile)
    with pytest.raises(UnreadableDocument, match="declares a document type"):
        extract("f.docx", data)


def test_summaries_and_drafts_read_notes_but_not_headers_footers_or_comments(corpus_dir):
    def file(name):
        return {"filename": name, "content_base64": base64.b64encode((corpus_dir / "docx" / name).read_bytes()).decode()}

    paragraphs = summary_paragraphs({"document": file("Bug54849.docx")})
    parts = {p.get("part") for p in paragraphs}
    assert parts == {None, "footnote", "endnote"}
    assert "fn1.p1" in {p["id"] for p in paragraphs}
    attached = summary_paragraphs({"attachments": [file("WordWithAttachments.docx")]})
    assert all(p.get("part") is None for p in attached) and attached[0]["id"].startswith("a1.p")
    text = document_text(extract("w.docx", (corpus_dir / "docx" / "WordWithAttachments.docx").read_bytes()))
    assert "Third" not in text.split("\n\n") and "Страница 1" not in text


# ---- the deadline ----

def test_a_docx_past_its_deadline_is_refused_with_422(corpus_dir):
    with pytest.raises(UnreadableDocument) as caught:
        extract("s.docx", (corpus_dir / "docx" / "stress011.docx").read_bytes(), limits=Limits(max_seconds=0.0))
    assert caught.value.status == 422 and caught.value.message == TOO_SLOW


def test_text_past_its_deadline_is_refused_with_422():
    with pytest.raises(UnreadableDocument, match="took too long"):
        extract("t.txt", b"line\n" * 10_000, limits=Limits(max_seconds=0.0))


def test_the_check_is_cooperative_and_stops_mid_text():
    now = [0.0]

    def clock():
        now[0] += 1.0  # every look at the clock is one second later
        return now[0]

    with reading(5.0, clock=clock), pytest.raises(UnreadableDocument):
        paragraphs_from_text("line\n" * 10_000)
    assert 2 <= now[0] <= 10  # stopped after a few checks, not at the end of the text


def test_outside_reading_the_check_does_nothing_and_the_bound_ends_with_the_block():
    check_deadline()
    with reading(0.0):
        with pytest.raises(UnreadableDocument):
            check_deadline()
    check_deadline()
    assert paragraphs_from_text("a\nb")[1]["id"] == "p2"


def test_a_generous_bound_lets_the_file_through(corpus_dir):
    result = extract("s.docx", (corpus_dir / "docx" / "stress011.docx").read_bytes(), limits=Limits(max_seconds=60))
    assert result["stats"]["footnotes"] == 40
    assert Deadline(60).passed() is False and Deadline(0).passed() is True
