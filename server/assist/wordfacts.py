"""Word-level facts a rewrite must keep: proper names, acronyms and negations (English and French).

These only make sense when source and result are in the same language: checks.py skips them for translations.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from server.assist.facts import Fact, matches_at

_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ’'-][\w’'-]*"  # acronyms are found separately
# "and"/"et" are left out: "Jane Smith and John Doe" are two names that a rewrite may reorder
_CONNECTOR = r"(?:of|for|on|the|de|du|des|la|le|d['’]|l['’]|pour|sur)"
_NAME = re.compile(rf"\b{_CAP}(?:\s+(?:{_CONNECTOR}\s+)*{_CAP})+")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]*[A-Z][A-Z0-9]*\b")
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ]")  # the first character of _CAP, and of _ACRONYM ([A-Z])
# capitalised only because they begin a sentence or a heading: never the start of a name
_STARTERS = set("""a an the this that these those there here it its in on at for from to by with as of and but or
if when while after before our we you your they their he she his her my i all any each every some no not
please dear hi hello thanks thank yes however also le la les l un une des du de ce cette ces il elle ils
elles nous vous on en dans pour par sur avec sans et mais ou si quand lorsque après avant notre nos votre
vos leur leurs mon ma mes son sa ses tous toutes chaque aucun merci bonjour madame monsieur cher chère oui
non yesterday today tomorrow recently meanwhile currently finally first next then since until during under
following according although because unfortunately additionally furthermore moreover therefore thus today's
hier aujourd'hui demain ensuite enfin puis depuis selon""".split())


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # \w, as the regex engine reads it


def _word_start(text: str, i: int) -> int:
    while i > 0 and _is_word(text[i - 1]):
        i -= 1
    return i


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start]
    stripped = before.rstrip()
    return not text[:start].strip() or "\n" in before or (bool(stripped) and stripped[-1] in ".!?:;•\"“«(*-")


_CONNECTOR_WORDS = frozenset("of for on the de du des la le d' d’ l' l’ pour sur".split())  # _CONNECTOR's words


def _is_connector(word: str) -> bool:
    return word.lower() in _CONNECTOR_WORDS


def _strip_starter(words: list[str], at_sentence_start: bool) -> list[str]:
    first = words[0]
    while words and (words[0].lower() in _STARTERS or words[0].lower().rstrip("'’") in _STARTERS):
        words = words[1:]
    # "Separately John Smith said": a capital at sentence start proves nothing, so drop that word when what
    # follows it before any connector is itself a name of two words or more; "Jane Smith said" and "Jane Smith
    # of Global Affairs Canada" keep Jane.
    leading = 0
    while leading < len(words) and not _is_connector(words[leading]):
        leading += 1
    if at_sentence_start and words and words[0] is first and leading >= 3:
        words = words[1:]
    elif at_sentence_start and words and words[0] is first and leading == 1:
        # "Staff of the Department of Health": a name after the connectors is the name, the opener is not;
        # "Bank of Canada" (one word after them) stays whole
        rest = words[1:]
        while rest and _is_connector(rest[0]):
            rest = rest[1:]
        if sum(1 for w in rest if w[0].isupper()) >= 2:
            words = rest
    while words and _is_connector(words[-1]):
        words = words[:-1]
    return words


def _split_at_connectors(words: list[str]) -> list[list[str]]:
    """A connector joins a single word to what follows ("Bank of Canada", "Minister of Finance"); after a name
    of two words or more it starts another name ("Jane Smith of Global Affairs Canada" is Jane Smith and
    Global Affairs Canada), so a rewrite that says "Jane Smith, from Global Affairs Canada" keeps both."""
    if not any(map(_is_connector, words)):
        return [words]
    parts: list[list[str]] = [[]]
    run = 0  # capitalised words since the last connector
    index = 0
    while index < len(words):
        word = words[index]
        if _is_connector(word):
            end = index
            while end < len(words) and _is_connector(words[end]):
                end += 1
            if run >= 2:
                parts.append([])
            else:
                parts[-1].extend(words[index:end])
            index, run = end, 0
            continue
        parts[-1].append(word)
        run += 1
        index += 1
    return [part for part in parts if part]


def _capital_starts(text: str) -> list[int]:
    """Where a name or an acronym can start: a capital letter that begins a word."""
    return [m.start() for m in _CAPITAL.finditer(text) if not (m.start() and _is_word(text[m.start() - 1]))]


