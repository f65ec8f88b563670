"""Hostile and damaged files: every one gets a typed error (413 / 415 / 422), never another exception."""
from __future__ import annotations

import io
import socket
import struct
import zipfile
import zlib

import docx
import pytest

from server.documents import Limits, extract
from server.errors import DrafterError, TooLarge, UnreadableDocument, UnsupportedType

# file: (error class, message fragment); None means it extracts (as the kind its extension names)
BAD = {
    "54764.xlsx": (UnreadableDocument, "declares a document type (DTD)"),
    "ExternalEntityInText.docx": (UnreadableDocument, "declares a document type (DTD)"),
    "bug53475-password-is-pass.docx": (UnreadableDocument, "password-protected"),
    "clusterfuzz-testcase-minimized-POIFuzzer-5040805309710336.xlsx": (UnreadableDocument, "damaged"),
    "clusterfuzz-testcase-minimized-POIXWPFFuzzer-6733884933668864.docx": (UnreadableDocument, "integrity check"),
    "cpansearch.perl.org_src_tobyink_acme-rundoc-0.001_word-lib_hello_world.docm": (UnsupportedType, "save it as .docx"),
    "invalid.xlsx": (UnreadableDocument, "empty zip archive"),
    "issue_530.xlsx": (UnreadableDocument, "backslashes"),  # not a valid OPC package; saving it again mends it
    "protected_passtika.xlsx": (UnreadableDocument, "password-protected"),
    "truncated62886.docx": (UnreadableDocument, "truncated"),
}
STATUS = {UnsupportedType: (415, "unsupported_type"), UnreadableDocument: (422, "unreadable_document"),
          TooLarge: (413, "too_large")}


def test_the_table_covers_every_bad_file(corpus_dir):
    assert sorted(path.name for path in (corpus_dir / "bad").iterdir()) == sorted(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_corpus_file_gets_a_typed_error(corpus_dir, name):
    data = (corpus_dir / "bad" / name).read_bytes()
    if BAD[name] is None:
        assert extract(name, data)["kind"] == name.rsplit(".", 1)[1]
        return
    error_class, fragment = BAD[name]
    with pytest.raises(DrafterError) as caught:
        extract(name, data)
    assert type(caught.value) is error_class
    assert (caught.value.status, caught.value.code) == STATUS[error_class]
    assert fragment in caught.value.message


def test_a_renamed_legacy_doc_is_refused_whatever_its_extension(corpus_dir):
    data = (corpus_dir / "bad" / "cpansearch.perl.org_src_tobyink_acme-rundoc-0.001_word-lib_hello_world.docm").read_bytes()
    with pytest.raises(UnsupportedType, match="legacy Word 97-2003"):
        extract("report.docx", data)


def test_external_entity_is_neither_expanded_nor_fetched(corpus_dir, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("extraction tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(UnreadableDocument, match="document type"):
        extract("x.docx", (corpus_dir / "bad" / "ExternalEntityInText.docx").read_bytes())


# ---- generated hostile packages ----

def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _real_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Hello")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _replace_member(package: bytes, name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        members = {item.filename: source.read(item.filename) for item in source.infolist()}
    members[name] = content
    return _zip(members)


def test_size_cap():
    with pytest.raises(TooLarge, match="at most 1 kB"):
        extract("big.txt", b"a" * 2048, limits=Limits(max_bytes=1024))
    assert extract("ok.txt", b"a" * 1024, limits=Limits(max_bytes=1024))["stats"]["characters"] == 1024


def test_empty_file():
    with pytest.raises(UnreadableDocument, match="empty"):
        extract("empty.docx", b"")


def test_zip_bomb_ratio_is_refused_from_the_central_directory():
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    with pytest.raises(TooLarge, match="zip bombs"):
        extract("bomb.docx", bomb)


def test_total_uncompressed_cap():
    package = _zip({"word/a.xml": b"a" * 5000, "word/b.xml": b"b" * 5000})
    with pytest.raises(TooLarge, match="expands to"):
        extract("x.docx", package, limits=Limits(max_uncompressed=8000))


@pytest.mark.parametrize(("members", "limits"), [(100_000, Limits()), (6000, Limits()), (11, Limits(max_members=10))])
def test_member_count_cap(members, limits):
    # short names keep 100,000 members (a zip64 directory) under the 10 MB upload cap: the count is what is refused
    package = _zip({f"w/{n}": b"" for n in range(members)}, zipfile.ZIP_STORED)
    assert len(package) < Limits().max_bytes
    with pytest.raises(TooLarge, match="parts; at most"):
        extract("many.docx", package, limits=limits)


def test_a_part_that_inflates_past_its_declared_size_is_refused():
    """A lying header: declared size and CRC cover only the first kilobyte of a 1 MB part."""
    content = b"<w:document>" + b"a" * (1024 * 1024)
    package = bytearray(_zip({"word/document.xml": content}))
    declared, crc = 1024, zlib.crc32(content[:1024])
    local = package.find(b"PK\x03\x04")
    central = package.find(b"PK\x01\x02")
    struct.pack_into("<I", package, local + 14, crc)
    struct.pack_into("<I", package, local + 22, declared)
    struct.pack_into("<I", package, central + 16, crc)
    struct.pack_into("<I", package, central + 24, declared)
    with pytest.raises(UnreadableDocument, match="larger than it declares"):
        extract("liar.docx", bytes(package))


def test_encrypted_zip_entries_are_refused():
    package = bytearray(_zip({"word/document.xml": b"<x/>"}))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = package.find(signature)
        struct.pack_into("<H", package, at + flag_offset, 1)
    with pytest.raises(UnreadableDocument, match="password-protected"):
        extract("x.docx", bytes(package))


def test_compression_methods_office_never_uses_are_refused():
    with pytest.raises(UnreadableDocument, match="compression method"):
        extract("x.docx", _zip({"word/document.xml": b"<x/>"}, zipfile.ZIP_BZIP2))


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_package(cut):
    data = _real_docx()
    with pytest.raises(UnreadableDocument):
        extract("cut.docx", data[: int(len(data) * cut)])


def test_malformed_document_xml():
    package = _replace_member(_real_docx(), "word/document.xml", b"<w:document><unclosed>")
    with pytest.raises(UnreadableDocument, match="could not be read as a Word document"):
        extract("x.docx", package)


@pytest.mark.parametrize("depth", [1, 3, 9])
def test_internal_entities_are_never_expanded(depth):
    """Billion laughs at depth 9; shallow ones too: any DTD is refused before a parser sees the part."""
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, depth + 1))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>x&a{depth};y</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    package = _replace_member(_real_docx(), "word/document.xml", document)
    with pytest.raises(UnreadableDocument, match="declares a document type"):
        extract("laughs.docx", package)


def test_a_zip_with_bytes_before_it_still_opens():
    result = extract("x.docx", b"prefix" * 50 + _real_docx())
    assert [p["text"] for p in result["paragraphs"]] == ["Hello"]


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"}, "PowerPoint"),
        ({"readme.txt": b"hello"}, "not a Word document"),
    ],
)
def test_other_zip_packages_are_unsupported(members, fragment):
    with pytest.raises(UnsupportedType, match=fragment):
        extract("x.docx", _zip(members))


