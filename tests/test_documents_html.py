"""HTML and Outlook / Gmail message bodies: block structure, tables, reply chains split into messages."""
from __future__ import annotations

import time

import pytest

from server.assist.sources import summary_paragraphs
from server.documents import Limits, extract
from server.documents.html_reader import read_html
from server.errors import TooLarge

# Outlook desktop (Word HTML): MsoNormal paragraphs, conditional comments, a list with Outlook's hidden
# bullets, and the reply header in a div with a solid border-top.
OUTLOOK_DESKTOP = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}</style><![endif]-->
<style><!--
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-CA" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Hi Alice,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Thanks &#8211; the figures look right. Two points:<o:p></o:p></p>
<p class="MsoListParagraphCxSpFirst" style="text-indent:-18.0pt;mso-list:l0 level1 lfo1"><![if !supportLists]>
<span style="font-family:Symbol"><span style="mso-list:Ignore">&middot;<span style="font:7.0pt &quot;Times New Roman&quot;">
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>Travel is down 5%<o:p></o:p></p>
<p class="MsoListParagraphCxSpLast" style="text-indent:-18.0pt;mso-list:l0 level1 lfo1"><![if !supportLists]>
<span style="font-family:Symbol"><span style="mso-list:Ignore">&middot;<span style="font:7.0pt &quot;Times New Roman&quot;">
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>Staffing is flat<o:p></o:p></p>
<p class="MsoNormal">Bob<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<div>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b><span lang="EN-US">From:</span></b><span lang="EN-US"> Alice Martin
&lt;alice.martin@contoso.gc.ca&gt; <br>
<b>Sent:</b> Tuesday, March 5, 2024 9:14 AM<br>
<b>To:</b> Bob Chen &lt;bob.chen@contoso.gc.ca&gt;<br>
<b>Cc:</b> Finance Team &lt;finance@contoso.gc.ca&gt;<br>
<b>Subject:</b> Budget review Q1<o:p></o:p></span></p>
</div>
</div>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Bob, can you check the attached figures before Thursday?<o:p></o:p></p>
<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0">
<tr><td><p class="MsoNormal"><b>Item</b><o:p></o:p></p></td><td><p class="MsoNormal"><b>2024</b></p></td></tr>
<tr><td><p class="MsoNormal">Travel<o:p></o:p></p></td><td><p class="MsoNormal">95 000 $<o:p></o:p></p></td></tr>
</table>
<p class="MsoNormal">Alice<o:p></o:p></p>
</div>
</body>
</html>"""

# Outlook on the web: appendonsend, an <hr>, div#divRplyFwdMsg with <font>; two levels of replies.
OUTLOOK_WEB = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>
</head>
<body dir="ltr">
<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif;">
Approved, go ahead.</div>
<div class="elementToProof">Claire</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">
<b>From:</b> Bob Chen &lt;bob.chen@contoso.gc.ca&gt;<br>
<b>Sent:</b> Wednesday, March 6, 2024 10:02<br>
<b>To:</b> Claire Roy &lt;claire.roy@contoso.gc.ca&gt;<br>
<b>Subject:</b> RE: Budget review Q1</font>
<div>&nbsp;</div>
</div>
<div dir="ltr"><div>Claire, the review is done; may I send it to Finance?</div><div><br></div>
<div>Bob</div></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">
<b>From:</b> Alice Martin &lt;alice.martin@contoso.gc.ca&gt;<br>
<b>Sent:</b> Tuesday, March 5, 2024 9:14 AM<br>
<b>To:</b> Bob Chen &lt;bob.chen@contoso.gc.ca&gt;<br>
<b>Subject:</b> Budget review Q1</font>
<div>&nbsp;</div>
</div>
<div>Bob, can you review the figures?</div>
</body></html>"""

GMAIL = """<div dir="ltr">Sounds good, see you then.<div><br></div><div>Sam</div></div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Mar 5, 2024 at 9:14 AM Alice Martin &lt;<a
href="mailto:alice.martin@contoso.gc.ca">alice.martin@contoso.gc.ca</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">
<div dir="ltr">Meeting moved to <b>Thursday 10:00</b>.<div><br></div>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Mar 4, 2024 at 4:30 PM Sam Lee &lt;sam@example.org&gt;
wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">
<div dir="ltr">Can we meet on Wednesday?</div></blockquote></div></div></blockquote></div>"""

