"""Facts a rewrite must keep: numbers, amounts, percentages, dates, proper names and negations (en and fr).

Each fact is compared by meaning, not spelling: "$4.2 million", "$4,200,000" and "4.2 million dollars" are one
amount; "5 mars 2024", "March 5, 2024" and "2024-03-05" one date; "1,500" may be 1500 (English) or 1.5
(French), so numbers carry every plausible value and match when any agrees.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_SEP = "[ \u00a0\u202f]"  # French thousands separators: space, no-break space, narrow no-break space
_NUM = rf"(?:\d{{1,3}}(?:(?:{_SEP}|,|\.)\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_SCALES = {
    "thousand": 1e3, "thousands": 1e3, "k": 1e3, "mille": 1e3,
    "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6, "mio": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "milliard": 1e9, "milliards": 1e9, "md": 1e9,
    "mds": 1e9, "mrd": 1e9, "trillion": 1e12, "trillions": 1e12,
}
_SCALE_WORDS = r"(?:thousands?|millions?|billions?|milliards?|trillions?|mille|bn|mn|mio|mds|md|mrd)"
_SCALE_ANY = rf"(?:{_SCALE_WORDS}|[kKmMbB])"
_CURRENCY = {"$": "$", "us$": "$", "ca$": "$", "c$": "$", "a$": "$", "usd": "$", "cad": "$", "aud": "$",
             "dollar": "$", "dollars": "$", "€": "€", "eur": "€", "euro": "€", "euros": "€", "£": "£",
             "gbp": "£", "pound": "£", "pounds": "£", "livre": "£", "livres": "£", "¥": "¥", "jpy": "¥",
             "chf": "chf", "franc": "chf", "francs": "chf"}
_SYM = r"(?:US\$|CA\$|C\$|A\$|\$|€|£|¥)"
_CODE = r"(?:USD|CAD|EUR|GBP|JPY|CHF|AUD)"
_WORD = r"(?:dollars?|euros?|pounds?|livres?(?: sterling)?|francs?)"
_AMOUNT = re.compile(
    rf"(?P<a>(?P<sym>{_SYM}|{_CODE}\s?){_SEP}?(?P<n1>{_NUM})(?:{_SEP}?(?P<s1>{_SCALE_ANY})(?![\w]))?)"
    rf"|(?P<b>(?<![\w.,])(?P<n2>{_NUM})(?:{_SEP}?(?P<s2>{_SCALE_ANY}))?{_SEP}?"
    rf"(?:d['’]|de{_SEP})?(?P<cur>{_SYM}|{_CODE}\b|{_WORD}\b))",
    re.IGNORECASE)
_PERCENT = re.compile(rf"(?<![\w.,])(?P<n>{_NUM}){_SEP}?(?:%|percent\b|per cent\b|pour{_SEP}?cent\b)",
                      re.IGNORECASE)
_SCALED = re.compile(rf"(?<![\w.,])(?P<n>{_NUM}){_SEP}?(?P<s>{_SCALE_WORDS})\b", re.IGNORECASE)
_PLAIN = re.compile(rf"(?<![\w.,])(?P<n>{_NUM})(?![\w])")
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)]\s", re.MULTILINE)
_SEP_RE = re.compile(_SEP)
# the first digit of each run; a lone \d first lets the regex engine skip to digits instead of trying every position
_RUN_START = re.compile(r"\d(?<!\d\d)")
_WORD_OR_HYPHEN = re.compile(r"[a-zà-ÿ-]+")
_AMOUNT_LEAD = 5  # most characters an amount has before its number: "USD" + space + separator
# the characters an amount that begins before its number can begin with: a symbol, or a code's first letter
# (in either case: the pattern ignores case, and none of these letters has another case-blind match)
_AMOUNT_FIRST = frozenset("$€£¥UuCcAaEeGgJj")

_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]
_FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
_MONTH_OF: dict[str, int] = {}
for _i, (_en, _fr) in enumerate(zip(_EN_MONTHS, _FR_MONTHS, strict=True), start=1):
    for _name in (_en, _en[:3], _fr, _fr[:4], _fr[:3]):
        _MONTH_OF.setdefault(_name.lower(), _i)
_MONTH_OF.update({"sept": 9, "fevrier": 2, "aout": 8, "decembre": 12, "févr": 2, "déc": 12, "juil": 7})
_EN_MONTH_RE = "|".join(sorted({m for e in _EN_MONTHS for m in (e, e[:3], "Sept")}, key=len, reverse=True))
_FR_MONTH_RE = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
                "décembre|decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec")
# English months are capitalised ("may" is a verb); French ones are not.
_MONTH = rf"(?P<mon>(?:{_EN_MONTH_RE})\.?|(?i:{_FR_MONTH_RE})\.?)"
_MONTH_WORD = re.compile(rf"(?:{_EN_MONTH_RE})|(?i:{_FR_MONTH_RE})")
_DATES = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("numeric", re.compile(r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4}|\d{2})(?![\d/.])")),
    ("mdy", re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?")),
    ("dmy", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|re)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}})\b)?")),
    ("my", re.compile(rf"\b{_MONTH}\s+(?P<y>\d{{4}})\b")),
]
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({w: i for i, w in enumerate(
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept "
    "dix-huit dix-neuf vingt".split())})
_NUMBER_WORDS.update({"une": 1, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "trente": 30,
                      "quarante": 40, "cinquante": 50, "cent": 100, "dozen": 12, "douzaine": 12})


@dataclass(frozen=True)
class Fact:
    kind: str  # number | amount | percentage | date | name | negation
    value: str  # as written
    keys: frozenset  # the meanings it may have; two facts match when their keys intersect
    start: int = 0  # where it is in its text, to report facts in reading order

    def to_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value}


@lru_cache(maxsize=4096)  # documents repeat their figures; the result is immutable
def number_values(raw: str) -> frozenset[float]:
    """Every plausible value of a written number: '1,500' -> {1500, 1.5}; '4 200,5' -> {4200.5}.

    A run of digits and separators that is no number at all ('4.200.000,501.500') has no value: it is
    still compared as written, never a reason to fail the whole check.
    """
    try:
        return _number_values(raw)
    except ValueError:
        return frozenset()


def _number_values(raw: str) -> frozenset[float]:
    s = raw.strip()
    if _SEP_RE.search(s):
        s = _SEP_RE.sub("", s)
        return frozenset({float(s.replace(",", "."))}) if s.count(",") + s.count(".") <= 1 else frozenset()
    commas, dots = s.count(","), s.count(".")
    if commas and dots:  # the later one is the decimal mark
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        other = "." if dec == "," else ","
        return frozenset({float(s.replace(other, "").replace(dec, "."))})
    sep = "," if commas else "." if dots else None
    if sep is None:
        return frozenset({float(s)})
    groups = s.split(sep)
    if len(groups) > 2:  # 4,200,000 / 4.200.000: thousands
        return frozenset({float("".join(groups))})
    values = {float(f"{groups[0]}.{groups[1]}")}
    if len(groups[1]) == 3:  # 1,500 is 1500 in English, 1.5 in French
        values.add(float("".join(groups)))
    return frozenset(values)


def _scaled(values: frozenset[float], scale: str | None) -> frozenset[float]:
    if not scale:
        return values
    factor = _SCALES.get(scale.lower())
    if factor is None:
        return values
    return frozenset(round(v * factor, 6) for v in values)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with every span blanked out (spans may overlap)."""
    if not spans:
        return text
    parts, done = [], 0
    for start, end in sorted(spans):
        if end <= done:
            continue
        start = max(start, done)
        parts += (text[done:start], " " * (end - start))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def matches_at(pattern: re.Pattern, text: str, candidates: Iterable[int]) -> Iterator[re.Match]:
    """What pattern.finditer(text) yields, trying the pattern only at `candidates`: ascending positions that
    include every position where a match can start. Every figure pattern needs a digit, and digits are rare
    in prose, so this skips most of the text (the regex engine would otherwise try every position)."""
    end = 0
    for start in candidates:
        if start >= end:
            m = pattern.match(text, start)
            if m:
                end = m.end()
                yield m


