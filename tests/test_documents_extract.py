"""Extraction of real .docx files and of text: paragraph ids that match Word's paragraph collection."""
from __future__ import annotations

import codecs
import io

import docx
import pytest
from docx.oxml import parse_xml
from lxml import etree

from server.documents import extract, paragraphs_from_text
from server.documents.text_reader import decode_text
from server.errors import UnsupportedType
from tests.corpus_sources import docx_counts

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
W = f"{{{NS['w']}}}"
# Word's body.paragraphs (WordApi 1.3 and later), found independently of the reader: every w:p of the body, in
# document order, those in table cells and content controls included, text boxes' left out (they have their own).
WORD_PARAGRAPHS = etree.XPath(".//w:p[not(ancestor::w:txbxContent)][not(ancestor::mc:Fallback)]", namespaces=NS)
ALL_TABLES = etree.XPath(".//w:tbl[not(ancestor::w:txbxContent)][not(ancestor::mc:Fallback)]", namespaces=NS)
IN_A_TABLE = etree.XPath("boolean(ancestor::w:tbl)", namespaces=NS)
_NOT_SHOWN = {W + "del", W + "moveFrom", W + "txbxContent", W + "rt", f"{{{NS['mc']}}}Fallback"}

# file: (Word paragraphs incl. table cells and content controls, non-empty ones listed, tables incl. nested
#        and content-control tables); python-docx's own counts are in corpus/SOURCES.md
CORPUS = {
    "56392.docx": (18, 13, 0),
    "65099.docx": (19, 16, 1),
    "Bug54849.docx": (43, 17, 2),
    "WordWithAttachments.docx": (50, 31, 1),
    "blk-paras-and-tables.docx": (12, 6, 4),
    "bug66312.docx": (3, 2, 1),
    "checkboxes.docx": (16, 6, 1),
    "comment.docx": (1, 0, 0),
    "comments-rich-para.docx": (14, 7, 0),
    "delins.docx": (25, 21, 0),
    "doc-coreprops.docx": (1, 0, 0),
    "doc-odd-even-hdrs.docx": (3, 2, 0),
    "endnotes.docx": (12, 10, 0),
    "footnotes.docx": (1, 1, 0),
    "having-images.docx": (5, 0, 0),
    "hdr-header-footer.docx": (3, 2, 0),
    "par-hlink-frags.docx": (9, 9, 0),
    "par-known-styles.docx": (5, 4, 0),
    "sct-section-props.docx": (9, 5, 0),
    "stress011.docx": (187, 183, 1),
    "tbl-cell-access.docx": (37, 31, 4),
    "tbl-having-tables.docx": (24, 0, 3),
}


def shown_text(paragraph) -> str:
    """The text Word shows in one w:p, without spaces: its w:t, less deleted text and other paragraphs' (text
    boxes, ruby guides)."""
    parts = []
    for text in paragraph.iter(W + "t"):
        owner = text.getparent()
        while owner is not paragraph and owner.tag not in _NOT_SHOWN and owner.tag != W + "p":
            owner = owner.getparent()
        if owner is paragraph:
            parts.append("".join(text.itertext()))
    return "".join("".join(parts).split())


@pytest.fixture(scope="module")
def sources(corpus_dir) -> dict:
    return docx_counts(corpus_dir)


