"""Post-checks: facts lost (or invented) and readability before/after."""
from __future__ import annotations

import pytest

from server.assist.checks import run_checks
from server.assist.facts import number_values
from server.assist.readability import detect_language, ease_to_grade, grade_level


def missing(source, output, **kw):
    return [(f["kind"], f["value"]) for f in run_checks(source, output, **kw)["facts"]["missing"]]


@pytest.mark.parametrize("source, output, expected", [
    ("The project costs $4.2 million.", "The project is expensive.", [("amount", "$4.2 million")]),
    ("Staff must not share passwords.", "Staff must share passwords.", [("negation", "must not")]),
    ("Never sign the form.", "Sign the form.", [("negation", "never")]),
    ("Vous ne devez pas signer.", "Vous devez signer.", [("negation", "ne devez pas")]),
    ("Costs rose 12% this year.", "Costs rose this year.", [("percentage", "12%")]),
    ("Apply by March 5, 2024.", "Apply soon.", [("date", "March 5, 2024")]),
    ("Apply by March 5, 2024.", "Apply by March 5.", [("date", "March 5, 2024")]),
    ("Jane Smith from Global Affairs Canada called.", "Someone called.",
     [("name", "Jane Smith"), ("name", "Global Affairs Canada")]),
    ("The CRA will reply.", "The agency will reply.", [("name", "CRA")]),
    ("We need 3 copies.", "We need copies.", [("number", "3")]),
    ("Le budget est de 4,2 M€.", "Le budget est élevé.", [("amount", "4,2 M€")]),
])
def test_lost_facts_are_flagged(source, output, expected):
    assert missing(source, output) == expected


@pytest.mark.parametrize("source, output", [
    ("The project costs $4.2 million.", "It costs $4,200,000."),
    ("The project costs $4.2 million.", "It costs 4.2 million dollars."),
    ("The project costs €1.5bn.", "It costs 1.5 billion euros."),
    ("Apply by March 5, 2024.", "Apply by 2024-03-05."),
    ("Apply by 5 March 2024.", "Apply by March 5th, 2024."),
    ("Costs rose 12%.", "Costs went up 12 percent."),
    ("We need 3 copies.", "We need three copies."),
    ("Staff must not share passwords.", "Staff mustn't share passwords."),
    ("Do not share it; never sign.", "Never sign it and do not share it."),
    ("Jane Smith called about the Treasury Board.", "The Treasury Board was the subject of Jane Smith's call."),
    ("Sure, 1,500 people came.", "1 500 personnes sont venues."),
])
def test_kept_facts_are_not_flagged(source, output):
    assert missing(source, output) == []


def test_translation_checks_figures_but_not_words():
    source = "Staff must not share the $4.2 million budget with Global Affairs Canada before March 5, 2024."
    output = "Le personnel ne doit pas communiquer le budget de 4,2 M$ à Affaires mondiales Canada avant le 5 mars 2024."
    assert missing(source, output, language="fr", translation=True) == []
    dropped = "Le personnel communique le budget à Affaires mondiales Canada avant le 5 mars."
    assert missing(source, dropped, language="fr", translation=True) == [("amount", "$4.2 million"),
                                                                       ("date", "March 5, 2024")]


def test_added_figures_and_summary_mode():
    checks = run_checks("Costs rose last year.", "Costs rose 40% in 2023.", summary=True)
    assert "missing" not in checks["facts"]
    assert [f["value"] for f in checks["facts"]["added"]] == ["40%", "2023"]


def test_length_finish_is_flagged():
    assert run_checks("a b", "a", finish_reason="length")["truncated"] is True
    assert "truncated" not in run_checks("a b", "a", finish_reason="stop")


@pytest.mark.parametrize("raw, values", [
    ("1,500", {1500.0, 1.5}), ("4,200,000", {4200000.0}), ("4 200 000", {4200000.0}), ("4,2", {4.2}),
    ("1.234,5", {1234.5}), ("12", {12.0}), ("3.75", {3.75}),
])
def test_number_values(raw, values):
    assert number_values(raw) == values


@pytest.mark.parametrize("text, language", [
    ("The minister will meet the staff of the department on Monday.", "en"),
    ("Le ministre rencontrera le personnel du ministère lundi pour discuter des budgets.", "fr"),
    ("OK", None),
])
def test_language_detection(text, language):
    assert detect_language(text) == language


def test_flesch_kincaid_for_known_texts():
    # 6 one-syllable words, 1 sentence: 0.39*6 + 11.8*1 - 15.59 = -1.45
    assert grade_level("The cat sat on the mat.", "en") == pytest.approx(-1.45, abs=0.3)
    hard = ("The interdepartmental committee recommended comprehensive organizational restructuring "
            "notwithstanding considerable institutional opposition.")
    assert grade_level(hard, "en") > 20
    easy = "We met. We ate. We left. It was fun."
    assert grade_level(easy, "en") < 1


def test_french_kandel_moles_grade():
    # "Le chat dort." 3 words, 3 syllables: ease 207 - 1.015*3 - 73.6*1 = 130.4 -> the easiest grade (4)
    assert grade_level("Le chat dort.", "fr") == 4.0
    hard = ("La réorganisation administrative interministérielle nécessite une concertation approfondie "
            "entre les différentes institutions gouvernementales concernées.")
    assert grade_level(hard, "fr") >= 16
    assert ease_to_grade(65) == pytest.approx(8.0)
    assert grade_level("Hallo Welt.", "de") is None


def test_readability_before_and_after_in_checks():
    readability = run_checks("The interdepartmental committee recommended comprehensive restructuring.",
                             "The committee wants big changes.")["readability"]
    assert readability["formula"] == "flesch-kincaid" and readability["language"] == "en"
    assert readability["before"] > readability["after"]
