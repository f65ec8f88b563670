"""Paragraphs and tables of a .docx, in the order Word's own paragraph collection gives the task pane.

Office.js `body.paragraphs` lists every paragraph of the main text in document order, including those in
table cells (nested tables too) and in content controls; it leaves out text boxes, footnotes, headers and
footers. Positions here count exactly those paragraphs, empty ones included, so "p<n>" selects
`paragraphs.items[n - 1]` in the pane. python-docx opens the package (its lxml parser has
resolve_entities=False, so no entity is expanded and nothing is fetched); the XML is walked directly, because
python-docx's `paragraph.text` drops tracked insertions and content-control runs, and its paragraph and
table lists stop at the body's direct children.

Footnotes, endnotes, comments, headers and footers follow the body's paragraphs, each tagged with `part` and
with ids that cannot be body ids (see server/documents/result.py): notes and comments are numbered in their
part's order, separator notes skipped; header and footer parts in the order the sections reference them,
each part once, and a header or footer paragraph whose text an earlier one already had is left out (the same
letterhead on first, odd and even pages).

Size: server.documents.zipguard has already refused a package whose XML would not fit in memory as a tree
(Limits.max_xml_nodes); here the paragraphs listed and their text are capped too (max_paragraphs,
max_text_chars), all parts together, with 413 as soon as a cap is passed rather than after building it all.
"""
from __future__ import annotations

import io
import logging
import re
import zipfile

from docx.opc.constants import CONTENT_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.opc.part import PartFactory
from docx.package import Package
from docx.parts.document import DocumentPart
from docx.styles import BabelFish
from lxml import etree

from server.errors import TooLarge, UnreadableDocument, UnsupportedType

from . import result
from .deadline import check_deadline
from .limits import Limits

log = logging.getLogger(__name__)

