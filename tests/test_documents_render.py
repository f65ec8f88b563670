"""Markdown rendering: HTML that model output cannot inject into, and .docx in Word's built-in styles."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import docx
import pytest

from server.documents import extract
from server.documents.markdown import parse_blocks, safe_url
from server.documents.render import CELL_STYLE, HEADER_CELL_STYLE, TABLE_STYLE, markdown_to_docx, markdown_to_html

# the only style attributes rendered HTML may carry: the table borders, fixed in render.py
FIXED_STYLES = {"table": TABLE_STYLE, "th": HEADER_CELL_STYLE, "td": CELL_STYLE}
ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "strong", "em", "a", "ul", "ol", "li", "blockquote",
                "table", "thead", "tbody", "tr", "th", "td", "hr", "br"}


class _Audit(HTMLParser):
    """Collects every tag and attribute a browser would see."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _audit(markup: str) -> list[tuple[str, dict]]:
    parser = _Audit()
    parser.feed(markup)
    parser.close()
    for tag, attributes in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert set(attributes) == {"href", "rel"} and safe_url(attributes["href"]) == attributes["href"]
        elif tag == "ol":
            assert set(attributes) <= {"start"} and attributes.get("start", "1").isdigit()
        elif tag in FIXED_STYLES:
            assert attributes == {"style": FIXED_STYLES[tag]}, (tag, attributes)
        else:
            assert attributes == {}, (tag, attributes)
    return parser.tags


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "[click](JavaScript:alert(document.cookie))",
    "[click]( javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](//evil.example/x)",
    "[click](/relative)",
    '[click](https://ok.example/"onmouseover="alert(1))',
    "[click](https://ok.example/'onmouseover='alert(1))",
    "<https://ok.example/<script>>",
    "<javascript:alert(1)>",
    "**<b onclick=x>bold</b>**",
    "# <h1 style=x>",
    "> <iframe src=https://evil.example>",
    "| <td onclick=x> | b |\n|---|---|\n| <style>*{}</style> | c |",
    "- <a href=javascript:x>list</a>",
    "&lt;script&gt; &amp; &#60;script&#62;",
    "<!-- comment --> <![CDATA[x]]>",
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_yields_only_safe_markup(markdown):
    markup = markdown_to_html(markdown)
    _audit(markup)  # hrefs are checked there; "javascript:" may remain only as escaped, visible text
    assert "<script" not in markup


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("# One\n###### Six", "<h1>One</h1>\n<h6>Six</h6>"),
        ("Hello **bold** and *it* and __b2__ and _i2_", "<p>Hello <strong>bold</strong> and <em>it</em> and "
                                                         "<strong>b2</strong> and <em>i2</em></p>"),
        ("*a **b** c*", "<p><em>a </em><strong><em>b</em></strong><em> c</em></p>"),
        ("snake_case_name and 2 * 3 * 4", "<p>snake_case_name and 2 * 3 * 4</p>"),
        ("***both*** ___too___", "<p><strong><em>both</em></strong> <strong><em>too</em></strong></p>"),
        ("\\*not italic\\*", "<p>*not italic*</p>"),
        ("line one\nline two  \nline three\\\nfour", "<p>line one<br>line two<br>line three<br>four</p>"),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("- a\n  - b\n    - c\n- d", "<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li><li>d</li></ul>"),
        ("1. a\n2. b\n\n3. c", "<ol><li>a</li><li>b</li><li>c</li></ol>"),
        ("3. a\n4. b", '<ol start="3"><li>a</li><li>b</li></ol>'),
        ("- a\n1. b", "<ul><li>a</li></ul><ol><li>b</li></ol>"),
        ("- a\ncontinued", "<ul><li>a<br>continued</li></ul>"),
        ("> quote\n> > nested", "<blockquote>\n<p>quote</p>\n<blockquote>\n<p>nested</p>\n</blockquote>\n</blockquote>"),
        ("para\n\n---\n\n* * *", "<p>para</p>\n<hr>\n<hr>"),
        ("[site](https://example.org/a?b=1&c=2)",
         '<p><a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">site</a></p>'),
        ("[**bold link**](mailto:a@example.org)",
         '<p><a href="mailto:a@example.org" rel="noopener noreferrer"><strong>bold link</strong></a></p>'),
        ("[wiki](https://en.wikipedia.org/wiki/Foo_(bar))",
         '<p><a href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="noopener noreferrer">wiki</a></p>'),
        ("[bad](javascript:alert(1))", "<p>bad</p>"),
        ("<https://example.org>", '<p><a href="https://example.org" rel="noopener noreferrer">https://example.org</a></p>'),
        ("| a | b |\n|:--|--:|\n| 1 | x \\| y |\n| 3 |",
         "<table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n"
         "<tbody><tr><td>1</td><td>x | y</td></tr><tr><td>3</td><td></td></tr></tbody>\n</table>"),  # styles apart
        ("a | b without separator", "<p>a | b without separator</p>"),
        ("", ""),
        ("#hashtag", "<p>#hashtag</p>"),
    ],
)
def test_markdown_to_html(markdown, html):
    rendered = markdown_to_html(markdown)
    _audit(rendered)
    assert re.sub(r' style="[^"]*"', "", rendered) == html