def test_the_tables_cover_every_corpus_file(corpus_dir, sources):
    assert sorted(path.name for path in (corpus_dir / "docx").iterdir()) == sorted(CORPUS) == sorted(sources)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_docx_has_the_counts_sources_md_lists(corpus_dir, sources, name):
    """SOURCES.md counts what python-docx sees: body-level paragraphs and tables, sections, pictures, comments.
    The extraction accounts for each of them."""
    listed = sources[name]
    data = (corpus_dir / "docx" / name).read_bytes()
    reference = docx.Document(io.BytesIO(data))
    assert {"paragraphs": len(reference.paragraphs), "tables": len(reference.tables),
            "sections": len(reference.sections), "pictures": len(reference.inline_shapes),
            "comments": len(reference.comments)} == listed

    result = extract(name, data)
    body = [p for p in result["paragraphs"] if "part" not in p]
    word_paragraphs = WORD_PARAGRAPHS(reference.element.body)
    # each body-level paragraph SOURCES.md counts is listed under its place in Word's collection, unless empty
    positions = [word_paragraphs.index(p._p) + 1 for p in reference.paragraphs]
    assert len(positions) == listed["paragraphs"]
    expected = {f"p{n}" for n in positions if shown_text(word_paragraphs[n - 1])}
    assert expected == {p["id"] for p in body} & {f"p{n}" for n in positions}
    # each table SOURCES.md counts is extracted with its rows, every row as wide as the table's grid
    all_tables = ALL_TABLES(reference.element.body)
    assert len(reference.tables) == listed["tables"]
    for table in reference.tables:
        number = all_tables.index(table._tbl) + 1
        rows = result["tables"][number - 1]["rows"]
        assert len(rows) == len(table.rows)
        assert {len(row) for row in rows} <= {len(table._tbl.findall(f"{W}tblGrid/{W}gridCol"))}
    assert result["stats"]["tables"] == len(all_tables)  # nested tables and tables in content controls too
    assert result["stats"]["comments"] == listed["comments"]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_docx_ids_are_words_paragraph_collection(corpus_dir, name):
    """"p<n>" is body.paragraphs.items[n-1] in the pane: for every paragraph Word lists, the extraction has
    exactly its text under p<n>, or nothing when it is empty, so a citation selects the paragraph it quotes."""
    word_count, listed, tables = CORPUS[name]
    data = (corpus_dir / "docx" / name).read_bytes()
    word_paragraphs = WORD_PARAGRAPHS(docx.Document(io.BytesIO(data)).element.body)
    assert len(word_paragraphs) == word_count

    result = extract(name, data)
    assert result["kind"] == "docx"
    # notes, headers, footers and comments follow with a `part` and ids of their own (test_documents_docx_extras)
    body = {p["id"]: p for p in result["paragraphs"] if "part" not in p}
    assert (result["stats"]["paragraphs"], len(body), result["stats"]["tables"]) == (listed, listed, tables)
    for n, element in enumerate(word_paragraphs, start=1):
        paragraph = body.pop(f"p{n}", None)
        assert ("".join(paragraph["text"].split()) if paragraph else "") == shown_text(element), f"p{n}"
        if paragraph:
            assert (paragraph["table"] is not None) == IN_A_TABLE(element), f"p{n}"
    assert body == {}  # no id beyond Word's collection
    assert [p["id"] for p in result["paragraphs"] if "part" not in p] == sorted(
        (p["id"] for p in result["paragraphs"] if "part" not in p), key=lambda i: int(i[1:]))
    for table in result["tables"]:  # a table's paragraphs are in its cells
        cells = "\n".join(cell for row in table["rows"] for cell in row)
        assert all(p["text"] in cells for p in result["paragraphs"] if p["table"] == table["id"] and "part" not in p)
    assert result["stats"]["words"] == sum(len(p["text"].split()) for p in result["paragraphs"] if "part" not in p)
    assert [t["id"] for t in result["tables"]] == [f"t{n}" for n in range(1, tables + 1)]


def test_styles_and_heading_levels(corpus_dir):
    result = extract("x.docx", (corpus_dir / "docx" / "par-known-styles.docx").read_bytes())
    assert [(p["style"], p["level"], p["text"]) for p in result["paragraphs"]] == [
        ("Normal", 0, "no specified style"),
        ("Normal", 0, "missing style"),  # an unknown style id falls back to the default style
        ("Heading 1", 1, "Heading 1"),
        ("Body Text", 0, "Body Text"),
    ]


