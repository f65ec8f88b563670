"""Post-checks: facts lost (or invented) and readability before/after."""
from __future__ import annotations

import random

import pytest

from server.assist.checks import run_checks
from server.assist.facts import number_values, numeric_facts
from server.assist.readability import detect_language, ease_to_grade, grade_level, text_words
from server.assist.wordfacts import _EN_NEG, _FR_NEG, names, negations


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


# Recorded from the checks before they were made fast (each text parsed once, dates found in linear time,
# figures looked up in sets): the same inputs must keep giving exactly these results.
def test_numeric_facts_in_reading_order_each_figure_once():
    text = ("Due March 5, 2024 (2024-03-05), i.e. 5 March 2024 or 05/03/2024; USD 12, 1,500 €, 3 millions, 8 %, "
            "Sept. 3 and 7.")
    assert [(f.kind, f.value, f.start) for f in numeric_facts(text)] == [
        ("date", "March 5, 2024", 4), ("date", "2024-03-05", 19), ("date", "5 March 2024", 37),
        ("date", "05/03/2024", 53), ("amount", "USD 12", 65), ("amount", "1,500 €", 73),
        ("number", "3 millions", 82), ("percentage", "8 %", 94), ("date", "Sept. 3", 99), ("number", "7", 111)]


def test_mixed_figures_recorded_result():
    source = ("Sept. 3 $4.2 million USD 12 ne jamais 1.  €1.5bn 40% 13/13/2020  et  3 francs 3 millions 1.500 €1.5bn "
              "5 March 2024 le 1er janvier 2025 05/03/2024 ne jamais 1.234,5 rapport .  5 livres sterling €1.5bn douze "
              "05/03/2024 4.200.000,50 $4.2 million 8 % 1.500")
    checks = run_checks(source, "a été approuvé 3.75", language="fr")
    figures = [(f["kind"], f["value"]) for f in checks["facts"]["missing"] if f["kind"] not in ("name", "negation")]
    assert figures == [
        ("date", "Sept. 3"), ("amount", "3 $"), ("amount", "4.2 million USD"), ("number", "12"), ("number", "1"),
        ("amount", "€1.5bn"), ("percentage", "40%"), ("number", "13"), ("number", "2020"), ("amount", "3 francs"),
        ("number", "3 millions"), ("amount", "1.500 €"), ("number", "1.5bn"), ("date", "5 March 2024"),
        ("date", "1er janvier 2025"), ("date", "05/03/2024"), ("number", "1.234,5"),
        ("amount", "5 livres sterling"), ("amount", "4.200.000,50 $"), ("number", "4.2 million"),
        ("percentage", "8 %"), ("number", "1.500")]
    assert checks["facts"]["added"] == [{"kind": "number", "value": "3.75"}]


def test_french_rewrite_recorded_result():
    source = ("Le budget révisé de 4,2 M€ couvre une hausse de 12 % depuis le 14 mars 2025. Le comité ne doit pas "
              "attendre : le rapport de 1 500 pages est dû le 30 juin 2025.")
    output = ("Le budget révisé, de 4 200 000 euros, couvre une hausse de 12 pour cent depuis le 14 mars 2025. "
              "Le rapport est attendu le 30 juin 2025.")
    assert run_checks(source, output)["facts"] == {
        "missing": [{"kind": "number", "value": "1 500"}, {"kind": "negation", "value": "ne doit pas"}],
        "added": []}


def test_summary_figures_are_looked_up_in_the_whole_document():
    paragraphs = [f"In {2000 + i % 20}, spending on item {i} reached ${i}.5 million, up {i % 40}%." for i in range(2000)]
    document = "\n\n".join(paragraphs + ["The last review was on 14 March 2025."])
    summary = "- Spending on item 1999 reached $1999.5 million by March 14, 2025.\n- Costs rose 4.75% to $8.25 million."
    added = run_checks(document, summary, summary=True)["facts"]["added"]
    assert [f["value"] for f in added] == ["4.75%", "$8.25 million"]


@pytest.mark.parametrize("source, output, lost", [
    ("Apply by March 5.", "Apply by March 5, 2024.", []),  # the source's missing year is a wildcard
    ("Apply by March 2024.", "Apply by 5 March 2024.", []),
    ("Apply in March 2024.", "Apply in March 2025.", [("date", "March 2024")]),
    ("We need 5 copies.", "Due 2024-03-05.", []),  # a number may live on as a date's day
])
def test_dates_match_with_missing_parts(source, output, lost):
    assert missing(source, output) == lost