def test_html_tables_have_borders_and_padding_outlook_keeps():
    rendered = markdown_to_html("| Item | Cost |\n|---|---|\n| Paper | 3 |")
    tags = _audit(rendered)
    assert [tag for tag, _ in tags] == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    for tag, attributes in tags:
        if tag in ("th", "td"):  # each cell draws its own border (Outlook ignores a table's border alone)
            assert "border:1px solid" in attributes["style"] and "padding:" in attributes["style"]
    assert 'style="border-collapse:collapse"' in rendered


@pytest.mark.parametrize(
    "markdown",
    ["*" * 20000, "_" * 20000, "[" * 20000, "> " * 5000 + "deep", "**a " * 5000, "- " * 5000,
     "".join(" " * n + "- item\n" for n in range(0, 400, 2)), "|" * 5000 + "\n" + "|-" * 2500, "\\" * 10000],
)
def test_pathological_input_renders_without_error(markdown):
    _audit(markdown_to_html(markdown))
    assert markdown_to_docx(markdown).startswith(b"PK")


ROUND_TRIP = """# Report title
Intro with **bold**, *italic* and a [link](https://example.org/report).

## Findings
- first point
- second point
  - a detail
1. step one
2. step two

> A quoted remark

| Name | Amount |
|---|---|
| Alpha | $4.2 million |
| <b>Beta</b> | 12% |

### Next steps
Done."""