def test_outline_level_comes_from_a_custom_styles_definition(corpus_dir):
    result = extract("x.docx", (corpus_dir / "docx" / "65099.docx").read_bytes())
    heading = next(p for p in result["paragraphs"] if p["text"] == "Acronyms")
    assert (heading["style"], heading["level"], heading["list"]) == ("Edf Titre 3", 3, True)


def test_numbered_list_paragraphs_are_flagged(corpus_dir):
    result = extract("x.docx", (corpus_dir / "docx" / "delins.docx").read_bytes())
    flagged = [p["id"] for p in result["paragraphs"] if p["list"]]
    assert flagged[:3] == ["p2", "p3", "p4"] and result["paragraphs"][0]["list"] is False


def test_merged_cells_leave_the_continued_cell_empty(corpus_dir):
    result = extract("x.docx", (corpus_dir / "docx" / "tbl-cell-access.docx").read_bytes())
    assert result["tables"][1]["rows"] == [["1", "2", "3"], ["4", "", "6"], ["7", "8", "9"]]
    assert result["tables"][1]["markdown"] == "| 1 | 2 | 3 |\n|---|---|---|\n| 4 |  | 6 |\n| 7 | 8 | 9 |"


BODY = """<w:body xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
  xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
  <w:p><w:r><w:t>Kept </w:t></w:r><w:ins w:id="1" w:author="a"><w:r><w:t>inserted</w:t></w:r></w:ins>
       <w:del w:id="2" w:author="a"><w:r><w:delText>deleted</w:delText></w:r></w:del>
       <w:r><w:tab/><w:t>tab</w:t><w:br/><w:t>line</w:t><w:instrText> HYPERLINK "x" </w:instrText></w:r></w:p>
  <w:p/>
  <w:sdt><w:sdtPr><w:alias w:val="control"/></w:sdtPr><w:sdtContent>
    <w:p><w:r><w:t>in a content control</w:t></w:r></w:p></w:sdtContent></w:sdt>
  <w:tbl><w:tr><w:tc><w:p><w:r><w:t>outer</w:t></w:r></w:p>
      <w:tbl><w:tr><w:tc><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
      <w:p/></w:tc>
    <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>wide</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
  <w:p><w:r><w:t>after</w:t></w:r><w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>text box</w:t></w:r></w:p>
    </w:txbxContent></w:drawing></w:r></w:p>
  <w:p><w:pPr><w:outlineLvl w:val="1"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr>
    <w:r><w:t>outlined</w:t></w:r></w:p>
</w:body>"""


