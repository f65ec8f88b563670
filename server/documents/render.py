"""Markdown (model output) to safe HTML for Outlook and to .docx for Word's insertFileFromBase64.

Both renderers walk the blocks of server.documents.markdown. HTML: every piece of text and every attribute
value is escaped and only http/https/mailto links survive the parser, so model output cannot inject markup
or script. .docx: only Word's built-in style names (Heading 1-6, List Bullet / List Number 1-3, Quote,
Table Grid, Normal, Hyperlink), so an inserted file takes on the destination document's own styles. HTML tables
carry fixed inline borders and padding: without them Outlook shows a table as loose, unaligned text.
"""
from __future__ import annotations

import html
import io
import re
from itertools import groupby

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from .markdown import Heading, ListBlock, ListItem, Paragraph, Quote, Rule, Span, Table, parse_blocks

MAX_LIST_STYLE_DEPTH = 3  # Word's built-in list styles stop at "List Bullet 3" / "List Number 3"
# Table borders as constant inline styles (nothing from the markdown reaches them): a fragment inserted into a
# message keeps style attributes, and these stay short, as Outlook's reply form takes 32 KB of HTML in all.
TABLE_STYLE = "border-collapse:collapse"
CELL_STYLE = "border:1px solid #999;padding:4px 8px;vertical-align:top"
HEADER_CELL_STYLE = CELL_STYLE + ";text-align:left;background-color:#f2f2f2"
# What XML 1.0 cannot hold: C0 controls but tab, LF and CR; lone surrogates (JSON can carry them); U+FFFE and
# U+FFFF. lxml refuses them (a .docx could not be written: 500) and no reader shows them, so both renderers
# drop them from the markdown first.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(markdown: str) -> str:
    return _NOT_XML.sub("", markdown)


# ---- HTML ----

def markdown_to_html(markdown: str) -> str:
    return "\n".join(_html_block(block) for block in parse_blocks(_xml_safe(markdown)))


def _html_block(block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_html_spans(block.spans)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_html_spans(block.spans)}</p>"
    if isinstance(block, ListBlock):
        return _html_list(block.items)
    if isinstance(block, Quote):
        return "<blockquote>\n" + "\n".join(_html_block(inner) for inner in block.blocks) + "\n</blockquote>"
    if isinstance(block, Table):
        head = "".join(f'<th style="{HEADER_CELL_STYLE}">{_html_spans(cell)}</th>' for cell in block.header)
        body = "".join("<tr>" + "".join(f'<td style="{CELL_STYLE}">{_html_spans(cell)}</td>' for cell in row)
                       + "</tr>" for row in block.rows)
        return (f'<table style="{TABLE_STYLE}">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n'
                "</table>")
    if isinstance(block, Rule):
        return "<hr>"
    raise TypeError(f"unknown markdown block {type(block).__name__}")


def _html_list(items: list[ListItem]) -> str:
    parts: list[str] = []
    open_tags: list[str] = []
    for item in items:
        tag = "ol" if item.ordered else "ul"
        opening = f'<ol start="{item.number}">' if item.ordered and item.number != 1 else f"<{tag}>"
        if item.depth >= len(open_tags):
            parts.append(opening)
            open_tags.append(tag)
        else:
            while len(open_tags) > item.depth + 1:
                parts.append(f"</li></{open_tags.pop()}>")
            parts.append("</li>")
            if open_tags[-1] != tag:
                parts.append(f"</{open_tags.pop()}>{opening}")
                open_tags.append(tag)
        parts.append(f"<li>{_html_spans(item.spans)}")
    while open_tags:
        parts.append(f"</li></{open_tags.pop()}>")
    return "".join(parts)


