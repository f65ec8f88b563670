"""The one markdown parser behind both renderers (HTML and .docx) and the text paragraph splitter.

A deliberately small subset: ATX headings, paragraphs, **bold** / __bold__, *italic* / _italic_, bullet and
numbered lists (nested by indentation), links (http, https and mailto only; any other link keeps its text and
loses the link), > block quotes, pipe tables (up to 64 columns; cells past the header's width are dropped), --- rules. Raw HTML is not markup here: it stays text, and
the renderers escape it. A single newline inside a block is a line break, because model output and email
text mean it as one. Delimited spans are bounded in length so hostile input cannot make the regex crawl.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
LIST_ITEM_RE = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
QUOTE_RE = re.compile(r"^\s{0,3}>\s?(.*)$")
RULE_RE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_TABLE_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_LINE_END = re.compile(r"\r\n|\r|\n")

SAFE_SCHEMES = ("http", "https", "mailto")
MAX_QUOTE_DEPTH = 8
MAX_INLINE_DEPTH = 8
MAX_TABLE_COLUMNS = 64  # wider "tables" are noise, and Word tables grow slow with thousands of columns

_INLINE = re.compile(
    r"""
      \\(?P<escaped>[\\`*_{}\[\]()#+\-.!|>~<])
    | (?P<newline>\n)
    | \[(?P<label>(?:[^\[\]\\\n]|\\.){1,500})\]\((?P<url>(?:[^()\s]|\([^()\s]{0,200}\)){0,2000})(?:\s+"[^"\n]{0,500}")?\)
    | <(?P<autolink>(?:https?://|mailto:)[^<>\s]{1,2000})>
    | (?P<both_mark>\*\*\*|___)(?P<both>(?=\S).{1,500}?(?<=\S))(?P=both_mark)
    | (?P<strong_mark>\*\*|__)(?P<strong>(?=\S).{1,500}?(?<=\S))(?P=strong_mark)
    | \*(?P<star>(?![\s*]).{1,500}?(?<![\s*]))\*(?!\*)
    | (?<!\w)_(?P<under>(?![\s_]).{1,500}?(?<![\s_]))_(?!\w)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Span:
    """A run of text with one formatting; `line_break` spans carry no text."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    line_break: bool = False


@dataclass(frozen=True)
class Heading:
    level: int
    spans: list[Span]


@dataclass(frozen=True)
class Paragraph:
    spans: list[Span]


@dataclass(frozen=True)
class ListItem:
    spans: list[Span]
    ordered: bool
    depth: int  # 0 for the outer list; the parser never lets depth grow by more than one per item
    number: int  # the number written in the source for ordered items (a list may start at 3)


@dataclass(frozen=True)
class ListBlock:
    items: list[ListItem]


@dataclass(frozen=True)
class Quote:
    blocks: list


@dataclass(frozen=True)
class Table:
    header: list[list[Span]]
    rows: list[list[list[Span]]] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | ListBlock | Quote | Table | Rule


def parse_blocks(markdown: str) -> list[Block]:
    return _blocks(_LINE_END.split(markdown.replace("\t", "    ")), 0)


def parse_inline(text: str) -> list[Span]:
    return _merge(_inline(text, False, False, None, 0))


def safe_url(url: str) -> str | None:
    """The URL when its scheme is http, https or mailto and it holds no spaces or control characters."""
    url = url.strip()
    if not url or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url) or ":" not in url:
        return None
    scheme, rest = url.split(":", 1)
    scheme = scheme.lower()
    if scheme not in SAFE_SCHEMES or (scheme != "mailto" and not rest.startswith("//")):
        return None
    return url


def _blocks(lines: list[str], quote_depth: int) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif heading := HEADING_RE.match(line):
            blocks.append(Heading(len(heading.group(1)), parse_inline(heading.group(2))))
            i += 1
        elif RULE_RE.match(line):
            blocks.append(Rule())
            i += 1
        elif quote_depth < MAX_QUOTE_DEPTH and QUOTE_RE.match(line):
            inner = []
            while i < len(lines) and (quoted := QUOTE_RE.match(lines[i])):
                inner.append(quoted.group(1))
                i += 1
            blocks.append(Quote(_blocks(inner, quote_depth + 1)))
        elif LIST_ITEM_RE.match(line):
            items, i = _list(lines, i, quote_depth)
            blocks.append(ListBlock(items))
        elif _table_starts(lines, i):
            table, i = _table(lines, i)
            blocks.append(table)
        else:
            text = [line]
            i += 1
            while i < len(lines) and lines[i].strip() and not _block_starts(lines, i, quote_depth):
                text.append(lines[i])
                i += 1
            blocks.append(Paragraph(parse_inline(_join_lines(text))))
    return blocks


def _list(lines: list[str], i: int, quote_depth: int) -> tuple[list[ListItem], int]:
    raw: list[tuple[int, bool, int, list[str]]] = []  # depth, ordered, number, lines
    indents: list[int] = []
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            following = i + 1
            while following < len(lines) and not lines[following].strip():
                following += 1
            if following < len(lines) and LIST_ITEM_RE.match(lines[following]) and not RULE_RE.match(lines[following]):
                i = following
                continue
            break
        item = LIST_ITEM_RE.match(line)
        if item and not RULE_RE.match(line):
            indent, marker = len(item.group(1)), item.group(2)
            while indents and indent < indents[-1]:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
            ordered = marker[0].isdigit()
            raw.append((len(indents) - 1, ordered, int(marker[:-1]) if ordered else 0, [item.group(3)]))
        elif raw and not _block_starts(lines, i, quote_depth):
            raw[-1][3].append(line)  # a continuation line of the item above
        else:
            break
        i += 1
    items = [ListItem(parse_inline(_join_lines(text)), ordered, depth, number) for depth, ordered, number, text in raw]
    return items, i


def _table_starts(lines: list[str], i: int) -> bool:
    return (
        "|" in lines[i]
        and i + 1 < len(lines)
        and "|" in lines[i + 1]
        and "-" in lines[i + 1]
        and bool(_TABLE_SEPARATOR_RE.match(lines[i + 1]))
    )


def _table(lines: list[str], i: int) -> tuple[Table, int]:
    header = _cells(lines[i])[:MAX_TABLE_COLUMNS]
    width = len(header)
    rows = []
    i += 2
    while i < len(lines) and lines[i].strip() and "|" in lines[i]:
        cells = _cells(lines[i])[:width]
        rows.append(cells + [[] for _ in range(width - len(cells))])
        i += 1
    return Table(header, rows), i


def _cells(line: str) -> list[list[Span]]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [parse_inline(cell.strip()) for cell in _CELL_SPLIT_RE.split(row)]


def _block_starts(lines: list[str], i: int, quote_depth: int) -> bool:
    line = lines[i]
    return bool(
        HEADING_RE.match(line)
        or RULE_RE.match(line)
        or (quote_depth < MAX_QUOTE_DEPTH and QUOTE_RE.match(line))
        or LIST_ITEM_RE.match(line)
        or _table_starts(lines, i)
    )


def _join_lines(lines: list[str]) -> str:
    # Trailing "  " or "\" mark a hard break in CommonMark; every newline is one here, so they are dropped.
    cleaned = [line.strip() for line in lines]
    return "\n".join(line[:-1].rstrip() if line.endswith("\\") and not line.endswith("\\\\") else line
                     for line in cleaned)


def _inline(text: str, bold: bool, italic: bool, href: str | None, depth: int) -> list[Span]:
    if depth >= MAX_INLINE_DEPTH:
        return [Span(text, bold, italic, href)] if text else []
    spans: list[Span] = []
    pending: list[str] = []
    position = 0

    def flush() -> None:
        if "".join(pending):
            spans.append(Span("".join(pending), bold, italic, href))
        pending.clear()

    for match in _INLINE.finditer(text):
        pending.append(text[position:match.start()])
        position = match.end()
        if match.group("escaped") is not None:
            pending.append(match.group("escaped"))
            continue
        flush()
        if match.group("newline"):
            spans.append(Span("", bold, italic, href, line_break=True))
        elif match.group("label") is not None:
            link = safe_url(match.group("url")) if href is None else href
            spans.extend(_inline(match.group("label"), bold, italic, link, depth + 1))
        elif match.group("autolink") is not None:
            link = safe_url(match.group("autolink"))
            spans.append(Span(match.group("autolink"), bold, italic, link or href))
        elif match.group("both") is not None:
            spans.extend(_inline(match.group("both"), True, True, href, depth + 1))
        elif match.group("strong") is not None:
            spans.extend(_inline(match.group("strong"), True, italic, href, depth + 1))
        else:
            inner = match.group("star") if match.group("star") is not None else match.group("under")
            spans.extend(_inline(inner, bold, True, href, depth + 1))
    pending.append(text[position:])
    flush()
    return spans


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        previous = merged[-1] if merged else None
        if (previous and not span.line_break and not previous.line_break
                and (previous.bold, previous.italic, previous.href) == (span.bold, span.italic, span.href)):
            merged[-1] = Span(previous.text + span.text, span.bold, span.italic, span.href)
        else:
            merged.append(span)
    return merged
