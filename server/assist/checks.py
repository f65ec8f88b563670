"""Post-checks on every result: facts kept (and figures added) and readability before and after."""
from __future__ import annotations

from functools import cached_property

from server.assist.facts import Fact, FactIndex, missing_from, numeric_facts_and_runs, written_in
from server.assist.readability import FORMULAS, SAMPLED_CHARS, detect_language, grade_level, text_words
from server.assist.wordfacts import missing_names, missing_negations, names, negations


def primary_language(tag: str | None) -> str | None:
    return tag.split("-")[0].lower() if tag else None


class SourceProfile:
    """What the checks read from a source text, each part computed once, on first use.

    Nothing here reads a long source whole unless it must: language and grade level read its start and a
    sample of its sentences, and asking whether it has a fact looks for that fact's writing before indexing
    every figure in it (a 300-page document: milliseconds instead of most of a second).
    """

    def __init__(self, text: str | None):
        self.text = text or ""
        self._grades: dict[str, float | None] = {}
        self._negations: dict[str, list[str]] = {}

    @cached_property
    def words(self) -> list[str]:
        return text_words(self.text)

    def _words_if_read_whole(self) -> list[str] | None:
        return self.words if len(self.text) <= SAMPLED_CHARS else None

    @cached_property
    def language(self) -> str | None:
        return detect_language(self.text, self._words_if_read_whole())

    @cached_property
    def facts_and_runs(self):
        return numeric_facts_and_runs(self.text)

    @cached_property
    def index(self) -> FactIndex:
        facts, runs = self.facts_and_runs
        return FactIndex(self.text, facts, runs)

    def has(self, fact: Fact) -> bool:
        """Whether the source has `fact` (from another text), in any of the ways it may be written."""
        return written_in(fact.value, self.text) or self.index.has(fact)

    def grade(self, language: str) -> float | None:
        if language not in self._grades:
            self._grades[language] = grade_level(self.text, language, self._words_if_read_whole())
        return self._grades[language]

    @cached_property
    def names(self) -> list[Fact]:
        return names(self.text)

    def negations(self, language: str) -> list[str]:
        if language not in self._negations:
            self._negations[language] = negations(self.text, language)
        return self._negations[language]

    def read_for_edit_checks(self, language: str | None) -> SourceProfile:
        """Everything the checks of an edit (rewrite, proofread) read from the source, computed now.

        Called while the model is still answering, so that work overlaps the wait instead of following it.
        language: the request's output language, if it named one.
        """
        source_lang = self.language or primary_language(language) or "en"
        self.index  # noqa: B018 - cached_property (and facts_and_runs with it): computed and kept
        self.names  # noqa: B018
        self.negations(source_lang)
        self.grade(source_lang)
        return self


def _facts(profile: SourceProfile, output: str, reference: str | None, *, word_level: bool, language: str,
           want_missing: bool, negations: bool) -> dict:
    facts: dict = {}
    source = profile.text
    if reference is source:
        reference = None  # None: the source itself, whose parse the profile already holds
    # each text is parsed once and compared both ways
    output_facts, output_runs = numeric_facts_and_runs(output)
    if want_missing:
        missing = missing_from(profile.facts_and_runs[0], FactIndex(output, output_facts, output_runs))
        if word_level:
            missing += missing_names(source, output, source_names=profile.names)
            if negations:
                missing += missing_negations(source, output, language,
                                             source_negations=profile.negations(language))
        facts["missing"] = [f.to_dict() for f in missing]
    # figures in the result that the source never gave: the model invented them
    reference_has = profile if reference is None else FactIndex(reference)
    facts["added"] = [f.to_dict() for f in missing_from(output_facts, reference_has)]
    return facts


def _readability(profile: SourceProfile | None, output: str, source_lang: str, out_lang: str,
                 output_words: list[str]) -> dict:
    source = profile.text if profile is not None else None
    result = {"language": out_lang, "formula": FORMULAS.get(out_lang),
              "before": profile.grade(source_lang) if source else None,
              "after": grade_level(output, out_lang, output_words)}
    if source and source_lang != out_lang:
        result.update(source_language=source_lang, source_formula=FORMULAS.get(source_lang))
    return result


def run_checks(source: str | SourceProfile | None, output: str, *, language: str | None = None,
               translation: bool = False,
               summary: bool = False, finish_reason: str | None = None, reference: str | None = None,
               readability_before: bool = True, negations: bool = True) -> dict:
    """Checks of `output` against `source`.

    language: the request's `language` (the language of the output), else detected. translation: the output
    is meant to be in another language, so names and negations (words) are not compared, only figures.
    summary: summaries leave facts out by design, so `missing` is not computed, only `added`.
    reference: all the material the output may draw figures from (default: source), for `added`.
    readability_before: False when the source is not a version of the output (a draft's instruction).
    negations: False when the source's negations may be about the writing ("don't be too formal").
    """
    profile = source if isinstance(source, SourceProfile) else SourceProfile(source)
    output_words = text_words(output)  # read once, for both uses
    source_lang = profile.language or primary_language(language) or "en"
    out_lang = primary_language(language) or detect_language(output, output_words) or source_lang
    translation = translation or out_lang != source_lang
    checks = {
        "facts": _facts(profile, output, reference, word_level=not translation, language=source_lang,
                        want_missing=not summary, negations=negations),
        "readability": _readability(profile if readability_before else None, output, source_lang, out_lang,
                                    output_words),
    }
    if finish_reason == "length":
        checks["truncated"] = True
    return checks
