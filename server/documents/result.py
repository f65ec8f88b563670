"""The one output shape of extraction, shared by every reader.

{kind, paragraphs: [{id, text, style, level, list, table}], tables: [{id, rows, markdown}], sheets, label, stats}
`id` is "p<n>" where n is the paragraph's 1-based position in the source's own paragraph sequence (Word's
body.paragraphs, or the lines of a text). Empty paragraphs are left out of the list but keep their
position, so ids can skip numbers and "p12" is always Word's paragraphs.items[11].
"""
from __future__ import annotations


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