FRENCH_OUTLOOK = """<html><body>
<div class="WordSection1">
<p class="MsoNormal">Bonjour Marc,<o:p></o:p></p>
<p class="MsoNormal">Je confirme la r&eacute;union de jeudi.<o:p></o:p></p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b><span lang="FR">De&nbsp;:</span></b><span lang="FR"> Marc Dubois
&lt;marc.dubois@exemple.gouv.fr&gt;<br>
<b>Envoy&eacute;&nbsp;:</b> lundi 4 mars 2024 16:30<br>
<b>&Agrave;&nbsp;:</b> L&eacute;a Martin &lt;lea.martin@exemple.gouv.fr&gt;<br>
<b>Objet&nbsp;:</b> R&eacute;union budg&eacute;taire<o:p></o:p></span></p>
</div>
<p class="MsoNormal">Pouvez-vous confirmer la r&eacute;union&nbsp;?<o:p></o:p></p>
</div></body></html>"""


def _view(document: dict) -> list[tuple[str, str, str]]:
    return [(p["id"], p["style"], p["text"]) for p in document["paragraphs"]]


def test_outlook_desktop_reply_is_split_at_the_border_top_header():
    document = extract("message.html", OUTLOOK_DESKTOP.encode())
    assert document["kind"] == "html"
    assert _view(document) == [
        ("m1.p1", "Normal", "Hi Alice,"),
        ("m1.p2", "Normal", "Thanks – the figures look right. Two points:"),
        ("m1.p3", "Normal", "Travel is down 5%"),
        ("m1.p4", "Normal", "Staffing is flat"),
        ("m1.p5", "Normal", "Bob"),
        ("m2.p1", "Message Header", "From: Alice Martin <alice.martin@contoso.gc.ca>\n"
                                    "Sent: Tuesday, March 5, 2024 9:14 AM\nTo: Bob Chen <bob.chen@contoso.gc.ca>\n"
                                    "Cc: Finance Team <finance@contoso.gc.ca>\nSubject: Budget review Q1"),
        ("m2.p2", "Normal", "Bob, can you check the attached figures before Thursday?"),
        ("m2.p3", "Normal", "Item"),
        ("m2.p4", "Normal", "2024"),
        ("m2.p5", "Normal", "Travel"),
        ("m2.p6", "Normal", "95 000 $"),
        ("m2.p7", "Normal", "Alice"),
    ]
    assert document["paragraphs"][5]["header"] == {
        "from": "Alice Martin <alice.martin@contoso.gc.ca>", "sent": "Tuesday, March 5, 2024 9:14 AM",
        "to": "Bob Chen <bob.chen@contoso.gc.ca>", "cc": "Finance Team <finance@contoso.gc.ca>",
        "subject": "Budget review Q1"}
    assert document["tables"] == [{"id": "t1", "rows": [["Item", "2024"], ["Travel", "95 000 $"]],
                                   "markdown": "| Item | 2024 |\n|---|---|\n| Travel | 95 000 $ |"}]
    assert [p["table"] for p in document["paragraphs"][7:11]] == ["t1"] * 4
    assert document["stats"]["messages"] == 2
    assert "mso" not in str(document) and "behavior" not in str(document)  # styles and comments are gone


def test_outlook_web_thread_has_one_message_per_divrplyfwdmsg():
    document = extract("body.html", OUTLOOK_WEB.encode())
    assert _view(document) == [
        ("m1.p1", "Normal", "Approved, go ahead."),
        ("m1.p2", "Normal", "Claire"),
        ("m2.p1", "Message Header", "From: Bob Chen <bob.chen@contoso.gc.ca>\nSent: Wednesday, March 6, 2024 10:02\n"
                                    "To: Claire Roy <claire.roy@contoso.gc.ca>\nSubject: RE: Budget review Q1"),
        ("m2.p2", "Normal", "Claire, the review is done; may I send it to Finance?"),
        ("m2.p3", "Normal", "Bob"),
        ("m3.p1", "Message Header", "From: Alice Martin <alice.martin@contoso.gc.ca>\n"
                                    "Sent: Tuesday, March 5, 2024 9:14 AM\nTo: Bob Chen <bob.chen@contoso.gc.ca>\n"
                                    "Subject: Budget review Q1"),
        ("m3.p2", "Normal", "Bob, can you review the figures?"),
    ]
    assert [p["header"]["from"] for p in document["paragraphs"] if "header" in p] == [
        "Bob Chen <bob.chen@contoso.gc.ca>", "Alice Martin <alice.martin@contoso.gc.ca>"]
    assert document["stats"]["messages"] == 3


