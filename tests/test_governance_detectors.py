"""Personal-data detectors: real identifiers found, lookalikes left alone; banner markings at a text's edges."""
from __future__ import annotations

import pytest

from server.governance.detectors import find_markings, find_personal_data, marking_type


def found(text: str, kinds=None) -> list[tuple[str, str]]:
    matches = find_personal_data(text) if kinds is None else find_personal_data(text, kinds)
    return [(m.type, m.value) for m in matches]


@pytest.mark.parametrize("text, kind, value", [
    ("SSN 123-45-6789 on file", "ssn", "123-45-6789"),
    ("SSN 536 90 4399.", "ssn", "536 90 4399"),
    ("card 4111 1111 1111 1111 expires", "card", "4111 1111 1111 1111"),
    ("card 4111-1111-1111-1111", "card", "4111-1111-1111-1111"),
    ("Amex 378282246310005 ok", "card", "378282246310005"),
    ("MC 5555555555554444", "card", "5555555555554444"),
    ("Mastercard 2-series 2223003122003222", "card", "2223003122003222"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189 for the refund", "iban", "FR76 3000 6000 0112 3456 7890 189"),
    ("pay GB82WEST12345698765432 today", "iban", "GB82WEST12345698765432"),
    ("IBAN DE89 3704 0044 0532 0130 00 please", "iban", "DE89 3704 0044 0532 0130 00"),
    ("NIR 2 95 10 99 126 111 93 (assurée)", "nir", "2 95 10 99 126 111 93"),
    ("NIR 295109912611193.", "nir", "295109912611193"),
    ("NINO AB 12 34 56 C please", "nino", "AB 12 34 56 C"),
    ("NINO JG103759A.", "nino", "JG103759A"),
    ("call (202) 555-0143 now", "phone", "(202) 555-0143"),
    ("call +1 202 555 0143", "phone", "+1 202 555 0143"),
    ("appelez le 06 12 34 56 78", "phone", "06 12 34 56 78"),
    ("appelez le +33 1 42 68 53 00", "phone", "+33 1 42 68 53 00"),
    ("ring 020 7946 0958", "phone", "020 7946 0958"),
    ("write to jane.doe@agency.gov today", "email", "jane.doe@agency.gov"),
    ("write to Jean-Luc.Picard+work@interieur.gouv.fr.", "email", "Jean-Luc.Picard+work@interieur.gouv.fr"),
])
def test_real_identifiers_are_found(text, kind, value):
    assert found(text) == [(kind, value)]


@pytest.mark.parametrize("text", [
    "SSN 000-12-3456",            # area 000 never issued
    "SSN 666-12-3456",            # area 666 never issued
    "SSN 912-34-5678",            # area 9xx: ITINs, not SSNs
    "SSN 123-00-4567",            # group 00
    "SSN 123-45-0000",            # serial 0000
    "SSN 078-05-1120",            # the Woolworth wallet card, voided
    "card 4111 1111 1111 1112",   # Luhn fails
    "ref 1234567812345670",       # Luhn passes, but no issuer starts with 1
    "IBAN FR76 3000 6000 0112 3456 7890 188",  # mod-97 fails
    "IBAN GB82 WEST 1234 5698 7654 3",         # too short for GB
    "NIR 2 95 10 99 126 111 94",  # key wrong
    "NINO GB 12 34 56 A",         # prefix GB never allocated
    "NINO DA 12 34 56 A",         # D is never a first letter
    "NINO AB 12 34 56 E",         # suffix E does not exist
    "the budget is $4,200,000 for 2025",
    "published on 2025-03-14 and 14/03/2025",
    "reference 12345678",
    "file no. 666123456",         # not a French number as written (no leading 0)
    "version 1.2.3.4567",
    "email me at jane@localhost",  # no top-level domain
    "ISBN 978-3-16-148410-0",
])
def test_lookalikes_are_not_personal_data(text):
    assert found(text) == []


def test_overlapping_candidates_go_to_the_stronger_detector():
    # nine digits grouped 3-2-4 is an SSN, never also a phone; a card is not read as a phone number
    assert found("SSN 123-45-6789, card 4111111111111111") == [("ssn", "123-45-6789"), ("card", "4111111111111111")]


def test_only_the_wanted_types_are_looked_for():
    text = "jane.doe@agency.gov, 123-45-6789, (202) 555-0143"
    assert found(text, ["email"]) == [("email", "jane.doe@agency.gov")]
    assert found(text, ["ssn", "phone"]) == [("ssn", "123-45-6789"), ("phone", "(202) 555-0143")]


def test_values_come_in_reading_order_with_positions():
    text = "a@b.gov then 123-45-6789"
    matches = find_personal_data(text)
    assert [text[m.start:m.end] for m in matches] == ["a@b.gov", "123-45-6789"]


def test_phone_regions_decide_how_national_numbers_are_read():
    assert found("06 12 34 56 78") == [("phone", "06 12 34 56 78")]
    assert find_personal_data("06 12 34 56 78", phone_regions=("US",)) == []
    assert [m.value for m in find_personal_data("+33 6 12 34 56 78", phone_regions=("US",))] == ["+33 6 12 34 56 78"]


@pytest.mark.parametrize("text, markings, kind", [
    ("SECRET//NOFORN\nThe plan.\nSECRET//NOFORN", ["SECRET//NOFORN"], "secret"),
    ("TOP SECRET\nbody", ["TOP SECRET"], "top_secret"),
    ("CUI//SP-PRVCY\nbody", ["CUI//SP-PRVCY"], "cui"),
    ("body\nmore\nCONTROLLED UNCLASSIFIED INFORMATION", ["CONTROLLED UNCLASSIFIED INFORMATION"], "cui"),
    ("Diffusion Restreinte\nNote au ministre", ["DIFFUSION RESTREINTE"], "restricted"),
    ("OFFICIAL-SENSITIVE\nbody", ["OFFICIAL-SENSITIVE"], "official_sensitive"),
    ("CONFIDENTIAL\nbody\nSECRET", ["CONFIDENTIAL", "SECRET"], "secret"),
    ("The secret to good writing is revision.", [], None),
    ("Please keep this confidential.\nThanks", [], None),
])
def test_banner_markings_at_the_edges(text, markings, kind):
    assert find_markings(text) == markings
    assert marking_type(markings) == kind


def test_a_marking_in_the_middle_of_a_long_text_is_not_a_banner():
    lines = [f"Paragraph {i}." for i in range(30)]
    lines[15] = "SECRET"
    assert find_markings("\n".join(lines)) == []


VALUES = ["jane.doe@agency.gov", "(202) 555-0143", "123-45-6789", "GB82 WEST 1234 5698 7654 32", "JG103759A",
          "2 95 10 99 126 111 93", "4111 1111 1111 1111", "FR76 3000 6000 0112 3456 7890 189", "+33 6 12 34 56 78"]
FILLER = ("The programme spent $4,200,000 (12.5%) between 2025-03-14 and 30 June 2025; table 3.2.1 lists "
          "1,204 sites, ref. 2024/118-B, page 12 of 480. ")


@pytest.mark.parametrize("at", [0, 1, 7, 2047, 2048, 5000, 40_000])
def test_long_texts_find_exactly_what_short_ones_do(at):
    # long texts are read through windows around digit runs and @ signs: nothing may fall between them
    text = FILLER * 400
    at = min(at, len(text))
    inserted = text[:at] + " " + " and ".join(VALUES) + " " + text[at:]
    matches = find_personal_data(inserted)
    assert [m.value for m in matches] == VALUES
    assert all(inserted[m.start:m.end] == m.value for m in matches)


@pytest.mark.parametrize("count", [1, 4, 5, 6, 9, 10, 11, 30])
def test_edge_lines_are_the_first_and_last_five_non_blank_lines(count):
    from server.governance.detectors import _edge_lines

    lines = [f"line {i}" for i in range(count)]
    text = "\n\n".join(lines) + "\n"
    expected = lines[:5] + lines[5:][-5:]
    assert _edge_lines(text) == expected
    assert _edge_lines(text.replace("\n", "\r\n")) == [line + "\r" for line in expected] or count == 0