def _digit_runs(text: str) -> list[int]:
    """Where each run of digits starts: a match of _NUM (not preceded by a digit) can only start there."""
    return [m.start() for m in _RUN_START.finditer(text)]


def _runs_after_mask(masked: str, runs: list[int], spans: list[tuple[int, int]]) -> list[int]:
    """_digit_runs(masked), where masked = _mask(text, spans) and runs = _digit_runs(text): a run start that
    is not blanked out, or the first character after a blanked span when it is a digit (a run the span cut)."""
    starts = {run for run in runs if masked[run] != " "}
    starts.update(end for _, end in spans if end < len(masked) and masked[end].isdecimal())
    return sorted(starts)


def _amount_starts(text: str, runs: list[int]) -> Iterator[int]:
    """Where an amount can start, ascending, once each: a digit run, or up to _AMOUNT_LEAD characters before
    it where a currency symbol or code can begin."""
    tried = -1
    for run in runs:
        for i in range(max(tried + 1, run - _AMOUNT_LEAD), run):
            if text[i] in _AMOUNT_FIRST:
                yield i
        yield run
        tried = run


def _month_starts(text: str, runs: list[int]) -> Iterator[int]:
    """Where a month name may start for "March 5" / "March 2024": the word (with an optional dot) that sits
    right before the whitespace before a digit run. The month is a whole word (a boundary before it, a dot
    or whitespace after it), so this is the only start a match ending in that digit run can have."""
    for run in runs:
        i = run
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if i == run:
            continue
        if i > 0 and text[i - 1] == ".":
            i -= 1
        word_end = i
        while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):  # \w, as the regex engine reads it
            i -= 1
        if i < word_end and _is_month(text[i:word_end]):  # the month must be that whole word
            yield i