def test_gmail_nested_quotes_become_messages_with_who_and_when():
    document = extract("gmail.htm", GMAIL.encode())  # no <html>: the extension says it is HTML
    assert _view(document) == [
        ("m1.p1", "Normal", "Sounds good, see you then."),
        ("m1.p2", "Normal", "Sam"),
        ("m2.p1", "Message Header", "On Tue, Mar 5, 2024 at 9:14 AM Alice Martin <alice.martin@contoso.gc.ca> wrote:"),
        ("m2.p2", "Normal", "Meeting moved to Thursday 10:00."),
        ("m3.p1", "Message Header", "On Mon, Mar 4, 2024 at 4:30 PM Sam Lee <sam@example.org> wrote:"),
        ("m3.p2", "Normal", "Can we meet on Wednesday?"),
    ]
    assert document["paragraphs"][2]["header"] == {"from": "Alice Martin <alice.martin@contoso.gc.ca>",
                                                   "sent": "Tue, Mar 5, 2024 at 9:14 AM"}
    assert document["paragraphs"][4]["header"]["from"] == "Sam Lee <sam@example.org>"


def test_french_outlook_header_labels():
    document = extract("message.html", FRENCH_OUTLOOK.encode())
    assert [p["id"] for p in document["paragraphs"]] == ["m1.p1", "m1.p2", "m2.p1", "m2.p2"]
    header = document["paragraphs"][2]
    assert header["style"] == "Message Header"
    assert header["text"].startswith("De : Marc Dubois") and "Objet : Réunion budgétaire" in header["text"]
    assert header["header"] == {"from": "Marc Dubois <marc.dubois@exemple.gouv.fr>",
                                "sent": "lundi 4 mars 2024 16:30",
                                "to": "Léa Martin <lea.martin@exemple.gouv.fr>", "subject": "Réunion budgétaire"}
    assert document["paragraphs"][3]["text"] == "Pouvez-vous confirmer la réunion ?"


@pytest.mark.parametrize(
    ("body", "header"),
    [
        # plain-text style forward inside any markup
        ("<p>FYI</p><p>-----Original Message-----<br>From: Dana Poe<br>Sent: Friday, May 3, 2024 8:00<br>"
         "To: Team<br>Subject: Leave</p><p>I will be away.</p>",
         {"from": "Dana Poe", "sent": "Friday, May 3, 2024 8:00", "to": "Team", "subject": "Leave"}),
        # Gmail forward: the header sits in gmail_attr with "Date:" instead of "Sent:"
        ("<div>FYI</div><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">---------- Forwarded "
         "message ---------<br>From: <strong class=\"gmail_sendername\">Dana Poe</strong> &lt;dana@x.org&gt;<br>"
         "Date: Fri, May 3, 2024 at 8:00 AM<br>Subject: Leave<br>To: Team &lt;team@x.org&gt;<br></div><br><br>"
         "<div dir=\"ltr\">I will be away.</div></div>",
         {"from": "Dana Poe <dana@x.org>", "sent": "Fri, May 3, 2024 at 8:00 AM", "subject": "Leave",
          "to": "Team <team@x.org>"}),
        # Apple Mail / Thunderbird attribution before a cited blockquote, in French
        ("<div>Merci</div><div>Le 3 mai 2024 à 08:00, Dana Poe &lt;dana@x.org&gt; a écrit :</div>"
         "<blockquote type=\"cite\"><div>I will be away.</div></blockquote>",
         {"from": "Dana Poe <dana@x.org>", "sent": "3 mai 2024 à 08:00"}),
    ],
)
def test_other_reply_header_forms(body, header):
    document = read_html(body)
    assert [p["id"] for p in document["paragraphs"]] == ["m1.p1", "m2.p1", "m2.p2"]
    assert document["paragraphs"][1]["header"] == header
    assert document["paragraphs"][2]["text"] == "I will be away."
    assert document["paragraphs"][2]["style"] == "Normal"  # a thread's quote container is not a quotation