# Macro-enabled documents and templates hold the same WordprocessingML; python-docx only maps .docx's
# content type to its DocumentPart, so the other three are registered too (macros are never run, only read).
WORD_MAIN_CONTENT_TYPES = (
    CONTENT_TYPE.WML_DOCUMENT_MAIN,
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
for _content_type in WORD_MAIN_CONTENT_TYPES:
    PartFactory.part_type_for.setdefault(_content_type, DocumentPart)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_P, _TBL, _TR, _TC, _T = W + "p", W + "tbl", W + "tr", W + "tc", W + "t"
_VAL = W + "val"
_RUN_TEXT = {W + "tab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-", W + "softHyphen": ""}
# Subtrees whose text is not part of the paragraph as Word shows it: properties, deleted or moved-away text,
# drawings and text boxes (their paragraphs belong to other collections), field codes' alternates, ruby guides.
_SKIP = {
    W + "pPr", W + "rPr", W + "tblPr", W + "tblGrid", W + "trPr", W + "tcPr", W + "sdtPr", W + "sdtEndPr",
    W + "del", W + "moveFrom", W + "delText", W + "instrText", W + "drawing", W + "pict", W + "object",
    W + "txbxContent", W + "rt", W + "sectPr", MC + "Fallback",
}
_HEADING_NAME = re.compile(r"^heading ([1-9])$", re.IGNORECASE)
_READ_ERRORS = (OpcError, KeyError, ValueError, TypeError, AttributeError, IndexError, LookupError,
                etree.LxmlError, zipfile.BadZipFile, RecursionError)


def read_docx(package: bytes, limits: Limits | None = None) -> dict:
    """The extraction result for a .docx whose zip has already passed server.documents.zipguard."""
    budget = _Budget(limits or Limits())
    try:
        part = Package.open(io.BytesIO(package)).main_document_part
    except _READ_ERRORS as exc:
        log.info("docx package did not open: %s", type(exc).__name__)
        raise UnreadableDocument("The file could not be read as a Word document; it may be damaged.") from exc
    if not isinstance(part, DocumentPart) or part.content_type not in WORD_MAIN_CONTENT_TYPES:
        raise UnsupportedType("The package is not a Word document (.docx).")
    try:
        walker = _Walker(_StyleTable(part), budget)
        body = part.element.find(W + "body")
        if body is not None:
            walker.blocks(body, None, None)
    except _READ_ERRORS as exc:
        log.info("docx body could not be walked: %s", type(exc).__name__)
        raise UnreadableDocument("The Word document's content is malformed and could not be read.") from exc
    document = result.document("docx", walker.paragraphs, walker.tables)
    document["stats"].update(footnotes=0, endnotes=0, comments=0, has_comments=False, has_headers_footers=False)
    try:
        _add_other_parts(document, part, walker.styles, body, budget)
    except _READ_ERRORS as exc:  # notes, headers and comments are extras: the body still stands
        log.info("docx notes, headers or comments could not be walked: %s", type(exc).__name__)
    return document


# (relationship type, note element, part name in the result, id prefix)
_NOTE_PARTS = ((RT.FOOTNOTES, W + "footnote", "footnote", "fn"), (RT.ENDNOTES, W + "endnote", "endnote", "en"))
_SEPARATOR_NOTES = {"separator", "continuationSeparator", "continuationNotice"}
_SAFE_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _add_other_parts(document: dict, part: DocumentPart, styles: _StyleTable, body, budget: _Budget) -> None:
    """Append notes, headers, footers and comments to the result's paragraphs and count them in its stats."""
    extra: list[dict] = []
    counts = {"footnotes": 0, "endnotes": 0, "comments": 0}
    for reltype, tag, name, prefix in _NOTE_PARTS:
        element = _related_element(part, reltype)
        if element is None:
            continue
        notes = [note for note in element.iterchildren(tag) if note.get(W + "type") not in _SEPARATOR_NOTES]
        counts[name + "s"] = len(notes)
        for number, note in enumerate(notes, start=1):
            extra += _part_paragraphs(note, styles, budget, f"{prefix}{number}", name)
    seen_texts: set[str] = set()
    for kind, prefix, number, element in _headers_and_footers(part, body):
        for paragraph in _part_paragraphs(element, styles, budget, f"{prefix}{number}", kind):
            if paragraph["text"] not in seen_texts:
                seen_texts.add(paragraph["text"])
                extra.append(paragraph)
    comments = _related_element(part, RT.COMMENTS)
    if comments is not None:
        listed = list(comments.iterchildren(W + "comment"))
        counts["comments"] = len(listed)
        for number, comment in enumerate(listed, start=1):
            extra += _part_paragraphs(comment, styles, budget, f"c{number}", "comment")
    document["paragraphs"] += extra
    document["stats"].update(counts, has_comments=counts["comments"] > 0,
                             has_headers_footers=any(p["part"] in ("header", "footer") for p in extra))


def _part_paragraphs(element, styles: _StyleTable, budget: _Budget, prefix: str, kind: str) -> list[dict]:
    walker = _Walker(styles, budget)
    walker.blocks(element, None, None)
    return [{**p, "id": f"{prefix}.{p['id']}", "table": f"{prefix}.{p['table']}" if p["table"] else None,
             "part": kind} for p in walker.paragraphs]


def _headers_and_footers(part: DocumentPart, body):
    """(kind, id prefix, number, root element) of each header and footer part, in the order the document's
    sections reference them (first section first; within one, as written: even, default, first)."""
    if body is None:
        return
    numbers = {"header": 0, "footer": 0}
    seen: set[str] = set()
    for section in body.iter(W + "sectPr"):
        for reference in section:
            kind = {W + "headerReference": "header", W + "footerReference": "footer"}.get(reference.tag)
            relationship = part.rels.get(reference.get(R_ID, "")) if kind else None
            if relationship is None or relationship.is_external:
                continue
            target = relationship.target_part
            if str(target.partname) in seen:
                continue
            seen.add(str(target.partname))
            element = _part_element(target)
            if element is not None:
                numbers[kind] += 1
                yield kind, "hdr" if kind == "header" else "ftr", numbers[kind], element


def _related_element(part: DocumentPart, reltype: str):
    for relationship in part.rels.values():
        if relationship.reltype == reltype and not relationship.is_external:
            return _part_element(relationship.target_part)
    return None


def _part_element(target):
    """The root element of a related part: python-docx parses headers, footers and comments itself;
    footnotes and endnotes arrive as bytes and are parsed here with entities and network off."""
    element = getattr(target, "element", None)
    if element is not None:
        return element
    try:
        return etree.fromstring(target.blob, etree.XMLParser(**_SAFE_PARSER))
    except (etree.LxmlError, ValueError) as exc:
        log.info("a secondary docx part did not parse: %s", type(exc).__name__)
        return None


class _StyleTable:
    """Paragraph styles by id: display name, outline level and list numbering, resolved through basedOn."""

    def __init__(self, part: DocumentPart):
        self._styles: dict[str, etree._Element] = {}
        self.default_id: str | None = None
        self._resolved: dict[str | None, tuple[str, int, bool]] = {}
        for style in part.styles.element.iterchildren(W + "style"):
            if style.get(W + "type") != "paragraph":
                continue
            style_id = style.get(W + "styleId")
            self._styles[style_id] = style
            if style.get(W + "default") in ("1", "true", "on") and self.default_id is None:
                self.default_id = style_id

    def resolve(self, style_id: str | None) -> tuple[str, int, bool]:
        """(name, level, is_list) of a paragraph style; unknown ids fall back to the default style."""
        if style_id not in self._styles:
            style_id = self.default_id
        if style_id not in self._resolved:
            self._resolved[style_id] = self._compute(style_id)
        return self._resolved[style_id]

    def _compute(self, style_id: str | None) -> tuple[str, int, bool]:
        style = self._styles.get(style_id)
        if style is None:
            return "Normal", 0, False
        name_element = style.find(W + "name")
        name = BabelFish.internal2ui(name_element.get(_VAL, style_id) if name_element is not None else style_id)
        outline, numbered, seen = None, None, set()
        current = style
        while current is not None and id(current) not in seen:  # basedOn chains can loop in hostile files
            seen.add(id(current))
            properties = current.find(W + "pPr")
            if outline is None:
                outline = _outline_level(properties)
            if numbered is None:
                numbered = _numbering(properties)
            based_on = current.find(W + "basedOn")
            current = self._styles.get(based_on.get(_VAL)) if based_on is not None else None
        if outline is None:
            heading = _HEADING_NAME.match(name)
            outline = int(heading.group(1)) if heading else 0
        return name, outline, bool(numbered)


class _Budget:
    """What one document may still list: paragraphs and characters, over all its parts."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.paragraphs, self.characters = limits.max_paragraphs, limits.max_text_chars

    def take(self, text: str) -> None:
        self.paragraphs -= 1
        self.characters -= len(text)
        if self.paragraphs < 0 or self.characters < 0:
            raise TooLarge(f"The Word document holds more text than is read at once (at most "
                           f"{self.limits.max_paragraphs:,} paragraphs and {self.limits.max_text_chars:,} characters); "
                           "split it into parts and send them one at a time.")


class _Walker:
    def __init__(self, styles: _StyleTable, budget: _Budget):
        self.styles = styles
        self.budget = budget
        self.paragraphs: list[dict] = []
        self.tables: list[dict] = []
        self.position = 0

    def blocks(self, parent, table_id: str | None, cell_texts: list[str] | None) -> None:
        """Paragraphs and tables under `parent` in document order; wrappers (content controls, custom XML,
        markup-compatibility choices) are walked through. `cell_texts` collects a table cell's own text."""
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _P:
                text = self.paragraph(child, table_id)
                if cell_texts is not None:
                    cell_texts.append(text)
            elif tag == _TBL:
                self.table(child)
            else:
                self.blocks(child, table_id, cell_texts)

    def paragraph(self, element, table_id: str | None) -> str:
        check_deadline()
        self.position += 1
        parts: list[str] = []
        _collect_text(element, parts)
        text = "".join(parts).strip()
        properties = element.find(W + "pPr")
        style_element = properties.find(W + "pStyle") if properties is not None else None
        name, level, is_list = self.styles.resolve(style_element.get(_VAL) if style_element is not None else None)
        own_level = _outline_level(properties)
        own_numbering = _numbering(properties)
        if own_level is not None:
            level = own_level
        if own_numbering is not None:
            is_list = own_numbering
        if text:
            self.budget.take(text)
            self.paragraphs.append(result.paragraph(self.position, text, name, level, list_item=is_list,
                                                    table=table_id))
        return text

    def table(self, element) -> None:
        number = len(self.tables) + 1
        entry = result.table(number, [])  # placed now so nested tables get later ids
        self.tables.append(entry)
        rows = []
        for row in _descendants_through_wrappers(element, _TR):
            cells: list[str] = []
            for cell in _descendants_through_wrappers(row, _TC):
                texts: list[str] = []
                self.blocks(cell, entry["id"], texts)
                properties = cell.find(W + "tcPr")
                continued = properties is not None and _vmerge_continues(properties)
                cells.append("" if continued else "\n".join(t for t in texts if t))
                cells.extend([""] * (_grid_span(properties) - 1))
            rows.append(cells)
        self.tables[number - 1] = result.table(number, rows)


def _collect_text(element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue  # comments, processing instructions and unexpanded entity references carry no text
        if tag == _T:
            # An unexpanded entity is a child node; the text after it is in its tail.
            parts.append((child.text or "") + "".join(node.tail or "" for node in child))
        elif tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[tag])
        elif tag == W + "br":
            parts.append("\n" if child.get(W + "type") in (None, "textWrapping") else "")
        else:
            _collect_text(child, parts)


def _descendants_through_wrappers(element, tag: str):
    """Children with `tag`, also when wrapped in content controls or custom XML (rows and cells can be)."""
    for child in element:
        if child.tag == tag:
            yield child
        elif isinstance(child.tag, str) and child.tag not in _SKIP and child.tag not in (_P, _TBL, _TR, _TC):
            yield from _descendants_through_wrappers(child, tag)


def _outline_level(properties) -> int | None:
    """w:outlineLvl 0-8 is heading level 1-9; 9 means body text."""
    if properties is None:
        return None
    outline = properties.find(W + "outlineLvl")
    if outline is None:
        return None
    try:
        value = int(outline.get(_VAL, "9"))
    except ValueError:
        return None
    return value + 1 if 0 <= value <= 8 else 0


def _numbering(properties) -> bool | None:
    """True for a list paragraph, False when numbering is switched off (numId 0), None when not said."""
    if properties is None:
        return None
    num_pr = properties.find(W + "numPr")
    if num_pr is None:
        return None
    num_id = num_pr.find(W + "numId")
    if num_id is None:
        return None
    return num_id.get(_VAL, "0") != "0"


def _vmerge_continues(properties) -> bool:
    merge = properties.find(W + "vMerge")
    return merge is not None and merge.get(_VAL, "continue") == "continue"


def _grid_span(properties) -> int:
    span = properties.find(W + "gridSpan") if properties is not None else None
    try:
        return max(1, min(int(span.get(_VAL, "1")), 64)) if span is not None else 1
    except ValueError:
        return 1
