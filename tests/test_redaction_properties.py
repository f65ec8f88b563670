"""Property tests of redaction (server/governance/redaction.py, detectors.py), with hypothesis.

Texts mix generated valid identifiers (US SSN, a card with its Luhn digit, an IBAN with its mod-97 digits, a
French NIR with its key, a UK NINO, an email, a French phone) with arbitrary text, and must come back exactly
from restore(redact(x)), whole or streamed in any pieces, with no value of a redacted type left in what is
sent. Each value is set apart by "; " (a number in the text right before a card would make one longer run of
digits, which is not a card), and written one way within a text (a value written two ways is restored as first
written: one placeholder per value, by design). The arbitrary text has no "[": a literal "[SSN_1]" in the
input would be read back as that placeholder, a limit of the placeholder scheme. Bounded for CI: derandomized, no example database.
"""
from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from stdnum.us import ssn as stdnum_ssn

from server.governance.detectors import PERSONAL_DATA, find_personal_data
from server.governance.redaction import Redactor, value_key

BOUNDED = settings(max_examples=150, derandomize=True, database=None, deadline=None)
DIGITS = "0123456789"


def digits(n: int):
    return st.text(DIGITS, min_size=n, max_size=n)


@st.composite
def ssn(draw) -> str:
    area, group, serial = draw(st.integers(1, 899)), draw(st.integers(1, 99)), draw(st.integers(1, 9999))
    number = f"{area:03d}{group:02d}{serial:04d}"
    if not stdnum_ssn.is_valid(number):  # 666, and the voided numbers
        number = "123456789"
    separator = draw(st.sampled_from("- "))
    return separator.join((number[:3], number[3:5], number[5:]))


@st.composite
def card(draw) -> str:
    body = "4" + draw(digits(14))  # Visa, 16 digits
    number = body + luhn.calc_check_digit(body)
    return " ".join(number[i:i + 4] for i in range(0, 16, 4)) if draw(st.booleans()) else number


@st.composite
def iban(draw) -> str:
    bban = draw(digits(18))  # Germany: bank code and account, all digits
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, then "00"
    number = f"DE{check:02d}{bban}"
    assert stdnum_iban.is_valid(number)
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4)) if draw(st.booleans()) else number


@st.composite
def nir(draw) -> str:
    body = (draw(st.sampled_from("12")) + draw(digits(2)) + f"{draw(st.integers(1, 12)):02d}"
            + f"{draw(st.integers(1, 95)):02d}" + draw(digits(3)) + f"{draw(st.integers(1, 999)):03d}")
    number = body + f"{97 - int(body) % 97:02d}"
    return number if stdnum_nir.is_valid(number) else "295109912611193"


@st.composite
def nino(draw) -> str:
    prefix = draw(st.sampled_from("ABCEGHJKLMNOPRSTWXYZ")) + draw(st.sampled_from("ABCEGHJKLMNPRSTWXYZ"))
    if prefix in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
        prefix = "AB"
    return prefix + draw(digits(6)) + draw(st.sampled_from("ABCD"))


LOCAL = st.from_regex(r"\A[a-z0-9]{1,8}(\.[a-z0-9]{1,8})?\Z")
LABEL = st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z")
EMAIL = st.builds(lambda local, domain, tld: f"{local}@{domain}.{tld}", LOCAL, LABEL, st.sampled_from(["fr", "gov", "org"]))
PHONE = st.builds(lambda rest, international: ("+33 6 " if international else "06 ")
                  + " ".join(rest[i:i + 2] for i in range(0, 8, 2)), digits(8), st.booleans()).filter(
    lambda number: phonenumbers.is_valid_number(phonenumbers.parse(number, "FR")))  # an allocated range
VALUES = {"ssn": ssn(), "card": card(), "iban": iban(), "nir": nir(), "nino": nino(), "email": EMAIL, "phone": PHONE}
FILLER = st.text(st.characters(exclude_characters="[", exclude_categories=("Cs",)), max_size=20)


@st.composite
def texts(draw) -> tuple[str, list[tuple[str, str]]]:
    """(a text, the (type, value) pairs written in it)."""
    parts, values, forms = [draw(FILLER)], [], {}
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(PERSONAL_DATA))
        # one way of writing each value: a value written two ways is restored as first written, by design
        # (one placeholder per value, so the model can refer to it consistently)
        drawn = draw(VALUES[kind])
        value = forms.setdefault((kind, value_key(kind, drawn)), drawn)
        values.append((kind, value))
        parts += ["; ", value, " ;", draw(FILLER)]
    return "".join(parts), values


def restored_as_a_stream(redactor: Redactor, text: str, cuts: list[int]) -> str:
    restorer = redactor.restorer()
    bounds = sorted(set(cuts))
    pieces = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]
    return "".join(restorer.feed(piece) for piece in pieces) + restorer.flush()


@BOUNDED
@given(texts(), st.lists(st.integers(0, 400), max_size=10))
def test_restore_of_redact_is_the_text_whole_or_streamed(text_values, cuts):
    text, values = text_values
    redactor = Redactor(PERSONAL_DATA)
    redacted = redactor.redact(text)
    assert redactor.restore(redacted) == text
    assert restored_as_a_stream(redactor, redacted, [c for c in cuts if c <= len(redacted)]) == text


@BOUNDED
@given(texts())
def test_no_value_of_a_redacted_type_is_left(text_values):
    text, values = text_values
    redacted = Redactor(PERSONAL_DATA).redact(text)
    for _kind, value in values:
        assert value not in redacted
    assert find_personal_data(redacted) == []


@BOUNDED
@given(texts(), st.sampled_from(PERSONAL_DATA))
def test_only_the_types_asked_for_are_redacted(text_values, kind):
    text, values = text_values
    redactor = Redactor((kind,))
    redacted = redactor.redact(text)
    assert redactor.restore(redacted) == text
    assert all(value not in redacted for value_kind, value in values if value_kind == kind)
