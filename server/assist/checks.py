"""Post-checks on every result: facts kept (and figures added) and readability before and after."""
from __future__ import annotations

from server.assist.facts import FactIndex, missing_from, numeric_facts_and_runs
from server.assist.readability import FORMULAS, detect_language, grade_level, text_words
from server.assist.wordfacts import missing_names, missing_negations


def primary_language(tag: str | None) -> str | None:
    return tag.split("-")[0].lower() if tag else None


def _facts(source: str, output: str, reference: str, *, word_level: bool, language: str,
           want_missing: bool, negations: bool) -> dict:
    facts: dict = {}
    # each text is parsed once and compared both ways
    source_facts, source_runs = (numeric_facts_and_runs(source) if want_missing or reference is source
                                 else (None, None))
    output_facts, output_runs = numeric_facts_and_runs(output)
    if want_missing:
        missing = missing_from(source_facts, FactIndex(output, output_facts, output_runs))
        if word_level:
            missing += missing_names(source, output)
            if negations:
                missing += missing_negations(source, output, language)
        facts["missing"] = [f.to_dict() for f in missing]
    # figures in the result that the source never gave: the model invented them
    reference_index = (FactIndex(reference, source_facts, source_runs) if reference is source
                       else FactIndex(reference))
    facts["added"] = [f.to_dict() for f in missing_from(output_facts, reference_index)]
    return facts


def _readability(source: str | None, output: str, source_lang: str, out_lang: str, source_words: list[str],
                 output_words: list[str]) -> dict:
    result = {"language": out_lang, "formula": FORMULAS.get(out_lang),
              "before": grade_level(source, source_lang, source_words) if source else None,
              "after": grade_level(output, out_lang, output_words)}
    if source and source_lang != out_lang:
        result.update(source_language=source_lang, source_formula=FORMULAS.get(source_lang))
    return result


def run_checks(source: str | None, output: str, *, language: str | None = None, translation: bool = False,
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
    source = source or ""
    source_words, output_words = text_words(source), text_words(output)  # read once, for both uses
    source_lang = detect_language(source, source_words) or primary_language(language) or "en"
    out_lang = primary_language(language) or detect_language(output, output_words) or source_lang
    translation = translation or out_lang != source_lang
    checks = {
        "facts": _facts(source, output, reference if reference is not None else source,
                        word_level=not translation, language=source_lang, want_missing=not summary,
                        negations=negations),
        "readability": _readability(source if readability_before else None, output, source_lang, out_lang,
                                    source_words, output_words),
    }
    if finish_reason == "length":
        checks["truncated"] = True
    return checks
