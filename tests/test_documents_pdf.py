"""PDF extraction: text per page with page ids, encryption, scans, damaged files and bombs."""
from __future__ import annotations

import base64
import io
import random
import zlib

import pytest
from pypdf import PdfReader, PdfWriter

from server.assist.sources import summary_paragraphs
from server.documents import Limits, extract
from server.documents.pdf_reader import read_pdf
from server.errors import DrafterError, TooLarge, UnreadableDocument


def _content(lines: list[str]) -> bytes:
    """A text content stream: Helvetica 12 pt, one text line per entry, 14 pt apart."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    return "\n".join(ops).encode("cp1252")  # WinAnsiEncoding is Windows-1252


def build_pdf(pages: list[list[str]], *, compress: bool = False, streams: dict[int, bytes] | None = None,
              kids_repeat: int = 1) -> bytes:
    """A minimal PDF written by hand: catalog, page tree, one Type1 Helvetica font, one content stream per
    page, and a correct cross-reference table. `kids_repeat` lists the page tree's kids that many times."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for index, lines in enumerate(pages):
        stream = (streams or {}).get(index, _content(lines))
        if compress:
            stream = zlib.compress(stream)
        filters = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(stream), filters, stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
                       b">> /Contents %d 0 R >>" % (len(objects)))
        kids.append(len(objects))
    kids *= kids_repeat
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


REPORT = [
    ["Budget review 2024",
     "The committee met on 3 March and agreed to a long",
     "cut in travel costs by 5% over the next two years of",
     "operation, with a first report due in June.",
     "\u2022 Travel: down 5%",
     "\u2022 Staffing: flat",
     "The review also looked at the costs of the offices in",
     "the regions and found them in line with the plan for",
     "the year."],
    [],  # a page with no text, like a full-page figure
    ["Annex (figures) with a \\ backslash"],
]


def _encrypted(data: bytes, user: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("compress", [False, True])
def test_text_per_page_with_page_ids(compress):
    document = extract("report.pdf", build_pdf(REPORT, compress=compress))
    assert document["kind"] == "pdf"
    assert [(p["id"], p["style"], p["list"], p["text"]) for p in document["paragraphs"]] == [
        ("pg1.p1", "Normal", False, "Budget review 2024"),
        ("pg1.p2", "Normal", False, "The committee met on 3 March and agreed to a long cut in travel costs by 5% "
                                    "over the next two years of operation, with a first report due in June."),
        ("pg1.p3", "List Paragraph", True, "\u2022 Travel: down 5%"),
        ("pg1.p4", "List Paragraph", True, "\u2022 Staffing: flat"),
        ("pg1.p5", "Normal", False, "The review also looked at the costs of the offices in the regions and found "
                                    "them in line with the plan for the year."),
        ("pg3.p1", "Normal", False, "Annex (figures) with a \\ backslash"),
    ]
    assert document["stats"]["pages"] == 3 and document["stats"]["paragraphs"] == 6
    assert (document["tables"], document["sheets"]) == ([], [])


def test_hyphenated_words_are_joined_across_lines():
    document = read_pdf(build_pdf([["The committee asked for an inde-", "pendent review of the figures", "done."]]),
                        Limits())
    assert document["paragraphs"][0]["text"] == "The committee asked for an independent review of the figures done."


def test_the_type_comes_from_the_content_not_the_name():
    data = b"junk before the header\n" + build_pdf(REPORT)  # readers accept the header within 1 kB
    assert extract("renamed.docx", data)["kind"] == "pdf"


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128", "AES-128", "AES-256"])
def test_a_user_password_gives_password_protected(algorithm):
    with pytest.raises(UnreadableDocument, match="password-protected") as caught:
        extract("secret.pdf", _encrypted(build_pdf(REPORT), "open-sesame", algorithm))
    assert caught.value.status == 422


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_an_owner_password_alone_opens_with_the_empty_user_password(algorithm):
    document = extract("restricted.pdf", _encrypted(build_pdf(REPORT), "", algorithm))
    assert document["paragraphs"][0]["text"] == "Budget review 2024" and document["stats"]["pages"] == 3


def test_a_scan_without_text_is_refused_clearly():
    with pytest.raises(UnreadableDocument, match=r"no text layer \(scanned\?\)"):
        extract("scan.pdf", build_pdf([[], []]))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"%PDF-1.7\n" + b"\x00garbage" * 50, "could not be read as a PDF"),
        (b"%PDF-", "could not be read as a PDF"),
        (build_pdf(REPORT)[:400], "damaged"),
        (build_pdf(REPORT).replace(b"/Type /Pages", b"/Type /Nope "), "no pages"),
    ],
)
def test_damaged_pdfs_get_a_plain_422(data, fragment):
    with pytest.raises(UnreadableDocument, match=fragment):
        extract("bad.pdf", data)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_and_corrupted_pdfs_never_raise_anything_untyped(compress):
    base = build_pdf(REPORT * 3, compress=compress)
    rng = random.Random(4)
    variants = [base[:cut] for cut in range(0, len(base), max(1, len(base) // 120))]
    for _ in range(250):
        damaged = bytearray(base)
        at = rng.randrange(len(damaged))
        damaged[at:at + rng.randrange(1, 40)] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        variants.append(bytes(damaged))
    outcomes = set()
    for data in variants:
        try:
            extract("fuzzed.pdf", data)
            outcomes.add("read")
        except DrafterError as exc:
            assert exc.status in (413, 415, 422)
            outcomes.add(exc.status)
    assert "read" in outcomes and 422 in outcomes  # the fuzzing reached both outcomes


def test_a_content_stream_bomb_stops_at_the_stream_cap():
    bomb = _content(["x"]) + b" " * (8 * 1024 * 1024)  # 8 MB of spaces deflate to about 8 kB
    data = build_pdf([["x"]], compress=True, streams={0: bomb})
    assert len(data) < 20_000
    with pytest.raises(TooLarge, match="more data than this service reads"):
        extract("bomb.pdf", data, limits=Limits(max_pdf_stream_bytes=1024 * 1024))


def test_a_huge_page_count_is_refused_before_reading_pages():
    data = build_pdf([["one page"]], kids_repeat=5000)  # one page object listed 5000 times: 30 kB
    with pytest.raises(TooLarge, match="5000 pages; at most 2000"):
        extract("pages.pdf", data)
    assert extract("pages.pdf", data, limits=Limits(max_pdf_pages=5000))["stats"]["pages"] == 5000


def test_the_text_cap():
    data = build_pdf([["word " * 20] * 30] * 4)
    with pytest.raises(TooLarge, match="more than 5,000 characters"):
        extract("long.pdf", data, limits=Limits(max_text_chars=5000))


def test_summary_paragraphs_cite_pages():
    pdf = base64.b64encode(build_pdf(REPORT)).decode()
    paragraphs = summary_paragraphs({"text": "Context", "attachments": [{"filename": "r.pdf", "content_base64": pdf}]})
    assert [p["id"] for p in paragraphs] == ["p1", "a1.pg1.p1", "a1.pg1.p2", "a1.pg1.p3", "a1.pg1.p4", "a1.pg1.p5",
                                             "a1.pg3.p1"]
    assert [p["id"] for p in summary_paragraphs({"document": {"filename": "r.pdf", "content_base64": pdf}})][-1] \
        == "pg3.p1"


def test_the_per_file_deadline_is_checked_between_pages():
    from server.documents.deadline import reading

    with reading(0), pytest.raises(UnreadableDocument, match="too long"):
        read_pdf(build_pdf(REPORT), Limits())