def _docx_with_body(body_xml: str) -> bytes:
    document = docx.Document()
    old_body = document.element.body
    document.element.replace(old_body, parse_xml(body_xml))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_walk_order_text_rules_and_nested_tables():
    result = extract("built.docx", _docx_with_body(BODY))
    assert [(p["id"], p["text"], p["table"]) for p in result["paragraphs"]] == [
        ("p1", "Kept inserted\ttab\nline", None),
        ("p3", "in a content control", None),
        ("p4", "outer", "t1"),
        ("p5", "inner", "t2"),
        ("p7", "wide", "t1"),
        ("p8", "after", None),
        ("p9", "outlined", None),
    ]
    assert result["paragraphs"][-1]["level"] == 2 and result["paragraphs"][-1]["list"] is True
    assert result["tables"][0]["rows"] == [["outer", "wide", ""]]
    assert result["tables"][1]["rows"] == [["inner"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One\nTwo", [("p1", "One", "Normal", 0, False), ("p2", "Two", "Normal", 0, False)]),
        ("One\n\nTwo", [("p1", "One", "Normal", 0, False), ("p3", "Two", "Normal", 0, False)]),
        ("One\r\nTwo\rThree", [("p1", "One", "Normal", 0, False), ("p2", "Two", "Normal", 0, False),
                               ("p3", "Three", "Normal", 0, False)]),
        ("Line one\vline two", [("p1", "Line one\nline two", "Normal", 0, False)]),
        ("# Title\n## Part ##\n###### Six", [("p1", "Title", "Heading 1", 1, False),
                                             ("p2", "Part", "Heading 2", 2, False),
                                             ("p3", "Six", "Heading 6", 6, False)]),
        ("#hashtag\n####### seven", [("p1", "#hashtag", "Normal", 0, False),
                                     ("p2", "####### seven", "Normal", 0, False)]),
        ("- a\n* b\n+ c\n1. d\n2) e", [(f"p{n}", t, "List Paragraph", 0, True) for n, t in enumerate("abcde", 1)]),
        ("> quoted", [("p1", "quoted", "Quote", 0, False)]),
        ("   \n\t\n", []),
        ("", []),
        ("-5 degrees\n2024 was long", [("p1", "-5 degrees", "Normal", 0, False),
                                       ("p2", "2024 was long", "Normal", 0, False)]),
    ],
)
def test_paragraphs_from_text(text, expected):
    got = [(p["id"], p["text"], p["style"], p["level"], p["list"]) for p in paragraphs_from_text(text)]
    assert got == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "café".encode(), "café"),
        ("café".encode(), "café"),
        (codecs.BOM_UTF16_LE + "café".encode("utf-16-le"), "café"),
        (codecs.BOM_UTF16_BE + "café".encode("utf-16-be"), "café"),
        (codecs.BOM_UTF32_LE + "café".encode("utf-32-le"), "café"),
        ("naïve “quotes”".encode("cp1252"), "naïve “quotes”"),
    ],
)
def test_text_encodings(data, expected):
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03" * 100,
        "text".encode("utf-16-le"),  # UTF-16 without a BOM carries NUL bytes
        bytes(range(256)) * 4,
        codecs.BOM_UTF16_LE + b"\x00\xd8",  # a lone surrogate
    ],
)
def test_binary_data_is_refused(data):
    with pytest.raises(UnsupportedType):
        decode_text(data)


@pytest.mark.parametrize(
    ("filename", "kind"),
    [("notes.md", "markdown"), ("NOTES.MARKDOWN", "markdown"), ("notes.txt", "text"), ("notes", "text"),
     ("notes.docx", "text"), ("", "text")],
)
def test_text_kind_follows_the_extension_hint(filename, kind):
    result = extract(filename, b"# Heading\nBody text here")
    assert result["kind"] == kind
    assert result["stats"] == {"paragraphs": 2, "tables": 0, "words": 4, "characters": 21}
    assert (result["sheets"], result["label"], result["tables"]) == ([], None, [])


def test_a_docx_named_as_text_is_read_as_docx(corpus_dir):
    result = extract("renamed.txt", (corpus_dir / "docx" / "par-hlink-frags.docx").read_bytes())
    assert result["kind"] == "docx"


def test_macro_enabled_content_type_is_read():
    data = _docx_with_body(BODY)
    source = io.BytesIO(data)
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            zout.writestr(item, content)
    assert extract("macro.docm", out.getvalue())["paragraphs"][0]["text"].startswith("Kept")


def test_every_kind_answers_the_shape_the_openapi_description_promises(corpus_dir):
    import jsonschema

    from server.assist.schemas import EXTRACT_RESULT

    files = [(path.name, path.read_bytes()) for folder in ("docx", "xlsx") for path in sorted((corpus_dir / folder).iterdir())]
    files += [("thread.html", b"<html><body><p>Yes.</p><div id='divRplyFwdMsg'><b>From:</b> Ana<br><b>Sent:</b> "
                              b"Monday<br><b>Subject:</b> Budget</div><p>Can we meet?</p></body></html>"),
              ("figures.csv", b"year,amount\n2024,12\n2025,15\n"), ("notes.md", b"# Title\n\nText.")]
    kinds = set()
    for name, data in files:
        result = {"request_id": "r", **extract(name, data)}
        jsonschema.validate(result, EXTRACT_RESULT)
        kinds.add(result["kind"])
    assert kinds == {"docx", "xlsx", "html", "csv", "markdown"}