@lru_cache(maxsize=4096)
def _is_month(word: str) -> bool:
    return _MONTH_WORD.fullmatch(word) is not None


# What must follow a digit run for each numeric date pattern to match there (a cheap test before the regex):
# "2024-", "5/" or "05.", "5 " or "5th".
_SUFFIX_FIRST = frozenset("snrte")
_RUN_FITS = {
    "iso": lambda text, r: text[r + 4:r + 5] == "-",
    "numeric": lambda text, r: text[r + 1:r + 2] in ("/", ".") or text[r + 2:r + 3] in ("/", "."),
    "dmy": lambda text, r: any(text[j:j + 1].isspace() or text[j:j + 1] in _SUFFIX_FIRST for j in (r + 1, r + 2)),
}


def _date_candidates(kind: str, text: str, runs: list[int], months: list[int]) -> Iterable[int]:
    if kind in ("mdy", "my"):
        return months
    fits = _RUN_FITS[kind]
    return [r for r in runs if fits(text, r)]


def _dates(text: str, runs: list[int]) -> tuple[list[Fact], list[tuple[int, int]]]:
    facts, spans = [], []
    taken_starts: list[int] = []  # the spans taken so far, disjoint, kept sorted (so their ends are too)
    taken_ends: list[int] = []
    months = list(_month_starts(text, runs))
    for kind, pattern in _DATES:
        for m in matches_at(pattern, text, _date_candidates(kind, text, runs, months)):
            start, end = m.span()
            i = bisect_right(taken_ends, start)  # the first taken span ending after this one starts
            if i < len(taken_starts) and taken_starts[i] < end:
                continue
            g = m.groupdict()
            keys = set()
            if kind == "numeric":
                a, b, y = int(g["a"]), int(g["b"]), _year(g["y"])
                for day, month in ((a, b), (b, a)):
                    if 1 <= month <= 12 and 1 <= day <= 31:
                        keys.add((y, month, day))
            else:
                month = int(g["m"]) if kind == "iso" else _MONTH_OF.get(g["mon"].rstrip(".").lower())
                day = int(g["d"]) if g.get("d") else None
                if month and (day is None or 1 <= day <= 31):
                    keys.add((_year(g.get("y")), month, day))
            if keys:
                facts.append(Fact("date", m.group(0), frozenset(keys), start))
                spans.append((start, end))
                taken_starts.insert(i, start)
                taken_ends.insert(i, end)
    return facts, spans


def numeric_facts(text: str) -> list[Fact]:
    """Amounts, percentages, dates and other numbers in `text`, each number counted once."""
    return numeric_facts_and_runs(text)[0]


def numeric_facts_and_runs(text: str) -> tuple[list[Fact], list[int]]:
    """numeric_facts(text), and where its digit runs start (for FactIndex, so the text is read once)."""
    runs = _digit_runs(text)
    facts, spans = _dates(text, runs)
    for m in matches_at(_AMOUNT, text, _amount_starts(text, runs)):
        if m.group("a"):
            currency, number, scale = m.group("sym"), m.group("n1"), m.group("s1")
        else:
            currency, number, scale = m.group("cur"), m.group("n2"), m.group("s2")
        cur = _CURRENCY.get(currency.strip().lower().replace(" sterling", ""), currency.strip())
        values = _scaled(number_values(number), scale)
        facts.append(Fact("amount", m.group(0).strip(), frozenset((cur, v) for v in values), m.start()))
        spans.append(m.span())
    masked = _mask(text, spans)
    for m in matches_at(_PERCENT, masked, _runs_after_mask(masked, runs, spans)):
        facts.append(Fact("percentage", m.group(0), number_values(m.group("n")), m.start()))
        spans.append(m.span())
    masked = _mask(text, spans)
    for m in matches_at(_SCALED, masked, _runs_after_mask(masked, runs, spans)):
        facts.append(Fact("number", m.group(0), _scaled(number_values(m.group("n")), m.group("s")), m.start()))
        spans.append(m.span())
    spans += [m.span() for m in _LIST_MARKER.finditer(text)]
    masked = _mask(text, spans)
    for m in matches_at(_PLAIN, masked, _runs_after_mask(masked, runs, spans)):
        facts.append(Fact("number", m.group(0), number_values(m.group("n")), m.start()))
    return sorted(facts, key=lambda f: f.start), runs


