"""The one output shape of extraction, shared by every reader.

{kind, paragraphs: [{id, text, style, level, list, table}], tables: [{id, rows, markdown}], sheets, label, stats}
`id` is "p<n>" where n is the paragraph's 1-based position in the source's own paragraph sequence (Word's
body.paragraphs, or the lines of a text). Empty paragraphs are left out of the list but keep their
position, so ids can skip numbers and "p12" is always Word's paragraphs.items[11].

A .docx's other text follows its body paragraphs, each with `part` ("footnote", "endnote", "header", "footer",
"comment"; absent means the main text) and an id "<source>.p<n>" that no body id can equal: footnote k is
"fn<k>", endnote k "en<k>", comment k "c<k>" (k counts them in their part, separators skipped), header or
footer part k "hdr<k>" / "ftr<k>" (parts numbered in the order sections reference them), and n is the
paragraph's position inside that note, comment or part: "fn3.p1", "hdr1.p2", "c2.p1". Their tables are not
listed in `tables`; their `table` ids carry the same prefix ("hdr1.t1"). `stats` paragraphs, words and
characters count the main text; a .docx's stats add footnotes, endnotes and comments (how many) and
has_comments, has_headers_footers.

`label`: the sensitivity label and banner markings found (server/documents/labels.py), or None.
Which paragraphs are the document's text to summarize or draft from: `is_material` (notes yes; headers and
footers no, they repeat on every page; comments no, they are reviewers' remarks, not the document).

A PDF (kind "pdf", pdf_reader.py) has no paragraph collection the pane could select, so its ids name the page
a citation shows: "pg<page>.p<n>" is paragraph n (from 1, no gaps) of page <page> (from 1); pages without
text have no paragraphs; stats add `pages`. HTML and e-mail bodies (kind "html", html_reader.py) are split
into the messages of a reply chain: "m<k>.p<n>" is paragraph n of message k, message 1 being the newest;
a quoted message's first paragraph is its header (style "Message Header", `header`: {from, sent, to, cc,
subject} as found); stats add `messages`.
"""
from __future__ import annotations

MATERIAL_PARTS = (None, "footnote", "endnote")


def is_material(paragraph: dict) -> bool:
    """True for paragraphs that are the document's own text (main text, footnotes, endnotes)."""
    return paragraph.get("part") in MATERIAL_PARTS


def paragraph(position: int, text: str, style: str, level: int, *, list_item: bool = False,
              table: str | None = None) -> dict:
    """`level` is the outline level: 1-9 for headings, 0 for body text; `table` the id of the enclosing table."""
    return {"id": f"p{position}", "text": text, "style": style, "level": level, "list": list_item, "table": table}


def table(number: int, rows: list[list[str]]) -> dict:
    return {"id": f"t{number}", "rows": rows, "markdown": rows_to_markdown(rows)}


def rows_to_markdown(rows: list[list[str]]) -> str:
    """A GitHub-style pipe table; the first row is the header, short rows are padded."""
    if not rows:
        return ""
    width = max(len(row) for row in rows) or 1
    lines = []
    for index, row in enumerate(rows):
        cells = [_cell(value) for value in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "|".join(["---"] * width) + "|")
    return "\n".join(lines)


def document(kind: str, paragraphs: list[dict], tables: list[dict]) -> dict:
    texts = [p["text"] for p in paragraphs]
    return {
        "kind": kind,
        "paragraphs": paragraphs,
        "tables": tables,
        "sheets": [],
        "label": None,
        "stats": {
            "paragraphs": len(paragraphs),
            "tables": len(tables),
            "words": sum(len(text.split()) for text in texts),
            "characters": sum(len(text) for text in texts),
        },
    }


def _cell(value: str) -> str:
    # A newline or a bare pipe would end the row or the cell early.
    return " ".join(value.split()).replace("|", "\\|")