# The scans below try their regexes only where a match can start (found with plain string tests); these
# results were recorded from the full regex scans they replace, including the case-blind look-alikes
# ("ı" for i, "ſ" for s) and "İ", which lowercases to two characters.
@pytest.mark.parametrize("text, language, expected", [
    ("Staff must not, and cannot, share it.", "en", ["must not", "cannot"]),
    ("We don't know; it isn’t here. No. 5 is not not done.", "en", ["don't", "isn’t", "is not", "not"]),
    ("It was neıther here nor there, wıthout fail.", "en", ["neıther", "nor", "wıthout"]),
    ("İstanbul staff must not go. Nobody did.", "en", ["must not", "nobody"]),
    ("Don't not go", "en", ["don't", "not"]),
    ("Nevertheless, nothingness is not nothing.", "en", ["is not", "nothing"]),
    ("Il n'a jamais signé ſans lire; vous ne devez pas signer.", "fr", ["n'a jamais", "ſans", "ne devez pas"]),
    ("Aucune réponse, ne-pas, nevertheless pas.", "fr", ["aucune", "ne", "nevertheless pas"]),
    ("İl ne faut pas.", "fr", ["ne faut pas"]),
])
def test_negations_recorded(text, language, expected):
    assert negations(text, language) == expected


def _negations_by_full_scan(text, language):
    """The plain finditer scan that negations() must agree with."""
    if language == "fr":
        return [" ".join(m.group(0).split()).lower() for m in _FR_NEG.finditer(text)]
    phrases = []
    for m in _EN_NEG.finditer(text):
        neg, prev = m.group("neg").lower(), (m.group("prev") or "").lower()
        if not (neg == "no" and text[m.end("neg"):m.end("neg") + 1] == "."):
            phrases.append(f"{prev} {neg}".strip() if neg == "not" else neg)
    return phrases


def test_negations_agree_with_the_full_regex_scan():
    pieces = ("not never no none nobody nothing neither nor nowhere without cannot can't won’t n't NOT Never "
              "neıther wıthout ne n' n’ pas plus jamais rien sans ſans aucun aucune guère point nullement must "
              "had it x _ 5 No. know notice ne-pas aujourd'hui İ ı ſ").split()
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice([" ", "", "  ", "\n", "'", "’", "-", ". ", ", "])
                       for _ in range(rng.randint(0, 12)))
        for language in ("en", "fr"):
            assert negations(text, language) == _negations_by_full_scan(text, language), (text, language)


@pytest.mark.parametrize("text, expected", [
    # a person "of" an organisation is two names; a single word "of" something is one
    ("Jane Smith of Global Affairs Canada said so.", ["Jane Smith", "Global Affairs Canada"]),
    ("The note by Jane Smith of Global Affairs Canada.", ["Jane Smith", "Global Affairs Canada"]),
    ("Bank of Canada rates rose.", ["Bank of Canada"]),
    ("Staff of the Department of Health agreed.", ["Department of Health"]),
    ("Le Ministère de la Santé du Québec répond.", ["Ministère de la Santé du Québec"]),
    # a capital at a sentence's start: a known opener goes; an unknown one goes only before a longer name
    ("Yesterday Jane Smith left.", ["Jane Smith"]),
    ("Yesterday Bank of Canada rates rose.", ["Bank of Canada"]),
    ("Separately John Smith said no.", ["John Smith"]),
    ("Jane Smith said no.", ["Jane Smith"]),
])
def test_names_split_where_a_rewrite_may_split_them(text, expected):
    assert [f.value for f in names(text)] == expected


@pytest.mark.parametrize("output", [
    "Jane Smith, from Global Affairs Canada, called.",
    "Global Affairs Canada's Jane Smith called.",
    "Jane Smith of Global Affairs Canada called.",
])
def test_a_person_and_their_organisation_kept_in_other_words_are_not_flagged(output):
    assert missing("Jane Smith of Global Affairs Canada called.", output) == []


def test_names_and_figures_recorded():
    text = "(Jane Smith) met l'Office National and ÉLISE ROY at R&D; Étienne Dupont, XIV."
    assert [f.value for f in names(text)] == ["Jane Smith", "Office National", "Étienne Dupont"]
    text = "Costs: usd 12, C$ 3, 4 k, ſept 3, Dec. 5, 2024; 2024-03-05x; 1. item 12%5"
    assert [(f.kind, f.value, f.start) for f in numeric_facts(text)] == [
        ("amount", "usd 12", 7), ("amount", "C$ 3", 15), ("number", "4", 21), ("number", "3", 31),
        ("date", "Dec. 5, 2024", 34), ("number", "2024", 48), ("number", "03", 53), ("number", "1", 61),
        ("percentage", "12%", 69), ("number", "5", 72)]


@pytest.mark.parametrize("text", [
    "The cat sat. The dog ran!\n\n- one item\n- another item… “Quoted.” Done",
    "Le chat dort. Aujourd'hui, il pleut — peut-être demain ? Oui.",
    "",
])
def test_shared_words_give_the_same_language_and_grade(text):
    words = text_words(text)
    assert detect_language(text, words) == detect_language(text)
    for language in ("en", "fr"):
        assert grade_level(text, language, words) == grade_level(text, language)


@pytest.mark.parametrize("figure", ["4.200.000,501.500", "1.000.000,250.750", "9,999,999.123.456"])
def test_digit_runs_that_are_no_number_never_fail_the_checks(figure):
    source = f"Total {figure} now."
    dropped = run_checks(source, "The total is unchanged.")
    kept = run_checks(source, source)
    assert any(f["value"] == figure for f in dropped["facts"]["missing"])
    assert kept["facts"]["missing"] == []


