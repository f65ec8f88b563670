"""Results come back clean, and content that only looks chatty is left alone."""
from __future__ import annotations

import pytest

from server.assist.clean import clean

BODY = "Dear Ms. Tremblay,\n\nThe report is due on Friday.\n\nRegards,\nSam"


@pytest.mark.parametrize("raw", [
    f"Sure! Here is the rewritten text:\n\n{BODY}",
    f"Sure! Here is the rewritten text: {BODY}",
    f"Certainly! Here's a more formal version of your email:\n{BODY}",
    f"Certainly, here is the revised text in a friendly tone:\n\n{BODY}",
    f"Of course. Below is the corrected text:\n{BODY}",
    f"Here is the summary:\n{BODY}",
    f"Voici le texte réécrit :\n{BODY}",
    f"Bien sûr ! Voici une version plus formelle du courriel :\n\n{BODY}",
    f"Sure!\n\n{BODY}",
    f"Rewritten text:\n{BODY}",
    f"Texte réécrit :\n{BODY}",
    f"```\n{BODY}\n```",
    f"```text\nSure! Here is the rewritten text:\n{BODY}\n```",
    f'"{BODY}"',
    f"“{BODY}”",
    f"« {BODY} »",
    f"<<<TEXT\n{BODY}\nTEXT>>>",
    f"{BODY}\n\nLet me know if you'd like any further changes!",
    f"{BODY}\n\nI hope this helps! Let me know if you want another version.",
    f"{BODY}\n\nFeel free to adjust the tone as needed.",
    f"{BODY}\n\nN'hésitez pas à me demander d'autres modifications.",
    f"{BODY}\n\nNote: I have kept all the figures from the original.",
    f"Sure! Here is the rewritten email:\n\n\"{BODY}\"\n\nLet me know if you need any other changes.",
])
def test_chatter_is_stripped(raw):
    assert clean(raw) == BODY


@pytest.mark.parametrize("content", [
    "Sure enough, the budget was cut in March.",
    "Certainly the department must act before June.",
    "Here is the plan: we cut travel costs by 10%.",
    "Here is the revised budget: $4.2 million.",
    '"We must act now," the minister said.',
    '"Yes" and "No" are both acceptable answers.',
    "Thanks for your note.\n\nPlease let me know if you have any questions.",
    "Summary: the project is on track.",
    "The committee met.\n\nLet me know if you need anything else.",
    "Okay is the word the minister used.",
    "Voici le plan : nous réduisons les coûts.",
])
def test_content_is_not_stripped(content):
    assert clean(content) == content


def test_a_line_that_is_in_the_source_is_content():
    source = "Let me know if you'd like any changes to the agenda.\n\nSure!"
    raw = "Agenda attached.\n\nLet me know if you'd like any changes to the agenda."
    assert clean(raw, source=source) == raw
    assert clean(raw) == "Agenda attached."


def test_quoted_source_keeps_its_quotes():
    assert clean('"To be or not to be."', source='"To be or not."') == '"To be or not to be."'


@pytest.mark.parametrize("raw", ["", "   ", "Sure!"])
def test_empty_or_only_chatter(raw):
    assert clean(raw) == raw.strip()
