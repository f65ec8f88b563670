"""Grade level of a text (US school grade), English and French, plus cheap language detection.

English: Flesch-Kincaid grade level (Kincaid, Fishburne, Rogers, Chissom & Chissom 1975, "Derivation of new
readability formulas ... for Navy enlisted personnel"): 0.39 * words/sentence + 11.8 * syllables/word - 15.59.

French: Kandel & Moles reading ease (L. Kandel et A. Moles, 1958, "Application de l'indice de Flesch à la
langue française", Cahiers d'études de radio-télévision 19: 253-274):
207 - 1.015 * words/sentence - 73.6 * syllables/word; converted to a grade with Flesch's own table of reading
ease to school grade (R. Flesch, 1948, "A new readability yardstick", J. Applied Psychology 32(3): 221-233:
90-100 grade 5, 80-90 grade 6, 70-80 grade 7, 60-70 grades 8-9, 50-60 grades 10-12, 30-50 college, 0-30
college graduate), interpolated linearly between the band edges so both languages report the same unit.

Syllables come from pyphen's hyphenation dictionaries (offline), with hyphenation allowed one letter from a
word's ends so short syllables count. Long texts are sampled (evenly spaced sentences, found without splitting
the whole text) to stay fast: a 300-page document costs milliseconds.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pyphen

FORMULAS = {"en": "flesch-kincaid", "fr": "kandel-moles"}
_SENTENCE_END = re.compile(r"[.!?…]+(?:[\"”»)\]]*)(?=\s|$)|\n\s*\n|\n(?=\s*[-*•]\s)")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_DETECT_CHARS = 20_000  # detection reads the start of a text only
_MAX_SENTENCES = 400  # sample size for long texts: grade levels are averages, a sample is enough
MAX_SENTENCE_CHARS = 2_000  # how far a sample looks for a sentence's end
SAMPLED_CHARS = 40_000  # past this length a text is sampled, not read whole (about 400 sentences and more)
# (reading ease, grade) at Flesch's band edges, highest ease first
_EASE_TO_GRADE = [(100.0, 4.0), (90.0, 5.0), (80.0, 6.0), (70.0, 7.0), (60.0, 9.0), (50.0, 12.0),
                  (30.0, 16.0), (0.0, 18.0)]

_EN_HINTS = set("the and of to is in that for it with be are this on not you was have will from by an as or "
                "at which we our please".split())
_FR_HINTS = set("le la les de des du et est un une que qui pour dans pas sur au aux avec ce ces nous vous "
                "être sont votre notre par plus il elle".split())


def text_words(text: str) -> list[str]:
    """The words of `text`, as detect_language and grade_level read them (to share one pass between them)."""
    return _WORD.findall(text)


def _language_of(words: list[str]) -> str | None:
    # lowercased in one call: words hold no spaces, and lowercasing makes none
    lowered = " ".join(words[:2000]).lower().split(" ") if words else []
    en = sum(map(_EN_HINTS.__contains__, lowered))
    fr = sum(map(_FR_HINTS.__contains__, lowered))
    if max(en, fr) < 2:
        return None
    return "fr" if fr > en else "en"


def detect_language(text: str, words: list[str] | None = None) -> str | None:
    """'en', 'fr' or None (too little text or neither), from function-word counts in the first 2,000 words.
    words: text_words(text), when the caller has them already."""
    if words is None or len(text) > _DETECT_CHARS:
        words = text_words(text[:_DETECT_CHARS])
    return _language_of(words)


@lru_cache(maxsize=4)
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="fr" if language == "fr" else "en_US", left=1, right=1)


_SYLLABLES: dict[str, dict[str, int]] = {"en": {}, "fr": {}}  # per language: word -> syllables
_SYLLABLES_KEPT = 50_000


def _syllable_count(words: list[str], language: str) -> int:
    known = _SYLLABLES[language]
    total = 0
    for word in words:
        count = known.get(word)
        if count is None:
            if len(known) >= _SYLLABLES_KEPT:
                known.clear()
            count = known[word] = len(_hyphenator(language).positions(word.lower())) + 1
        total += count
    return total


def _sentences(text: str) -> list[str]:
    parts = [s.strip() for s in _SENTENCE_END.split(text)]
    return [s for s in parts if _WORD.search(s)]


def _sampled_sentences(text: str, count: int) -> list[str]:
    """About `count` sentences spread evenly over `text`: from each of `count` evenly spaced places, the
    first whole sentence that starts after it (found by searching ahead, so the text is never split whole).

    Every search looks at most MAX_SENTENCE_CHARS ahead: a text with no sentence ends at all (a model's
    megabyte of run-on words) would otherwise be read to its end once per sample. A sentence longer than
    that is taken as its first MAX_SENTENCE_CHARS characters."""
    sample, step, last_start = [], len(text) / count, -1
    for i in range(count):
        place = int(i * step)
        begin = _SENTENCE_END.search(text, place, place + MAX_SENTENCE_CHARS) if i else None
        start = begin.end() if begin else place
        if start <= last_start:
            continue  # a sentence longer than the step: already taken
        end = _SENTENCE_END.search(text, start, start + MAX_SENTENCE_CHARS)
        sentence = text[start:end.start() if end else start + MAX_SENTENCE_CHARS].strip()
        last_start = start
        if _WORD.search(sentence):
            sample.append(sentence)
    return sample


def ease_to_grade(ease: float) -> float:
    if ease >= _EASE_TO_GRADE[0][0]:
        return _EASE_TO_GRADE[0][1]
    for (hi_ease, hi_grade), (lo_ease, lo_grade) in zip(_EASE_TO_GRADE, _EASE_TO_GRADE[1:], strict=False):
        if ease >= lo_ease:
            return hi_grade + (hi_ease - ease) / (hi_ease - lo_ease) * (lo_grade - hi_grade)
    return _EASE_TO_GRADE[-1][1]


def grade_level(text: str, language: str, words: list[str] | None = None) -> float | None:
    """US grade level of `text` in `language` ('en' or 'fr'); None for other languages or no words.
    words: _WORD.findall(text), when the caller has them already."""
    if language not in FORMULAS:
        return None
    if len(text) > SAMPLED_CHARS:
        sentences = _sampled_sentences(text, _MAX_SENTENCES)
        words = [w for s in sentences for w in _WORD.findall(s)]
    else:  # no word spans a sentence end (those are punctuation and spaces), so these are the same words
        sentences = _sentences(text)
        words = text_words(text) if words is None else words
    if not words or not sentences:
        return None
    words_per_sentence = len(words) / len(sentences)
    syllables_per_word = _syllable_count(words, language) / len(words)
    if language == "en":
        grade = 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59
    else:
        grade = ease_to_grade(207 - 1.015 * words_per_sentence - 73.6 * syllables_per_word)
    return round(grade, 1)