@pytest.mark.parametrize("value, text, expected", [
    ("$4.2 million", "The agency spent $4.2 million.", True),
    ("12%", "Costs rose 12%, then fell.", True),
    ("2024", "Signed 2024-03-05.", True),
    ("March 5, 2024", "Apply by March 5, 2024.", True),
    ("5 November", "Due by 5 November 2024.", True),
    ("12%", "A rise of 12%.5 was noted.", True),
    ("1,500", "We hired 21,500 staff.", False),
    ("1,500", "We spent 1,500,000 dollars.", False),
    ("500", "We hired 1,500 staff.", False),
    ("1 500", "Un budget de 1 500 000 euros.", False),
    ("500 000", "Un budget de 1 500 000 euros.", False),
    ("4.2", "It grew 4.25 times.", False),
    ("12", "The 12th of May.", False),
    ("$4.2 million", "It costs $4,200,000.", False),  # the same amount, another writing: the index decides
])
def test_a_figure_is_written_in_a_text_only_as_a_whole(value, text, expected):
    from server.assist.facts import written_in

    assert written_in(value, text) is expected


def test_a_figure_found_written_in_a_source_is_one_its_index_has():
    # The literal look is only a shortcut: whenever it says yes, indexing the source says yes too.
    from server.assist.facts import FactIndex, written_in

    writings = ["$4.2 million", "4.2", "1,500", "21,500", "1,500,000", "1 500", "1 500 000", "12%", "12",
                "March 5, 2024", "2024-03-05", "5 mars 2024", "€1.5bn", "3", "2024", "4,2 M€", "0.5", "10.5",
                "US$7", "7 million", "third", "12.5%"]
    glue = [" ", ". ", ", ", "; ", " and ", "\n\n", "-", "/", " of "]
    rng = random.Random(7)

    def text(n):
        return "".join(rng.choice(writings) + rng.choice(glue) for _ in range(n))

    checked = 0
    for _ in range(300):
        source, output = text(12), text(6)
        index = FactIndex(source)
        for fact in numeric_facts(output):
            if written_in(fact.value, source):
                checked += 1
                assert index.has(fact), (fact, source)
    assert checked > 300


def test_a_long_source_is_indexed_only_for_a_figure_written_differently():
    from server.assist.checks import SourceProfile

    paragraph = "In 2023 the agency spent $4.2 million on 17 projects; satisfaction reached 78% by 5 March."
    profile = SourceProfile("\n\n".join([paragraph] * 2000))
    copied = run_checks(profile, "- The agency spent $4.2 million on 17 projects (78%).", summary=True)
    assert copied["facts"]["added"] == [] and "index" not in vars(profile)
    reworded = run_checks(profile, "- Spending was $4,200,000, and 99% were satisfied.", summary=True)
    assert reworded["facts"]["added"] == [{"kind": "percentage", "value": "99%"}] and "index" in vars(profile)


def test_a_long_text_is_graded_from_a_sample_of_its_sentences():
    from server.assist.readability import SAMPLED_CHARS

    easy = ["The cat sat on the mat.", "The dog ran to the park and came back home.", "We like tea."]
    hard = ["Notwithstanding the aforementioned considerations, interdepartmental harmonization of "
            "administrative responsibilities necessitates comprehensive organizational restructuring.",
            "Consequently, the implementation methodology requires substantial reconsideration."]
    rng = random.Random(3)
    for sentences in (easy, hard):
        # sentences in random order, as in real prose: the sample sees each kind as often as the text has it
        long_text = " ".join(rng.choice(sentences) for _ in range(3000))
        assert len(long_text) > SAMPLED_CHARS
        assert grade_level(long_text, "en") == pytest.approx(grade_level(" ".join(sentences), "en"), abs=0.6)
    mixed = "\n\n".join(easy * 300 + hard * 300)
    assert grade_level(" ".join(easy), "en") + 3 < grade_level(mixed, "en") < grade_level(" ".join(hard), "en") - 3


def test_a_long_text_without_sentence_ends_is_sampled_by_bounded_searches(monkeypatch):
    # a model's megabyte of run-on words once made every sample search to the end (400 x 1 MB)
    from server.assist import readability

    searched = []
    real = readability._SENTENCE_END

    class Recording:
        def search(self, text, pos=0, endpos=None):
            searched.append((endpos if endpos is not None else len(text)) - pos)
            return real.search(text, pos, len(text) if endpos is None else endpos)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(readability, "_SENTENCE_END", Recording())
    run_on = ("lorem ipsum dolor " * 60_000)[:1_000_000]
    grade = readability.grade_level(run_on, "en")
    assert grade is not None
    assert searched and max(searched) <= readability.MAX_SENTENCE_CHARS
    sample = readability._sampled_sentences(run_on, 400)
    assert len(sample) >= 300 and all(len(s) <= readability.MAX_SENTENCE_CHARS for s in sample)