def test_word_package_whose_main_part_is_missing():
    content_types = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    package = _zip({"[Content_Types].xml": content_types, "word/document.xml": b"<x/>"})
    with pytest.raises(UnreadableDocument):
        extract("x.docx", package)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


@pytest.mark.parametrize(
    ("data", "error_class", "fragment"),
    [
        (OLE + "EncryptionInfo".encode("utf-16-le"), UnreadableDocument, "password-protected"),
        (OLE + "WordDocument".encode("utf-16-le"), UnsupportedType, "save it as .docx"),
        (OLE + "Workbook".encode("utf-16-le"), UnsupportedType, "save it as .xlsx"),
        (OLE + "PowerPoint Document".encode("utf-16-le"), UnsupportedType, "PowerPoint"),
        (OLE, UnsupportedType, "legacy Office file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", UnreadableDocument, "could not be read as a PDF"),
        (b"\xef\xbb\xbf%PDF-1.4 after a BOM", UnreadableDocument, "could not be read as a PDF"),
        (b"{\\rtf1\\ansi hello}", UnsupportedType, "Rich Text"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", UnsupportedType, "Images"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", UnsupportedType, "Images"),
        (b"GIF89a\x01\0\x01\0", UnsupportedType, "Images"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 100, UnsupportedType, "binary"),
    ],
)
def test_sniffed_types(data, error_class, fragment):
    with pytest.raises(error_class, match=fragment):
        extract("file.txt", data)


@pytest.mark.parametrize("data", [
    b"Save the form as PDF: the file must start with %PDF-1.7, which Acrobat writes itself.\n",
    b"Notes\n\nThe scanner writes %PDF-1.4 headers; see the attached guide.\n" * 3,
])
def test_text_that_mentions_the_pdf_header_is_text(data):
    result = extract("notes.txt", data)
    assert result["kind"] == "text" and "%PDF-" in result["paragraphs"][0]["text"] + result["paragraphs"][-1]["text"]


def test_a_pdf_with_bytes_before_its_header_is_still_a_pdf():
    # readers accept the header anywhere in the first 1024 bytes; such a file still ends as a PDF does
    data = b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\nendobj\n%%EOF\n"
    with pytest.raises(UnreadableDocument, match="could not be read as a PDF"):
        extract("scan.txt", data)


# ---- what a document may hold, so that reading it fits in memory ----

