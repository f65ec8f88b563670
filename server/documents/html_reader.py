"""HTML, above all e-mail bodies from Outlook (Office.js body.getAsync(Html)), as text that keeps the thread.

Blocks (p, div, li, headings, table cells, <br><br>) become paragraphs; scripts, styles, comments (Outlook's
conditional comments too), the head and hidden elements (display:none, Outlook's mso-list:Ignore bullets)
are dropped; entities are decoded; nothing is ever fetched (only text is read, links and images never).
Tables are also listed in `tables` as rows and markdown, like a .docx's.

A reply chain is split into messages. A message starts at the header block a mail client puts above the
text it quotes: Outlook on the web's div#divRplyFwdMsg, Outlook desktop's div with a solid border-top
holding "From: / Sent: / To: / Subject:" (French "De : / Envoyé : / À : / Objet :", German "Von: / Gesendet:"),
Gmail's div.gmail_attr ("On <date>, <name> wrote:", "Le <date>, <name> a écrit :"), or, in any markup, a
paragraph that reads like such a header ("-----Original Message-----" then "From: ..."). Paragraph ids are
"m<k>.p<n>": paragraph n of message k, message 1 being the newest (the text above the first header). A
quoted message's first paragraph is its header, with style "Message Header" and the fields read from it in
`header` ({from, sent, to, cc, subject}, those found), so a summary can say who wrote what, and when.

Hostile input stays bounded: stray "<" that start no well-formed tag are escaped before the standard
library's HTMLParser sees them (on input full of them its scanning is quadratic), open elements are tracked
to a fixed depth, elements and text are capped (Limits), and the per-file deadline is checked as it goes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from server.errors import TooLarge

from . import result
from .deadline import check_deadline
from .limits import Limits

KIND = "html"
MAX_DEPTH = 256
_DEADLINE_EVERY = 1000  # start tags between two deadline checks

VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                       "source", "track", "wbr"})
HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "math", "iframe",
                         "object", "xml", "select", "textarea", "button", "audio", "video", "canvas"})
BLOCK_TAGS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
                        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
                        "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "nav", "ol",
                        "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
                        "ul"})
# start tag -> (open elements it closes implicitly, elements that stop the search), as browsers do
_IMPLIED_END = {
    "li": ({"li"}, {"ul", "ol", "table", "blockquote"}),
    "dt": ({"dt", "dd"}, {"dl", "table"}),
    "dd": ({"dt", "dd"}, {"dl", "table"}),
    "tr": ({"tr", "td", "th"}, {"table"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "tbody": ({"tbody", "thead", "tfoot", "tr", "td", "th"}, {"table"}),
    "thead": ({"tbody", "thead", "tfoot", "tr", "td", "th"}, {"table"}),
    "tfoot": ({"tbody", "thead", "tfoot", "tr", "td", "th"}, {"table"}),
}
_CLOSES_P = BLOCK_TAGS - {"body", "html", "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "li", "dd", "dt"}
_P_SCOPE = {"div", "td", "th", "li", "blockquote", "table", "body", "html", "dd", "dt", "section", "article"}

_SPACE = re.compile(r"[ \t\r\n\f]+")
# A comment (an unclosed one runs to the end, as in browsers), or a "<" that starts no complete tag.
_COMMENT_OR_STRAY = re.compile(r"(<!--.*?(?:-->|\Z))|<(?!/?[A-Za-z][^<>]*>|[!?][^<>]*>)", re.DOTALL)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-list\s*:\s*ignore|mso-hide\s*:\s*all|visibility\s*:\s*hidden",
                           re.IGNORECASE)
_BORDER_TOP = re.compile(r"border-top\s*:\s*solid", re.IGNORECASE)
_SEPARATOR = re.compile(r"^(?:[-_=*]{2,}.*|.*[-_=]{5,}\s*)$")  # "-----Original Message-----", "_____"
_HEADER_LINE = re.compile(
    r"^\*?(?P<label>from|de|von|van|da|sent|date|envoyé|envoye|gesendet|datum|to|à|a|an|aan|cc|cci|bcc|"
    r"subject|objet|betreff|onderwerp|oggetto|asunto)\*?\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FIELDS = {
    "from": "from", "de": "from", "von": "from", "van": "from", "da": "from",
    "sent": "sent", "date": "sent", "envoyé": "sent", "envoye": "sent", "gesendet": "sent", "datum": "sent",
    "to": "to", "à": "to", "a": "to", "an": "to", "aan": "to",
    "cc": "cc", "cci": "bcc", "bcc": "bcc",
    "subject": "subject", "objet": "subject", "betreff": "subject", "onderwerp": "subject", "oggetto": "subject",
    "asunto": "subject",
}
_TIME = r"\d{1,2}[:h.]\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?"
_ATTRIBUTIONS = (
    re.compile(rf"^On (?P<sent>.+?{_TIME}),?\s+(?P<from>.+?)\s+wrote\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^Le (?P<sent>.+?{_TIME}),?\s+(?P<from>.+?)\s+a écrit\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^Am (?P<sent>.+?{_TIME})\s+schrieb\s+(?P<from>.+?)\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^On (?P<sent>.+?),\s+(?P<from>[^,]+?)\s+wrote\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^Le (?P<sent>.+?),\s+(?P<from>[^,]+?)\s+a écrit\s*:$", re.IGNORECASE | re.DOTALL),
)


def read_html(text: str, limits: Limits | None = None) -> dict:
    """{kind: "html", paragraphs with ids "m<k>.p<n>", tables, stats with messages} of an HTML text."""
    limits = limits or Limits()
    parser = _BlockParser(limits)
    parser.feed(_escape_stray_brackets(text))
    parser.close()
    parser.finish()
    paragraphs, messages = _thread(parser.blocks)
    document = result.document(KIND, paragraphs, parser.tables)
    document["stats"]["messages"] = messages
    return document


def _escape_stray_brackets(markup: str) -> str:
    """Drop comments and escape every "<" that starts no complete tag, in one left-to-right pass.

    One regular expression finds only what changes (comments, stray brackets), so ordinary markup is copied at
    C speed; a Python step per tag took 5-10 s on 10 MB of it."""
    return _COMMENT_OR_STRAY.sub(_drop_comment_or_escape, markup)


def _drop_comment_or_escape(match: re.Match) -> str:
    return "" if match.group(1) is not None else "&lt;"


@dataclass
class _Open:
    tag: str
    hidden: bool
    header: int | None = None  # a header container's group number
    attribution: bool = False  # Gmail's "On ..., ... wrote:" container
    quote: bool = False  # a quotation inside a message (not a thread's container)


@dataclass
class _Table:
    number: int
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None

    @property
    def id(self) -> str:
        return f"t{self.number}"

    def end_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append("\n".join(self.cell))
            self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None


@dataclass
class _Block:
    text: str
    style: str
    level: int
    list_item: bool
    table: str | None
    header: int | None
    attribution: bool


class _BlockParser(HTMLParser):
    def __init__(self, limits: Limits):
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.stack: list[_Open] = []
        self.overflow: dict[str, int] = {}  # start tags past MAX_DEPTH, not pushed, by name
        self.buffer: list[str] = []
        self.blocks: list[_Block] = []
        self.tables: list[dict] = []
        self.open_tables: list[_Table] = []
        self.elements = 0
        self.characters = 0
        self.header_groups = 0

    # -- tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        if self.elements > self.limits.max_html_elements:
            raise TooLarge(f"The HTML has more than {self.limits.max_html_elements:,} elements; send a shorter part.")
        if self.elements % _DEADLINE_EVERY == 0:
            check_deadline()
        if tag == "body":
            self._pop_to({"head"})
        self._close_implied(tag)
        if tag in BLOCK_TAGS:
            self._flush()
        if tag == "br":
            self.buffer.append("\n")
            return
        if tag in VOID_TAGS:
            return
        if len(self.stack) >= MAX_DEPTH:
            self.overflow[tag] = self.overflow.get(tag, 0) + 1
            return
        self._push(tag, {name: (value or "") for name, value in attrs})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_starttag(tag, attrs)
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self.overflow.get(tag):
            self.overflow[tag] -= 1
            return
        if tag == "br":  # "</br>" is read as <br> by browsers
            self.handle_starttag(tag, [])
            return
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                self._pop_to_index(index)
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1].hidden:
            return
        if not any(entry.tag == "pre" for entry in self.stack):
            data = _SPACE.sub(" ", data)
        self.buffer.append(data)

    def finish(self) -> None:
        self._pop_to_index(0)
        self._flush()

    # -- the open elements

    def _push(self, tag: str, attrs: dict[str, str]) -> None:
        parent_hidden = bool(self.stack) and self.stack[-1].hidden
        style = attrs.get("style", "")
        classes = attrs.get("class", "").lower().split()
        entry = _Open(tag, parent_hidden or tag in HIDDEN_TAGS or bool(_HIDDEN_STYLE.search(style)))
        if attrs.get("id", "").lower() == "divrplyfwdmsg" or (tag == "div" and _BORDER_TOP.search(style)):
            self.header_groups += 1
            entry.header = self.header_groups
        elif "gmail_attr" in classes:
            self.header_groups += 1
            entry.header, entry.attribution = self.header_groups, True
        elif tag == "blockquote":
            entry.quote = "gmail_quote" not in classes and attrs.get("type", "").lower() != "cite"
        self.stack.append(entry)
        if tag == "table":
            self.open_tables.append(_Table(len(self.tables) + 1))
            self.tables.append(result.table(len(self.tables) + 1, []))  # placed now: nested tables come later
        elif tag == "tr" and self.open_tables:
            self.open_tables[-1].end_row()
            self.open_tables[-1].row = []
        elif tag in ("td", "th") and self.open_tables:
            self.open_tables[-1].end_cell()
            self.open_tables[-1].cell = []

    def _pop_to_index(self, index: int) -> None:
        while len(self.stack) > index:
            entry = self.stack[-1]
            if entry.tag in BLOCK_TAGS or entry.header is not None:
                self._flush()
            self.stack.pop()
            if not self.open_tables:
                continue
            table = self.open_tables[-1]
            if entry.tag in ("td", "th"):
                table.end_cell()
            elif entry.tag == "tr":
                table.end_row()
            elif entry.tag == "table":
                table.end_row()
                self.open_tables.pop()
                self.tables[table.number - 1] = result.table(table.number, table.rows)

    def _pop_to(self, tags: set[str]) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag in tags:
                self._pop_to_index(index)
                return

    def _close_implied(self, tag: str) -> None:
        closes, boundaries = _IMPLIED_END.get(tag, (set(), set()))
        if tag in _CLOSES_P:
            closes, boundaries = {"p"}, _P_SCOPE
        if not closes:
            return
        for index in range(len(self.stack) - 1, -1, -1):
            open_tag = self.stack[index].tag
            if open_tag in closes:
                self._pop_to_index(index)
                return
            if open_tag in boundaries:
                return

    # -- paragraphs

    def _flush(self) -> None:
        if not self.buffer:
            return
        text = "".join(self.buffer).replace("\xa0", " ")
        self.buffer = []
        lines = [" ".join(line.split()) for line in text.split("\n")]
        paragraph: list[str] = []
        for line in [*lines, ""]:
            if line:
                paragraph.append(line)
            elif paragraph:
                self._emit("\n".join(paragraph))
                paragraph = []

    def _emit(self, text: str) -> None:
        self.characters += len(text)
        if self.characters > self.limits.max_text_chars:
            raise TooLarge(f"The HTML holds more than {self.limits.max_text_chars:,} characters of text; "
                           "send a shorter part of it.")
        style, level, list_item, quote, header, attribution = "Normal", 0, False, False, None, False
        for entry in self.stack:
            tag = entry.tag
            if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
                style, level = f"Heading {tag[1]}", int(tag[1])
            elif tag == "li":
                list_item = True
            quote = quote or entry.quote
            if entry.header is not None:
                header, attribution = entry.header, entry.attribution
        table_id = None
        if self.open_tables and self.open_tables[-1].cell is not None:
            self.open_tables[-1].cell.append(text)
            table_id = self.open_tables[-1].id
        if level == 0:
            if list_item:
                style = "List Paragraph"
            elif quote:
                style = "Quote"
        self.blocks.append(_Block(text, style, level, list_item, table_id, header, attribution))


def _thread(blocks: list[_Block]) -> tuple[list[dict], int]:
    """Paragraphs with ids "m<k>.p<n>", split into messages at each header; and how many messages."""
    paragraphs: list[dict] = []
    message, position = 1, 0
    index = 0
    while index < len(blocks):
        block = blocks[index]
        group_end = index + 1
        if block.header is not None:
            while group_end < len(blocks) and blocks[group_end].header == block.header:
                group_end += 1
        header_text = "\n".join(b.text for b in blocks[index:group_end])
        fields = _header_fields(header_text, block.attribution) if block.header is not None else None
        if fields is None and block.header is None:
            fields = _header_fields(block.text, False)
        if fields is None:
            position += 1
            paragraphs.append(_paragraph(message, position, block.text, block.style, block.level,
                                         block.list_item, block.table))
            index += 1
            continue
        if position:  # a header opens a new message, unless nothing was written before it
            message, position = message + 1, 0
        position += 1
        text = "\n".join(line for line in header_text.split("\n") if not _SEPARATOR.match(line))
        entry = _paragraph(message, position, text or header_text, "Message Header", 0, False, None)
        entry["header"] = fields
        paragraphs.append(entry)
        index = group_end if block.header is not None else index + 1
    return paragraphs, message if paragraphs else 0


def _paragraph(message: int, position: int, text: str, style: str, level: int, list_item: bool,
               table: str | None) -> dict:
    return dict(result.paragraph(position, text, style, level, list_item=list_item, table=table),
                id=f"m{message}.p{position}")


def _header_fields(text: str, attribution: bool) -> dict | None:
    """{from, sent, to, cc, subject} of a reply header's text, or None when the text is not one."""
    lines = [line for line in text.split("\n") if line and not _SEPARATOR.match(line)]
    if not lines:
        return None
    if (len(lines) == 1 and len(lines[0]) < 300) or attribution:
        joined = " ".join(lines)
        for pattern in _ATTRIBUTIONS:
            if match := pattern.match(joined):
                return {"from": match.group("from"), "sent": match.group("sent")}
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[:12]):
        match = _HEADER_LINE.match(line)
        if match is None:
            continue
        name = _FIELDS[match.group("label").lower()]
        if number == 0 and name != "from":
            return None
        fields.setdefault(name, match.group("value").strip())
    if "from" in fields and ("sent" in fields or "subject" in fields):
        return fields
    return None
