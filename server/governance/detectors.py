"""Detectors: personal data validated by its own rules (checksums, allocation ranges), and banner markings.

Each personal-data detector finds candidates with a pattern, then keeps only those that pass the identifier's
own validation: a US SSN outside the never-issued ranges, a payment card number with a known issuer prefix
and a valid Luhn digit, an IBAN of the right length for its country with a valid mod-97 check, a French NIR
with its key, a UK National Insurance number with an allocated prefix, a phone number that libphonenumber
says is a real number for one of the configured regions, an email address whose domain is well formed.
A random run of digits is not personal data, and is not reported.

Where candidates overlap, the first detector in PERSONAL_DATA wins (a card number is not also a phone).
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from stdnum.us import ssn as stdnum_ssn

from server.documents.labels import BANNER_LINES, banner_markings, classification


@dataclass(frozen=True)
class Match:
    type: str
    start: int
    end: int
    value: str


# -- US Social Security numbers: 123-45-6789 or 123 45 6789 (nine bare digits are too often something else) --
_SSN = re.compile(r"(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")


def _ssns(text: str) -> Iterable[Match]:
    for m in _SSN.finditer(text):
        if stdnum_ssn.is_valid(m.group(1) + m.group(3) + m.group(4)):  # area 000/666/9xx, group 00, serial 0000
            yield Match("ssn", m.start(), m.end(), m.group(0))


# -- payment cards: 13 to 19 digits, optionally grouped by spaces or dashes --
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# issuer prefixes (IIN ranges) and the lengths each scheme issues: a Luhn-valid number outside them is not a card
_CARD_SCHEMES = (
    (re.compile(r"4"), {13, 16, 19}),                                       # Visa
    (re.compile(r"5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), {16}),  # Mastercard
    (re.compile(r"3[47]"), {15}),                                           # American Express
    (re.compile(r"6011|64[4-9]|65"), {16, 19}),                             # Discover
    (re.compile(r"35(?:2[89]|[3-8]\d)"), {16, 17, 18, 19}),                 # JCB
    (re.compile(r"3(?:0[0-5]|[689])"), {14, 16, 19}),                       # Diners Club
    (re.compile(r"62"), {16, 17, 18, 19}),                                  # UnionPay
    (re.compile(r"5[06-8]|6\d"), {12, 13, 14, 15, 16, 17, 18, 19}),         # Maestro
)


def _is_card(digits: str) -> bool:
    if not any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _CARD_SCHEMES):
        return False
    return luhn.is_valid(digits)


def _cards(text: str) -> Iterable[Match]:
    for m in _CARD.finditer(text):
        raw = m.group(0)
        if (" " in raw or "-" in raw) and len(set(re.findall(r"[ -]", raw))) > 1:
            continue  # mixed separators: a list of numbers, not one card
        if _is_card(re.sub(r"[ -]", "", raw)):
            yield Match("card", m.start(), m.end(), raw)


# -- IBAN: country code, check digits, then the account, possibly in groups of four --
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])")


def _ibans(text: str) -> Iterable[Match]:
    for m in _IBAN.finditer(text):
        candidate = m.group(0)
        # the greedy pattern can swallow a following word of up to four letters: shorten until it validates
        while candidate:
            if stdnum_iban.is_valid(candidate):
                yield Match("iban", m.start(), m.start() + len(candidate), candidate)
                break
            cut = candidate.rfind(" ")
            if cut <= 4:
                break
            candidate = candidate[:cut]


# -- French NIR (numéro de sécurité sociale): sex, year, month, department (2A/2B for Corsica), commune,
# order, then a two-digit key --
_NIR = re.compile(r"(?<![\w-])([12378]) ?(\d{2}) ?(\d{2}) ?(\d{2}|2[AB]) ?(\d{3}) ?(\d{3}) ?(\d{2})(?![\w-])",
                  re.IGNORECASE)


def _nirs(text: str) -> Iterable[Match]:
    for m in _NIR.finditer(text):
        if stdnum_nir.is_valid("".join(m.groups())):
            yield Match("nir", m.start(), m.end(), m.group(0))


# -- UK National Insurance numbers (HMRC's allocation rules): AB123456C, AB 12 34 56 C --
_NINO = re.compile(r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])"
                   r"(?![A-Za-z0-9])")
_NINO_UNALLOCATED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _ninos(text: str) -> Iterable[Match]:
    for m in _NINO.finditer(text):
        if m.group(1) not in _NINO_UNALLOCATED:
            yield Match("nino", m.start(), m.end(), m.group(0))


# -- phone numbers: a candidate that looks dialled, then libphonenumber's validation for a region --
_PHONE = re.compile(r"(?<![\w.+/-])(?:\+|00)?\(?\d[\d ().-]{6,18}\d(?![\w/-]|[.,]\d)")
_PHONE_DIGITS = re.compile(r"\d")


def _phones(text: str, regions: tuple[str, ...]) -> Iterable[Match]:
    for m in _PHONE.finditer(text):
        raw = m.group(0)
        digits = len(_PHONE_DIGITS.findall(raw))
        if digits < 8 or digits > 15:
            continue
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", raw):
            continue  # a date
        for region in ((None,) if raw.startswith(("+", "00")) else regions):
            number = raw if region is not None or raw.startswith("+") else "+" + raw[2:]
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(parsed):
                continue
            if region is not None:  # written nationally: as the region writes it, every digit there ("06...")
                national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
                if len(_PHONE_DIGITS.findall(national)) != digits:
                    continue
            yield Match("phone", m.start(), m.end(), raw)
            break


# -- email addresses --
_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
                    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})(?![\w-])")


def _emails(text: str) -> Iterable[Match]:
    for m in _EMAIL.finditer(text):
        if len(m.group(1)) <= 64 and len(m.group(2)) <= 253:
            yield Match("email", m.start(), m.end(), m.group(0))


PERSONAL_DATA = ("ssn", "card", "iban", "nir", "nino", "phone", "email")
DEFAULT_PHONE_REGIONS = ("US", "FR", "GB", "CA")
_FINDERS = {"ssn": _ssns, "card": _cards, "iban": _ibans, "nir": _nirs, "nino": _ninos, "email": _emails}
# A cheap look before the patterns: no digit means no number-based identifier, no "@" no email
_DIGIT = re.compile(r"\d")


# Where a value can be: a run of at least six digits and separators (every number-based identifier has one),
# or an "@". One cheap pass finds these; the detectors then read only the windows around them, widened to
# whole words (an IBAN's country code and bank letters come before its first long run of digits). On a
# 300-page report this is the difference between a few and a few hundred milliseconds.
_DIGIT_RUN = re.compile(r"\d[\d .()/-]{4,}\d")
_WINDOW_BEFORE, _WINDOW_AFTER, _WORD_REACH = 16, 4, 64


def _windows(text: str, types: list[str]) -> list[tuple[int, int]]:
    spans = []
    if any(t != "email" for t in types):
        spans += [(m.start() - _WINDOW_BEFORE, m.end() + _WINDOW_AFTER) for m in _DIGIT_RUN.finditer(text)]
    if "email" in types:
        at = text.find("@")
        while at != -1:
            spans.append((at - _WORD_REACH, at + 255))
            at = text.find("@", at + 1)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = _to_space(text, max(start, 0), -1), _to_space(text, min(end, len(text)), 1)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _to_space(text: str, at: int, step: int) -> int:
    """`at` moved outwards to the nearest whitespace (or the text's edge), at most _WORD_REACH characters."""
    for _ in range(_WORD_REACH):
        if at <= 0 or at >= len(text) or text[at - 1 if step < 0 else at].isspace():
            return at
        at += step
    return at


def find_personal_data(text: str, types: Iterable[str] = PERSONAL_DATA, *,
                       phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS) -> list[Match]:
    """Every validated personal-data value of the wanted `types` in `text`, in reading order, no overlaps."""
    wanted = [t for t in PERSONAL_DATA if t in set(types)]
    if len(text) < 2048:
        return _find_in(text, wanted, phone_regions)
    found = []
    for start, end in _windows(text, wanted):
        found += [Match(m.type, m.start + start, m.end + start, m.value)
                  for m in _find_in(text[start:end], wanted, phone_regions)]
    return found


def _find_in(text: str, wanted: list[str], phone_regions: tuple[str, ...]) -> list[Match]:
    has_digit = _DIGIT.search(text) is not None
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for kind in wanted:
        if kind == "email":
            if "@" not in text:
                continue
            candidates = _emails(text)
        elif not has_digit:
            continue
        elif kind == "phone":
            candidates = _phones(text, phone_regions)
        else:
            candidates = _FINDERS[kind](text)
        for match in candidates:
            if not any(match.start < end and start < match.end for start, end in taken):
                found.append(match)
                taken.append((match.start, match.end))
    found.sort(key=lambda m: m.start)
    return found


# -- markings: banner lines at the start and end of a text --
CLASSIFICATION_TYPES = {"TOP SECRET": "top_secret", "SECRET": "secret", "CONFIDENTIAL": "confidential",
                        "RESTRICTED": "restricted", "OFFICIAL-SENSITIVE": "official_sensitive", "CUI": "cui"}
MARKING_TYPES = tuple(CLASSIFICATION_TYPES.values())


def marking_type(markings: list[str]) -> str | None:
    """The finding type of the highest classification among banner `markings`, or None."""
    name, _rank = classification(markings)
    return CLASSIFICATION_TYPES.get(name) if name else None


def find_markings(text: str) -> list[str]:
    """Banner markings in the first and last lines of `text` ("SECRET//NOFORN", "CUI", ...), as written."""
    return banner_markings(_edge_lines(text))


def _edge_lines(text: str) -> list[str]:
    """The first and the last BANNER_LINES non-blank lines (no line twice), without splitting the whole text."""
    head, at = [], 0
    while len(head) < BANNER_LINES and at < len(text):
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        if text[at:end].strip():
            head.append(text[at:end])
        at = end + 1
    tail, end = [], len(text)
    while len(tail) < BANNER_LINES and end > at:
        start = text.rfind("\n", at, end) + 1
        start = max(start, at)
        if text[start:end].strip():
            tail.append(text[start:end])
        end = start - 1
    return head + tail[::-1]


def check_phone_regions(regions: Iterable[str]) -> tuple[str, ...]:
    """Region codes libphonenumber knows (US, FR, GB...), upper-cased; ValueError naming an unknown one."""
    known = phonenumbers.SUPPORTED_REGIONS
    result = []
    for region in regions:
        code = str(region).strip().upper()
        if code not in known:
            raise ValueError(f"{region!r} is not a region libphonenumber knows (use ISO codes such as US, FR, GB)")
        result.append(code)
    return tuple(result)