def _html_spans(spans: list[Span]) -> str:
    out = []
    for href, group in groupby(spans, key=lambda span: span.href):
        inner = "".join(_html_span(span) for span in group)
        if href:
            out.append(f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">{inner}</a>')
        else:
            out.append(inner)
    return "".join(out)


def _html_span(span: Span) -> str:
    if span.line_break:
        return "<br>"
    text = html.escape(span.text, quote=True)
    if span.italic:
        text = f"<em>{text}</em>"
    if span.bold:
        text = f"<strong>{text}</strong>"
    return text


# ---- .docx ----

def markdown_to_docx(markdown: str) -> bytes:
    document = docx.Document()
    writer = _DocxWriter(document)
    for block in parse_blocks(_xml_safe(markdown)):
        writer.block(block, in_quote=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _DocxWriter:
    def __init__(self, document):
        self.document = document
        self._hyperlink_style: str | None = None
        self._style_ids: dict[str, str] = {}

    def block(self, block, *, in_quote: bool) -> None:
        if isinstance(block, Heading):
            self._paragraph(block.spans, "Quote" if in_quote else f"Heading {block.level}")
        elif isinstance(block, Paragraph):
            self._paragraph(block.spans, "Quote" if in_quote else "Normal")
        elif isinstance(block, ListBlock):
            self._list(block.items)
        elif isinstance(block, Quote):
            for inner in block.blocks:
                self.block(inner, in_quote=True)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Rule):
            self._rule()
        else:
            raise TypeError(f"unknown markdown block {type(block).__name__}")

    def _paragraph(self, spans: list[Span], style: str):
        paragraph = self.document.add_paragraph()
        paragraph._p.style = self._style_id(style)
        self._runs(paragraph, spans)
        return paragraph

    def _style_id(self, name: str) -> str:
        # python-docx resolves a style name by scanning every style each time; thousands of paragraphs add up
        if name not in self._style_ids:
            self._style_ids[name] = self.document.styles[name].style_id
        return self._style_ids[name]

    def _list(self, items: list[ListItem]) -> None:
        # Each ordered (sub)list gets its own numbering instance so it starts at its own first number
        # instead of continuing the previous list that used the same style.
        numbering: dict[int, str] = {}
        for item in items:
            for deeper in [depth for depth in numbering if depth > item.depth]:
                del numbering[deeper]
            level = min(item.depth, MAX_LIST_STYLE_DEPTH - 1)
            style = ("List Number" if item.ordered else "List Bullet") + (f" {level + 1}" if level else "")
            paragraph = self._paragraph(item.spans, style)
            if not item.ordered:
                numbering.pop(item.depth, None)
                continue
            if item.depth not in numbering:
                numbering[item.depth] = self._restarted_numbering(style, item.number)
            if numbering[item.depth]:
                num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                num_pr.get_or_add_ilvl().val = 0
                num_pr.get_or_add_numId().val = int(numbering[item.depth])

    def _restarted_numbering(self, style_name: str, start: int) -> str | None:
        """A new w:num on the style's own list definition, with its start overridden."""
        style_pr = self.document.styles[style_name].element.pPr
        if style_pr is None or style_pr.numPr is None or style_pr.numPr.numId is None:
            return None
        numbering = self.document.part.numbering_part.element
        abstract_id = numbering.num_having_numId(style_pr.numPr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return str(num.numId)

    def _table(self, block: Table) -> None:
        rows = [block.header, *block.rows]
        table = self.document.add_table(rows=len(rows), cols=max(len(block.header), 1), style="Table Grid")
        # row.cells per row: table.cell(r, c) rebuilds the whole cell grid on every call
        for row_index, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
            for cell, spans in zip(row.cells, cells, strict=False):
                if row_index == 0:
                    spans = [Span(s.text, True, s.italic, s.href, s.line_break) for s in spans]
                self._runs(cell.paragraphs[0], spans)

    def _rule(self) -> None:
        paragraph = self.document.add_paragraph(style="Normal")
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().append(borders)

    def _runs(self, paragraph, spans: list[Span]) -> None:
        for href, group in groupby(spans, key=lambda span: span.href):
            if href:
                self._hyperlink(paragraph, href, list(group))
                continue
            for span in group:
                run = paragraph.add_run()
                if span.line_break:
                    run.add_break()
                    continue
                run.text = span.text
                run.bold = span.bold or None
                run.italic = span.italic or None

    def _hyperlink(self, paragraph, href: str, spans: list[Span]) -> None:
        relationship = paragraph.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), relationship)
        style_id = self._hyperlink_style_id()
        for span in spans:
            run = OxmlElement("w:r")
            properties = OxmlElement("w:rPr")
            run_style = OxmlElement("w:rStyle")
            run_style.set(qn("w:val"), style_id)
            properties.append(run_style)
            for flag, tag in ((span.bold, "w:b"), (span.italic, "w:i")):
                if flag:
                    properties.append(OxmlElement(tag))
            run.append(properties)
            if span.line_break:
                run.append(OxmlElement("w:br"))
            else:
                text = OxmlElement("w:t")
                text.text = span.text
                text.set(qn("xml:space"), "preserve")
                run.append(text)
            link.append(run)
        paragraph._p.append(link)

    def _hyperlink_style_id(self) -> str:
        """Word's built-in "Hyperlink" character style; python-docx's template lacks it, so it is added once."""
        if self._hyperlink_style:
            return self._hyperlink_style
        styles = self.document.styles
        if "Hyperlink" not in [style.name for style in styles]:
            style = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
            style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
            style.font.underline = True
            style.priority = 99
            style.unhide_when_used = True
        self._hyperlink_style = styles["Hyperlink"].style_id
        return self._hyperlink_style
