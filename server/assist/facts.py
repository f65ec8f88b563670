"""Facts a rewrite must keep: numbers, amounts, percentages, dates, proper names and negations (en and fr).

Each fact is compared by meaning, not spelling: "$4.2 million", "$4,200,000" and "4.2 million dollars" are one
amount; "5 mars 2024", "March 5, 2024" and "2024-03-05" one date; "1,500" may be 1500 (English) or 1.5
(French), so numbers carry every plausible value and match when any agrees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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


def number_values(raw: str) -> frozenset[float]:
    """Every plausible value of a written number: '1,500' -> {1500, 1.5}; '4 200,5' -> {4200.5}."""
    s = raw.strip()
    if re.search(_SEP, s):
        s = re.sub(_SEP, "", s)
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
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    year = int(raw)
    return year + 2000 if year < 100 else year


def _dates(text: str) -> tuple[list[Fact], list[tuple[int, int]]]:
    facts, spans = [], []
    for kind, pattern in _DATES:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in spans):
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
                facts.append(Fact("date", m.group(0), frozenset(keys), m.start()))
                spans.append(m.span())
    return facts, spans


def numeric_facts(text: str) -> list[Fact]:
    """Amounts, percentages, dates and other numbers in `text`, each number counted once."""
    facts, spans = _dates(text)
    for m in _AMOUNT.finditer(text):
        if m.group("a"):
            currency, number, scale = m.group("sym"), m.group("n1"), m.group("s1")
        else:
            currency, number, scale = m.group("cur"), m.group("n2"), m.group("s2")
        cur = _CURRENCY.get(currency.strip().lower().replace(" sterling", ""), currency.strip())
        values = _scaled(number_values(number), scale)
        facts.append(Fact("amount", m.group(0).strip(), frozenset((cur, v) for v in values), m.start()))
        spans.append(m.span())
    masked = _mask(text, spans)
    for m in _PERCENT.finditer(masked):
        facts.append(Fact("percentage", m.group(0), number_values(m.group("n")), m.start()))
        spans.append(m.span())
    masked = _mask(text, spans)
    for m in _SCALED.finditer(masked):
        facts.append(Fact("number", m.group(0), _scaled(number_values(m.group("n")), m.group("s")), m.start()))
        spans.append(m.span())
    masked = _mask(_mask(text, spans), [m.span() for m in _LIST_MARKER.finditer(text)])
    for m in _PLAIN.finditer(masked):
        facts.append(Fact("number", m.group(0), number_values(m.group("n")), m.start()))
    return sorted(facts, key=lambda f: f.start)


def _all_number_values(text: str) -> set[float]:
    values: set[float] = set()
    for m in _PLAIN.finditer(text):
        values |= number_values(m.group("n"))
    for m in _SCALED.finditer(text):
        values |= _scaled(number_values(m.group("n")), m.group("s"))
    for word in re.findall(r"[a-zà-ÿ-]+", text.lower()):
        if word in _NUMBER_WORDS:
            values.add(float(_NUMBER_WORDS[word]))
    return values


def _present(fact: Fact, out_facts: list[Fact], out_numbers: set[float]) -> bool:
    if fact.kind == "date":
        for other in out_facts:
            if other.kind != "date":
                continue
            for y, m, d in fact.keys:  # a missing part in the source is a wildcard
                if any((y is None or y == oy) and m == om and (d is None or d == od) for oy, om, od in other.keys):
                    return True
        return False
    if fact.kind == "amount":
        values = {v for _, v in fact.keys}
        currencies = {c for c, _ in fact.keys}
        for other in out_facts:
            if other.kind == "amount" and any(c in currencies and v in values for c, v in other.keys):
                return True
        return bool(values & out_numbers)  # "4.2 million" without the currency still keeps the figure
    if fact.kind == "percentage":
        return any(o.kind == "percentage" and o.keys & fact.keys for o in out_facts) or bool(fact.keys & out_numbers)
    # plain number: it may have become part of a date, an amount or a word ("three")
    return bool(fact.keys & out_numbers) or any(
        o.kind == "date" and any(v in (oy, od) for v in fact.keys for oy, _, od in o.keys) for o in out_facts)


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen, kept = set(), []
    for f in facts:
        key = (f.kind, f.keys or f.value.lower())
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def missing_numeric(source: str, output: str) -> list[Fact]:
    out_facts = numeric_facts(output)
    out_numbers = _all_number_values(output)
    return [f for f in _dedupe(numeric_facts(source)) if not _present(f, out_facts, out_numbers)]