def _all_number_values(text: str, runs: list[int]) -> set[float]:
    values: set[float] = set()
    for m in matches_at(_PLAIN, text, runs):
        values |= number_values(m.group("n"))
    for m in matches_at(_SCALED, text, runs):
        values |= _scaled(number_values(m.group("n")), m.group("s"))
    for word in _NUMBER_WORDS.keys() & set(_WORD_OR_HYPHEN.findall(text.lower())):
        values.add(float(_NUMBER_WORDS[word]))
    return values


class FactIndex:
    """The figures of one text, in sets, so that asking whether another text's fact is there is a few lookups
    (a summary's figures against a whole document) instead of a pass over this text's facts."""

    def __init__(self, text: str, facts: list[Fact] | None = None, runs: list[int] | None = None):
        """facts, runs: what numeric_facts_and_runs(text) gives, when the caller has it already."""
        if facts is None:
            facts, runs = numeric_facts_and_runs(text)
        self.text = text
        self.numbers = _all_number_values(text, _digit_runs(text) if runs is None else runs)
        self.amounts: set = set()  # (currency, value)
        self.percentages: set = set()
        self.dates: set = set()  # (year, month, day) with every part a source may leave out also as None
        self.date_parts: set = set()  # the years and days of the dates: "2024" may live on inside one
        for f in facts:
            if f.kind == "amount":
                self.amounts |= f.keys
            elif f.kind == "percentage":
                self.percentages |= f.keys
            elif f.kind == "date":
                for y, m, d in f.keys:
                    self.dates.update(((y, m, d), (None, m, d), (y, m, None), (None, m, None)))
                    self.date_parts.update((y, d))

    def has(self, fact: Fact) -> bool:
        """Whether `fact` (from another text) is in this one, in any of the ways it may be written."""
        if not fact.keys:  # digits with no reading as a number: only the same writing keeps it
            return fact.value in self.text
        if fact.kind == "date":  # a missing part in the fact is a wildcard
            return any(key in self.dates for key in fact.keys)
        if fact.kind == "amount":
            values = {v for _, v in fact.keys}
            currencies = {c for c, _ in fact.keys}
            if any((c, v) in self.amounts for c in currencies for v in values):
                return True
            return bool(values & self.numbers)  # "4.2 million" without the currency still keeps the figure
        if fact.kind == "percentage":
            return bool(fact.keys & self.percentages) or bool(fact.keys & self.numbers)
        # plain number: it may have become part of a date, an amount or a word ("three")
        return bool(fact.keys & self.numbers) or any(v in self.date_parts for v in fact.keys)


_GROUP_SPACES = " \u00a0\u202f"  # the thousands separators _SEP allows


def _whole_at(text: str, start: int, end: int, value: str) -> bool:
    """Whether text[start:end] (== value) stands alone: no letter, digit or decimal mark continues it, nor,
    where it begins or ends with a digit, a thousands group ("1,500" is not in "21,500" or "1,500,000", nor
    "1 500" in "1 500 000"; "5 November" is in "5 November 2024")."""
    before = text[start - 1] if start else ""
    if before and (before.isalnum() or before in "_.,"):
        return False
    if value[0].isdigit() and before in _GROUP_SPACES and start >= 2 and text[start - 2].isdigit():
        return False
    after = text[end] if end < len(text) else ""
    if after and (after.isalnum() or after == "_"):
        return False
    if value[-1].isdigit() and after and after in ".," + _GROUP_SPACES and text[end + 1:end + 2].isdigit():
        return False
    return True


def written_in(value: str, text: str) -> bool:
    """Whether `value` (a fact as written) appears in `text` as a whole, in the very same writing.

    Then `text` holds that fact, and a FactIndex of it would say so: a cheap first look that spares indexing a
    whole document when a summary's figures are copied from it, as they mostly are."""
    if not value:
        return False
    start = text.find(value)
    while start >= 0:
        if _whole_at(text, start, start + len(value), value):
            return True
        start = text.find(value, start + 1)
    return False


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen, kept = set(), []
    for f in facts:
        key = (f.kind, f.keys or f.value.lower())
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def missing_from(facts: list[Fact], index) -> list[Fact]:
    """The facts (of one text, once each, in order) that the indexed text does not have.
    index: anything with has(fact), a FactIndex or a SourceProfile."""
    return [f for f in _dedupe(facts) if not index.has(f)]


def missing_numeric(source: str, output: str) -> list[Fact]:
    return missing_from(numeric_facts(source), FactIndex(output))