def _docx_document(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_docx_round_trip_keeps_the_structure():
    result = extract("draft.docx", markdown_to_docx(ROUND_TRIP))
    body = [(p["text"], p["style"], p["level"], p["list"]) for p in result["paragraphs"] if p["table"] is None]
    assert body == [
        ("Report title", "Heading 1", 1, False),
        ("Intro with bold, italic and a link.", "Normal", 0, False),
        ("Findings", "Heading 2", 2, False),
        ("first point", "List Bullet", 0, True),
        ("second point", "List Bullet", 0, True),
        ("a detail", "List Bullet 2", 0, True),
        ("step one", "List Number", 0, True),
        ("step two", "List Number", 0, True),
        ("A quoted remark", "Quote", 0, False),
        ("Next steps", "Heading 3", 3, False),
        ("Done.", "Normal", 0, False),
    ]
    assert [t["rows"] for t in result["tables"]] == [
        [["Name", "Amount"], ["Alpha", "$4.2 million"], ["<b>Beta</b>", "12%"]]
    ]
    assert [p["id"] for p in result["paragraphs"]] == [f"p{n}" for n in range(1, 18)]


def test_html_round_trip_keeps_the_structure():
    """Rendered for Outlook, then read back as a message body: the same blocks, levels, lists and table."""
    result = extract("message.html", markdown_to_html(ROUND_TRIP).encode())
    assert result["kind"] == "html" and result["stats"]["messages"] == 1
    body = [(p["text"], p["style"], p["level"], p["list"]) for p in result["paragraphs"] if p["table"] is None]
    assert body == [
        ("Report title", "Heading 1", 1, False),
        ("Intro with bold, italic and a link.", "Normal", 0, False),
        ("Findings", "Heading 2", 2, False),
        ("first point", "List Paragraph", 0, True),
        ("second point", "List Paragraph", 0, True),
        ("a detail", "List Paragraph", 0, True),
        ("step one", "List Paragraph", 0, True),
        ("step two", "List Paragraph", 0, True),
        ("A quoted remark", "Quote", 0, False),
        ("Next steps", "Heading 3", 3, False),
        ("Done.", "Normal", 0, False),
    ]
    assert [t["rows"] for t in result["tables"]] == [
        [["Name", "Amount"], ["Alpha", "$4.2 million"], ["<b>Beta</b>", "12%"]]
    ]
    # the same text, in the same order, as the .docx round trip gives
    from_docx = extract("draft.docx", markdown_to_docx(ROUND_TRIP))
    assert [p["text"] for p in result["paragraphs"]] == [p["text"] for p in from_docx["paragraphs"]]
    assert [p["level"] for p in result["paragraphs"]] == [p["level"] for p in from_docx["paragraphs"]]


def test_docx_uses_builtin_styles_real_hyperlinks_and_run_formatting():
    document = _docx_document(markdown_to_docx(ROUND_TRIP))
    intro = document.paragraphs[1]
    assert [(run.text, run.bold, run.italic) for run in intro.runs if run.text in ("bold", "italic")] == [
        ("bold", True, None), ("italic", None, True)]
    links = intro.hyperlinks
    assert [(link.text, link.address) for link in links] == [("link", "https://example.org/report")]
    assert links[0].runs[0].style.name == "Hyperlink"
    assert document.tables[0].style.name == "Table Grid"
    assert all(run.bold for run in document.tables[0].rows[0].cells[0].paragraphs[0].runs)


def test_each_numbered_list_restarts_at_its_own_first_number():
    document = _docx_document(markdown_to_docx("1. a\n2. b\n\nText\n\n1. c\n\nMore\n\n5. e"))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert num_ids[0] == num_ids[1] and len({num_ids[0], num_ids[2], num_ids[3]}) == 3
    numbering = document.part.numbering_part.element
    starts = [numbering.num_having_numId(num_id).xpath("./w:lvlOverride/w:startOverride/@w:val")[0]
              for num_id in (num_ids[0], num_ids[2], num_ids[3])]
    assert starts == ["1", "1", "5"]


def test_docx_keeps_hostile_text_as_text():
    data = markdown_to_docx("<script>alert(1)</script> [x](javascript:alert(1))")
    result = extract("x.docx", data)
    assert [p["text"] for p in result["paragraphs"]] == ["<script>alert(1)</script> x"]
    assert not _docx_document(data).paragraphs[0].hyperlinks


def test_characters_xml_cannot_hold_are_dropped_not_a_crash():
    # schemathesis: markdown with \x1a made lxml refuse the text and /documents/render answer 500
    markdown = "# Ti\x00tle\n\nA\x1a b\x08 c\ud800 d\uffff e \U0001F600"
    document = _docx_document(markdown_to_docx(markdown))
    assert [p.text for p in document.paragraphs] == ["Title", "A b c d e \U0001F600"]
    assert markdown_to_html(markdown) == "<h1>Title</h1>\n<p>A b c d e \U0001F600</p>"


def test_line_breaks_and_rules_in_docx():
    document = _docx_document(markdown_to_docx("one\ntwo\n\n---"))
    assert document.paragraphs[0].text == "one\ntwo"
    assert document.paragraphs[1]._p.pPr.xpath("./w:pBdr/w:bottom/@w:val") == ["single"]


def test_one_parser_serves_both_renderers():
    blocks = parse_blocks(ROUND_TRIP)
    assert [type(block).__name__ for block in blocks] == [
        "Heading", "Paragraph", "Heading", "ListBlock", "Quote", "Table", "Heading", "Paragraph"]


@pytest.mark.parametrize(
    ("url", "safe"),
    [("https://a.example", True), ("http://a.example/x?y", True), ("HTTPS://A.EXAMPLE", True),
     ("mailto:a@b.example", True), ("javascript:alert(1)", False), ("data:text/html,x", False),
     ("ftp://a.example", False), ("https:a.example", False), ("//a.example", False), ("", False),
     ("https://a.example/\x00", False), ("https://a b.example", False)],
)
def test_safe_url(url, safe):
    assert (safe_url(url) is not None) is safe