@pytest.mark.parametrize(
    "text",
    [
        "From: the committee's point of view, the plan holds.",  # "From:" alone is no header
        "<div style=\"border-top:solid #ccc 1pt\">A boxed note</div>",  # border-top without header lines
        "On balance, the plan holds and everyone wrote: yes",
    ],
)
def test_ordinary_text_is_not_taken_for_a_header(text):
    document = read_html(text)
    assert [p["id"] for p in document["paragraphs"]] == ["m1.p1"]
    assert document["stats"]["messages"] == 1 and "header" not in document["paragraphs"][0]


def test_a_body_that_starts_with_a_forward_header_has_it_as_message_one():
    document = read_html("<div id=\"divRplyFwdMsg\"><b>From:</b> A<br><b>Sent:</b> today<br>"
                         "<b>Subject:</b> S</div><div>Body</div>")
    assert _view(document) == [("m1.p1", "Message Header", "From: A\nSent: today\nSubject: S"),
                               ("m1.p2", "Normal", "Body")]


def test_block_structure_lists_headings_quotes_and_tables():
    document = read_html(
        "<h1>Plan</h1><p>Intro   text\nover lines</p><ul><li>one<li>two<ul><li>nested</li></ul></ul>"
        "<ol><li>first</li></ol><blockquote><p>Quoted words</p></blockquote>"
        "<p>line<br>break<br><br>new paragraph</p><pre>keep   spaces\nhere</pre>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1<td>2|3</tr>"
        "<tr><td colspan=2><table><tr><td>inner</td></tr></table></td></tr></table>"
        "<p>caf&eacute; &amp; &lt;tags&gt; &#x263A;</p>")
    assert [(p["style"], p["level"], p["list"], p["text"]) for p in document["paragraphs"]] == [
        ("Heading 1", 1, False, "Plan"),
        ("Normal", 0, False, "Intro text over lines"),
        ("List Paragraph", 0, True, "one"),
        ("List Paragraph", 0, True, "two"),
        ("List Paragraph", 0, True, "nested"),
        ("List Paragraph", 0, True, "first"),
        ("Quote", 0, False, "Quoted words"),
        ("Normal", 0, False, "line\nbreak"),
        ("Normal", 0, False, "new paragraph"),
        ("Normal", 0, False, "keep spaces\nhere"),
        ("Normal", 0, False, "A"), ("Normal", 0, False, "B"), ("Normal", 0, False, "1"),
        ("Normal", 0, False, "2|3"), ("Normal", 0, False, "inner"),
        ("Normal", 0, False, "café & <tags> ☺"),
    ]
    assert [t["rows"] for t in document["tables"]] == [[["A", "B"], ["1", "2|3"], [""]], [["inner"]]]
    assert document["tables"][0]["markdown"] == "| A | B |\n|---|---|\n| 1 | 2\\|3 |\n|  |  |"
    assert [p["table"] for p in document["paragraphs"][10:15]] == ["t1", "t1", "t1", "t1", "t2"]


@pytest.mark.parametrize(
    ("markup", "texts"),
    [
        ("<script>alert('x')</script><p>kept</p><style>p{color:red}</style>", ["kept"]),
        ("<p>a<!-- hidden -->b</p><!-- unclosed comment <p>gone</p>", ["ab"]),
        ("<p>shown</p><div style=\"display: none\">preheader</div><span style=\"DISPLAY:NONE\">x</span>",
         ["shown"]),
        ("<head><title>T</title><p>no body tag closes head?</p>", []),
        ("<head><title>T</title><body><p>body closes head</p>", ["body closes head"]),
        ("<p>1 < 2 and 3 > 2 <3 <<<</p>", ["1 < 2 and 3 > 2 <3 <<<"]),
        ("<p>unclosed <b>bold <i>italic</p><p>next", ["unclosed bold italic", "next"]),
        ("</div></p></table><p>stray end tags</p></li>", ["stray end tags"]),
        ("<p>one<p>two<div>three</div>four", ["one", "two", "three", "four"]),
        ("<img src=\"https://tracker.example/p.gif\"><p>no fetch</p><link rel=stylesheet href=\"http://x\">",
         ["no fetch"]),
        ("<svg><text>vector</text></svg><p>after svg</p>", ["after svg"]),
        ("<p>&nbsp;&nbsp;</p><div><br></div>", []),
        ("<td>cell without table</td><tr><td>row without table</td></tr>",
         ["cell without table", "row without table"]),
    ],
)
def test_hostile_and_malformed_markup(markup, texts):
    assert [p["text"] for p in read_html(markup)["paragraphs"]] == texts