def names(text: str) -> list[Fact]:
    """Multi-word capitalised names and acronyms, once each."""
    found: dict[str, Fact] = {}
    tokens = text.split()
    shouting = sum(1 for w in tokens if w.isupper() and len(w) > 1) > 0.3 * max(1, len(tokens))
    starts = _capital_starts(text)
    for m in matches_at(_NAME, text, starts):
        at_start = _at_sentence_start(text, m.start())
        for words in _split_at_connectors(_strip_starter(m.group(0).split(), at_start)):
            if sum(1 for w in words if w[0].isupper()) >= 2:
                name = " ".join(words)
                found.setdefault(name.lower(), Fact("name", name, frozenset({name.lower()})))
    if not shouting:
        for m in matches_at(_ACRONYM, text, starts):
            token = m.group(0)
            if not _ROMAN.match(token):
                found.setdefault(token.lower(), Fact("name", token, frozenset({token.lower()})))
    return list(found.values())


def missing_names(source: str, output: str, *, source_names: list[Fact] | None = None) -> list[Fact]:
    """The source's names the output lacks; source_names: names(source), when already known."""
    out = " ".join(output.split()).lower()
    found = names(source) if source_names is None else source_names
    return [f for f in found if " ".join(f.value.split()).lower() not in out]


# ---- negations ----
_EN_NEG = re.compile(r"\b(?:(?P<prev>\w+)\s+)?(?P<neg>not|never|no|none|nobody|nothing|neither|nor|nowhere|"
                     r"without|cannot|\w+n['’]t)\b(?!\.\s*\d)", re.IGNORECASE)
_FR_NEG = re.compile(r"\b(?:(?:ne|n['’])\s*(?P<verb>[\w’'-]+(?:\s+[\w’'-]+){0,3}?)\s+"
                     r"(?P<part>pas|plus|jamais|rien|personne|aucun|aucune|guère|point|nullement)\b"
                     r"|(?P<alone>ne|n['’]|sans|aucun|aucune|jamais)\b)", re.IGNORECASE)


# Where a negation can start, found in the lowercased text with plain substrings (the regex engine would
# otherwise try the full pattern at every position). An English match starts at its negation word (a whole
# word, listed here longest first so a hit is the whole word) or at the word just before it. French matches
# start at "ne", "n'", "sans", "aucun" or "jamais". Case-blind matching lets "ı" stand for "i" and "ſ" for
# "s", hence those classes; "İ" lowercases to two characters, so such a text is scanned the slow way.
_EN_HINT = re.compile(r"no(?:thing|body|where|ne|t|r)?|ne(?:ver|[iı]ther)|w[iı]thout|cannot|n['’]t")
_FR_HINT = re.compile(r"n[e'’]|[sſ]an|aucun|jama")


def _en_starts(text: str, lowered: str) -> list[int]:
    starts = set()
    for m in _EN_HINT.finditer(lowered):
        i, end = m.span()
        if end < len(text) and _is_word(text[end]):  # not a whole word
            continue
        if text[i + 1] in "'’":  # "n't": the negation is the whole word that ends in this n
            i = _word_start(text, i)
        elif i and _is_word(text[i - 1]):
            continue
        starts.add(i)
        space = i  # "must not": the match may start at the word before, if only whitespace separates them
        while space > 0 and text[space - 1].isspace():
            space -= 1
        if space < i:
            starts.add(_word_start(text, space))
    return sorted(starts)


def _fr_starts(text: str, lowered: str) -> list[int]:
    return [m.start() for m in _FR_HINT.finditer(lowered) if not (m.start() and _is_word(text[m.start() - 1]))]


def _matches(pattern: re.Pattern, text: str, starts) -> Iterable[re.Match]:
    lowered = text.lower()
    if len(lowered) != len(text):
        return pattern.finditer(text)
    return matches_at(pattern, text, starts(text, lowered))


def negations(text: str, language: str) -> list[str]:
    """Each negation as a short phrase ("must not", "don't", "ne doit pas"), in order."""
    if language == "fr":
        return [" ".join(m.group(0).split()).lower() for m in _matches(_FR_NEG, text, _fr_starts)]
    phrases = []
    for m in _matches(_EN_NEG, text, _en_starts):
        neg, prev = m.group("neg").lower(), (m.group("prev") or "").lower()
        if neg == "no" and text[m.end("neg"):m.end("neg") + 1] == ".":  # "No. 5"
            continue
        phrases.append(f"{prev} {neg}".strip() if neg == "not" else neg)
    return phrases


def missing_negations(source: str, output: str, language: str, *,
                      source_negations: list[str] | None = None) -> list[Fact]:
    """Negations lost: if the result has fewer than the source, report the source's that are gone.

    source_negations: negations(source, language), when already known."""
    src = negations(source, language) if source_negations is None else source_negations
    out = negations(output, language)
    deficit = len(src) - len(out)
    if deficit <= 0:
        return []
    out_text = " ".join(output.split()).lower()
    gone = [p for p in src if p not in out_text]
    kept = [p for p in src if p in out_text]
    return [Fact("negation", p, frozenset({p})) for p in (gone + kept)[:deficit]]