def _docx_of_paragraphs(count: int, compression=zipfile.ZIP_DEFLATED) -> bytes:
    document = docx.Document()
    for n in range(count):
        document.add_paragraph(f"Paragraph {n}.")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        return _zip({item.filename: source.read(item.filename) for item in source.infolist()}, compression)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_docx_whose_xml_tree_would_not_fit_is_refused_before_parsing(compression, monkeypatch):
    import server.documents.docx_reader as docx_reader

    def parsed(*_args):
        raise AssertionError("the package was parsed")

    data = _docx_of_paragraphs(200, compression)
    monkeypatch.setattr(docx_reader.Package, "open", parsed)
    with pytest.raises(TooLarge, match=r"too large to read at once \(.* XML elements and attributes.*at most 2,000"):
        extract("big.docx", data, limits=Limits(max_xml_nodes=2000))
    with pytest.raises(TooLarge, match=r"at most 400,000 and 0\.1 MB"):
        extract("big.docx", data, limits=Limits(max_xml_bytes=100_000))


def test_the_node_count_sees_attributes_whatever_their_spacing():
    def with_body(paragraph: str) -> bytes:
        return _replace_member(_real_docx(), "word/document.xml", (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f"{paragraph * 100}</w:body></w:document>").encode())

    package = with_body("<w:p w:rsidR = '00A1' w:rsidP= \"1\"/>")
    assert _xml_nodes(package) - _xml_nodes(with_body("<w:p/>")) == 200  # two attributes on each paragraph
    assert extract("x.docx", package, limits=Limits(max_xml_nodes=_xml_nodes(package)))["kind"] == "docx"
    with pytest.raises(TooLarge):
        extract("x.docx", package, limits=Limits(max_xml_nodes=_xml_nodes(package) - 1))


def _xml_nodes(package: bytes) -> int:
    from server.documents.zipguard import open_package

    with open_package(package, Limits()) as opened:
        return sum(nodes for nodes, _ in opened.xml_nodes.values())


def test_a_workbooks_streamed_sheets_do_not_count_toward_the_tree_cap():
    import openpyxl

    workbook = openpyxl.Workbook()
    for n in range(3000):
        workbook.active.append([n, n * 2, n * 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = extract("rows.xlsx", buffer.getvalue(), limits=Limits(max_xml_nodes=5000))
    assert result["sheets"][0]["rows"] == 3000


def test_a_workbooks_shared_strings_styles_and_workbook_parts_count(corpus_dir):
    data = (corpus_dir / "xlsx" / "FormulaEvalTestData_Copy.xlsx").read_bytes()  # 1,222 shared strings
    from server.documents.zipguard import open_package

    with open_package(data, Limits()) as package:
        counts = {name: nodes for name, (nodes, _) in package.xml_nodes.items()}
    parsed = counts["xl/sharedStrings.xml"] + counts["xl/styles.xml"] + counts["xl/workbook.xml"]
    assert sum(nodes for name, nodes in counts.items() if name.startswith("xl/worksheets/")) > parsed
    assert extract("f.xlsx", data, limits=Limits(max_xml_nodes=parsed))["kind"] == "xlsx"
    with pytest.raises(TooLarge, match="too large to read at once"):
        extract("f.xlsx", data, limits=Limits(max_xml_nodes=parsed - 1))


@pytest.mark.parametrize(("limits", "fragment"), [
    (Limits(max_paragraphs=50), "at most 50 paragraphs"),
    (Limits(max_text_chars=500), "500 characters"),
])
def test_a_docx_with_more_text_than_is_read_at_once_is_413(limits, fragment):
    with pytest.raises(TooLarge, match=fragment):
        extract("long.docx", _docx_of_paragraphs(60), limits=limits)
    assert extract("long.docx", _docx_of_paragraphs(50), limits=Limits(max_paragraphs=50))["stats"]["paragraphs"] == 50


def test_notes_headers_and_footers_count_toward_the_same_paragraph_cap(corpus_dir):
    data = (corpus_dir / "docx" / "stress011.docx").read_bytes()  # 183 body paragraphs, 40 footnotes, 5 more
    assert len(extract("s.docx", data, limits=Limits(max_paragraphs=300))["paragraphs"]) == 228
    with pytest.raises(TooLarge):
        extract("s.docx", data, limits=Limits(max_paragraphs=190))  # the body fits; its footnotes do not


def test_text_with_more_lines_than_are_read_at_once_is_413():
    assert len(extract("a.txt", b"one\n\n\ntwo\nthree", limits=Limits(max_paragraphs=3))["paragraphs"]) == 3
    with pytest.raises(TooLarge, match="more than 3 lines with words"):
        extract("a.txt", b"one\ntwo\nthree\nfour", limits=Limits(max_paragraphs=3))


def test_summarize_text_with_too_many_lines_names_the_field():
    from server.assist.sources import summary_paragraphs

    with pytest.raises(TooLarge) as caught:
        summary_paragraphs({"text": "a\n" * (Limits().max_paragraphs + 1)})
    assert caught.value.field == "text"