def test_no_network_while_reading(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("reading HTML opened a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    read_html('<img src="http://198.51.100.1/x.png"><iframe src="http://198.51.100.1/"></iframe><p>x</p>')


@pytest.mark.parametrize(
    ("markup", "refused"),
    [
        ("<div>" * 150_000 + "deep" + "</div>" * 150_000, False),
        ("<b>" * 150_000 + "deep", False),
        ("<a<a" * 500_000, False),  # quadratic for html.parser without the escaping pass
        ("<" * 2_000_000, False),
        ("<table><tr><td>" * 50_000, False),
        ("<li>" * 150_000, False),
        ("<p>x</p>" * 1_300_000, True),  # 10 MB of tags: refused at the element cap, early
        ("<div>" * 2_000_000, True),
    ],
)
def test_huge_and_deep_markup_is_read_in_bounded_time(markup, refused):
    # A guard against quadratic parsing, not a speed target (those are in bench/): this process's own CPU
    # time, which other work on a busy machine does not inflate; each case takes a second or two here.
    started = time.process_time()
    if refused:
        with pytest.raises(TooLarge, match="elements"):
            read_html(markup)
    else:
        assert read_html(markup)["kind"] == "html"
    assert time.process_time() - started < 15


def test_deep_nesting_keeps_text_and_later_blocks():
    document = read_html("<div>" * 5000 + "deep" + "</div>" * 5000 + "<p>after</p>")
    assert [p["text"] for p in document["paragraphs"]] == ["deep", "after"]


@pytest.mark.parametrize(
    ("markup", "limits", "fragment"),
    [
        ("<i>x</i>" * 101, Limits(max_html_elements=100), "more than 100 elements"),
        ("<p>" + "word " * 100 + "</p>", Limits(max_text_chars=200), "more than 200 characters"),
    ],
)
def test_element_and_text_caps(markup, limits, fragment):
    with pytest.raises(TooLarge, match=fragment):
        read_html(markup, limits)


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("mail.txt", b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html"),
        ("", b"\xef\xbb\xbf\n <!-- saved --><HTML><body>Hi</body></HTML>", "html"),
        ("x", b"<head><meta charset=utf-8></head><body>Hi</body>", "html"),
        ("page.HTM", b"<p>Hi</p>", "html"),
        ("notes.txt", b"<p>Hi</p> is how a paragraph starts", "text"),
        ("notes.md", b"Use <html> tags", "markdown"),
    ],
)
def test_html_is_sniffed_from_content_with_the_extension_as_hint(filename, data, kind):
    assert extract(filename, data)["kind"] == kind


def test_windows_1252_html_decodes():
    document = extract("old.htm", "<html><body><p>Réunion à 10 h</p></body></html>".encode("cp1252"))
    assert document["paragraphs"][0]["text"] == "Réunion à 10 h"


def test_summary_paragraphs_of_an_email_keep_message_ids():
    import base64

    body = {"attachments": [{"filename": "thread.html", "content_base64": base64.b64encode(OUTLOOK_WEB.encode())
                             .decode()}]}
    paragraphs = summary_paragraphs(body)
    assert [p["id"] for p in paragraphs][:3] == ["a1.m1.p1", "a1.m1.p2", "a1.m2.p1"]
    assert paragraphs[2]["text"].startswith("From: Bob Chen")
    document = {"document": {"filename": "thread.html",
                             "content_base64": base64.b64encode(GMAIL.encode()).decode()}}
    assert [p["id"] for p in summary_paragraphs(document)][-2:] == ["m3.p1", "m3.p2"]


def test_the_per_file_deadline_is_checked_while_parsing():
    from server.documents.deadline import reading
    from server.errors import UnreadableDocument

    with reading(0), pytest.raises(UnreadableDocument, match="too long"):
        read_html("<i>x</i>" * 2000)
