"""GET /api/v1/admin/usage through the app: the admin role, every bad parameter named, the caller's tenant only,
numbers that match the records (made by real jobs against the fake upstream, or appended to the store), the
JSON against the published schema, the CSV and the .xlsx exports (the workbook in English or French, the CSV's
header the same in both), and no object id or UPN in any of them;
on SQLite and on real PostgreSQL. Also GET /admin's page and its policy."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import uuid
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

from server.app import create_app
from server.auth.dev import DEV_TENANT_ID
from server.errors import StoreUnavailable
from tests.audit_helpers import BACKENDS, make_record
from tests.test_addin_static import _PageAudit
from tests.test_api_audit import wait_for_records

DAY1, DAY2, DAY3 = dt.date(2026, 3, 3), dt.date(2026, 3, 4), dt.date(2026, 3, 5)
RANGE = "from=2026-03-03&to=2026-03-05"
ADMIN = {"name": "Ann Admin", "email": "ann@agency.gov", "roles": ["Drafter.Admin"]}
CLERK = {"name": "Ada Clerk", "email": "ada@agency.gov", "roles": []}
SSN = "123-45-6789"
CHART_NS = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dev_oid(email: str) -> str:
    """The object id the dev issuer gives an email (server/auth/dev.py)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"drafter:dev-user:{email.lower()}"))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MODEL_MAX_RETRIES": 0}  # one upstream failure is one failed job


@pytest.fixture(params=BACKENDS)
def db_app(request, app_config):
    """The app on each audit store: SQLite, then a PostgreSQL schema of its own."""
    config = dict(app_config)
    if request.param == "postgresql":
        config["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    app = create_app(config)
    yield app
    app.extensions["drafter.audit"].store.close()


@pytest.fixture
def db_client(db_app):
    return db_app.test_client()


@pytest.fixture
def store(db_app):
    return db_app.extensions["drafter.audit"].store


def bearer(client, who: dict) -> dict:
    response = client.post("/dev/token", json=who)
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture
def admin(client):
    return bearer(client, ADMIN)


def get(client, url: str, headers: dict | None = None):
    return client.get(url, headers=headers or {}, buffered=True)


def usage(client, headers: dict, query: str = RANGE, expect: int = 200):
    response = get(client, f"/api/v1/admin/usage?{query}", headers)
    assert response.status_code == expect, response.data[:500]
    return response


def seed(store, tenant_id: str = DEV_TENANT_ID) -> None:
    """Records of known numbers over DAY1..DAY3 for the dev tenant (DAY2 empty), and noise in another tenant."""
    rows = [
        (DAY1, dict(action="rewrite", host="word", outcome="ok", latency_ms=100, preset="brief", prompt_tokens=10,
                    completion_tokens=5)),
        (DAY1, dict(action="summarize", host="outlook", outcome="redacted", latency_ms=300, preset="brief",
                    prompt_tokens=20, completion_tokens=10, user_id="oid-2")),
        (DAY1, dict(action="draft", host="preview", outcome="blocked", latency_ms=5, error_code="blocked_by_policy",
                    prompt_tokens=0, completion_tokens=0)),
        (DAY1, dict(action="review", host="word", outcome="upstream_error", latency_ms=60000,
                    error_code="upstream_timeout", prompt_tokens=30, completion_tokens=0)),
        (DAY1, dict(action="rewrite", host="word", outcome="ok", latency_ms=200, preset="-2-3", prompt_tokens=1,
                    completion_tokens=1)),
        (DAY3, dict(action="rewrite", host="outlook", outcome="ok", latency_ms=50, prompt_tokens=7,
                    completion_tokens=3)),
    ]
    for index, (day, fields) in enumerate(rows):
        store.append(make_record(time=at(day, 8 + index), request_id=f"seed-{index:04d}", tenant_id=tenant_id,
                                 **fields))
    for index in range(3):  # another tenant's use on the same days: never in this tenant's report
        store.append(make_record(time=at(DAY1), request_id=f"other-{index}", tenant_id="other-tenant",
                                 user_id="oid-other", preset="theirs", prompt_tokens=1000, completion_tokens=1000))


def published_schema(client, headers: dict):
    from jsonschema import Draft202012Validator

    spec = get(client, "/api/v1/openapi.json", headers).get_json()
    return Draft202012Validator({"$ref": "#/components/schemas/UsageReport", "components": spec["components"]})


# ---- who may ask ----

def test_no_token_is_401(client):
    response = get(client, "/api/v1/admin/usage")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("query", ["", "format=csv", "format=xlsx", "from=nonsense"])
def test_without_the_admin_role_it_is_403_whatever_the_query(client, query):
    response = usage(client, bearer(client, CLERK), query, expect=403)
    body = response.get_json()
    assert body["error"] == "forbidden" and "Drafter.Admin" in body["message"]
    assert "Content-Disposition" not in response.headers


# ---- the query ----

@pytest.mark.parametrize(("query", "field", "words"), [
    ("from=2026-3-3", "from", "YYYY-MM-DD"),
    ("from=20260303", "from", "YYYY-MM-DD"),
    ("from=2026-02-30", "from", "YYYY-MM-DD"),
    ("from=", "from", "YYYY-MM-DD"),
    ("to=today", "to", "YYYY-MM-DD"),
    ("to=2026-03-05T00:00:00", "to", "YYYY-MM-DD"),
    ("from=1999-12-31&to=2000-01-05", "from", "2000-01-01"),
    ("to=9999-12-31", "to", "2099-12-31"),  # one day past it would overflow: refused before
    ("from=2026-03-05&to=2026-03-03", "from", "after to"),
    ("from=2025-03-04&to=2026-03-05", "from", "at most 366 days"),
    ("format=pdf", "format", "json, csv or xlsx"),
    ("format=JSON", "format", "json, csv or xlsx"),
    ("format=", "format", "json, csv or xlsx"),
    ("from=2026-03-03&from=2026-03-04", "from", "once"),
    ("lang=de", "lang", "en or fr"),
    ("lang=FR", "lang", "en or fr"),
    ("lang=fr-FR", "lang", "en or fr"),
    ("lang=", "lang", "en or fr"),
    ("format=xlsx&lang=en&lang=fr", "lang", "once"),
    ("tenant_id=other-tenant", "tenant_id", "not a parameter"),
    ("top=5", "top", "not a parameter"),
])
def test_a_bad_parameter_is_400_naming_it(client, admin, query, field, words):
    body = usage(client, admin, query, expect=400).get_json()
    assert (body["error"], body["field"]) == ("invalid_request", field)
    assert words in body["message"]
    assert body["request_id"]


def test_a_full_year_is_allowed(client, admin):
    report = usage(client, admin, "from=2024-01-01&to=2024-12-31").get_json()  # 366 days: a leap year
    assert len(report["days"]) == 366


def test_by_default_the_last_30_days_to_today(client, admin):
    before = dt.datetime.now(dt.UTC).date()
    report = usage(client, admin, "").get_json()
    after = dt.datetime.now(dt.UTC).date()
    start, end = dt.date.fromisoformat(report["from"]), dt.date.fromisoformat(report["to"])
    assert end in (before, after) and (end - start).days == 29 and len(report["days"]) == 30
    assert usage(client, admin, "to=2026-03-05").get_json()["from"] == "2026-02-04"
    assert usage(client, admin, f"from={end.isoformat()}").get_json()["to"] in (before.isoformat(),
                                                                                  after.isoformat())


def test_a_store_that_cannot_answer_is_503(app, client, admin, monkeypatch):
    def down(*args, **kwargs):
        raise StoreUnavailable("the audit store cannot be reached")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "usage_report", down)
    body = usage(client, admin, expect=503).get_json()
    assert body["error"] == "store_unavailable"


# ---- the numbers ----

def test_json_report_has_the_numbers_of_the_tenants_records_only(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    report = usage(client, admin).get_json()
    assert published_schema(client, admin).is_valid(report), list(published_schema(client, admin).iter_errors(report))
    assert (report["tenant_id"], report["from"], report["to"]) == (DEV_TENANT_ID, "2026-03-03", "2026-03-05")
    first, empty, third = report["days"]
    assert first["requests"] == 5 and first["by_action"] == {"rewrite": 2, "summarize": 1, "draft": 1, "review": 1}
    assert first["by_host"] == {"word": 3, "outlook": 1, "preview": 1, "unknown": 0}
    assert (first["prompt_tokens"], first["completion_tokens"]) == (61, 16)
    assert (first["blocked"], first["redacted"], first["errors"]) == (1, 1, 1)
    assert (first["latency_p50_ms"], first["latency_p95_ms"]) == (200, 300)  # of 100, 200, 300
    assert empty["requests"] == 0 and empty["latency_p50_ms"] is None
    assert (third["requests"], third["by_host"]["outlook"], third["latency_p95_ms"]) == (1, 1, 50)
    assert report["totals"] == {"requests": 6, "prompt_tokens": 68, "completion_tokens": 19, "blocked": 1,
                                "redacted": 1, "errors": 1, "users": 2}
    assert report["top_presets"] == [{"preset": "brief", "requests": 2}, {"preset": "-2-3", "requests": 1}]
    assert report["errors"] == [{"outcome": "blocked", "error_code": "blocked_by_policy", "count": 1},
                                {"outcome": "upstream_error", "error_code": "upstream_timeout", "count": 1}]
    assert {user["user"] for user in report["users"]} == {store.pseudonym(DEV_TENANT_ID, "oid-1"),
                                                          store.pseudonym(DEV_TENANT_ID, "oid-2")}
    assert all(user["tenant_id"] == DEV_TENANT_ID for user in report["users"])
    text = json.dumps(report)
    assert "other-tenant" not in text and "theirs" not in text and "oid-1" not in text
    assert report["users"][0]["prompt_tokens"] + report["users"][0]["completion_tokens"] == 57  # oid-1: most


def test_real_jobs_are_counted_by_action_host_outcome_and_tokens(db_client, db_app, upstream):
    client, app = db_client, db_app
    clerk = bearer(client, CLERK)
    upstream.queue_reply("The consultation is extended.")
    upstream.queue_reply("Refund [SSN_1].")
    upstream.queue_error(500, {"error": {"message": "boom"}})
    jobs = [("/api/v1/rewrite", "word", {"text": "Tell Elm Street the consultation is extended."}, 200),
            ("/api/v1/rewrite", "outlook", {"text": f"Refund SSN {SSN} please."}, 200),
            ("/api/v1/summarize", "preview", {"text": "SECRET//NOFORN\nPlans."}, 403),
            ("/api/v1/draft", "word", {"instruction": "A memo on parking."}, 502)]
    for path, host, body, status in jobs:
        response = client.post(path, headers={**clerk, "X-Drafter-Host": host}, json=body, buffered=True)
        assert response.status_code == status, response.get_json()
    records = wait_for_records(app, 4)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    report = usage(client, bearer(client, ADMIN), f"from={today}&to={today}").get_json()
    [day] = report["days"]
    assert day["requests"] == 4
    assert day["by_action"] == {"rewrite": 2, "summarize": 1, "draft": 1, "review": 0}
    assert day["by_host"] == {"word": 2, "outlook": 1, "preview": 1, "unknown": 0}
    assert (day["blocked"], day["redacted"], day["errors"]) == (1, 1, 1)
    assert day["by_outcome"]["upstream_error"] == 1 and day["by_outcome"]["ok"] == 1
    assert day["prompt_tokens"] == sum(r["prompt_tokens"] for r in records) > 0
    assert day["completion_tokens"] == sum(r["completion_tokens"] for r in records) > 0
    completed = sorted(r["latency_ms"] for r in records if r["outcome"] in ("ok", "redacted"))
    assert day["latency_p50_ms"] == completed[math.ceil(0.5 * len(completed)) - 1]
    assert day["latency_p95_ms"] == completed[math.ceil(0.95 * len(completed)) - 1]
    assert report["errors"] == [{"outcome": "blocked", "error_code": "blocked_by_policy", "count": 1},
                                {"outcome": "upstream_error", "error_code": "upstream_error", "count": 1}]
    [user] = report["users"]  # the clerk; the admin ran no job
    store = app.extensions["drafter.audit"].store
    assert user == {"user": store.pseudonym(DEV_TENANT_ID, dev_oid(CLERK["email"])), "tenant_id": DEV_TENANT_ID,
                    "requests": 4, "prompt_tokens": day["prompt_tokens"],
                    "completion_tokens": day["completion_tokens"]}


# ---- CSV ----

def test_csv_has_one_line_per_day_under_a_header(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    response = usage(client, admin, f"{RANGE}&format=csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter-usage-2026-03-03-2026-03-05.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 line breaks
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == ["day", "requests", "action_rewrite", "action_summarize", "action_draft", "action_review",
                      "host_word", "host_outlook", "host_preview", "host_unknown", "prompt_tokens",
                      "completion_tokens", "total_tokens", "latency_p50_ms", "latency_p95_ms", "blocked", "redacted",
                      "errors"]
    assert rows == [
        ["2026-03-03", "5", "2", "1", "1", "1", "3", "1", "1", "0", "61", "16", "77", "200", "300", "1", "1", "1"],
        ["2026-03-04", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "", "", "0", "0", "0"],
        ["2026-03-05", "1", "1", "0", "0", "0", "0", "1", "0", "0", "7", "3", "10", "50", "50", "0", "0", "0"],
    ]


# ---- xlsx ----

def first_labels(sheet) -> dict:
    """{first column: second column} of a sheet, the first row of each label (the totals, before the errors)."""
    labels: dict = {}
    for row in range(1, sheet.max_row + 1):
        labels.setdefault(sheet.cell(row, 1).value, sheet.cell(row, 2).value)
    return labels


def open_xlsx(response):
    assert response.headers["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_xlsx_has_summary_daily_and_users_sheets_with_the_numbers(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    response = usage(client, admin, f"{RANGE}&format=xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter-usage-2026-03-03-2026-03-05.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    book = open_xlsx(response)
    assert book.sheetnames == ["Summary", "Daily", "Users"]
    summary, daily, users = book["Summary"], book["Daily"], book["Users"]

    labels = first_labels(summary)
    assert labels["From"] == dt.datetime(2026, 3, 3) and labels["To"] == dt.datetime(2026, 3, 5)
    assert labels["Tenant"] == DEV_TENANT_ID
    assert (labels["Requests"], labels["Prompt tokens"], labels["Completion tokens"], labels["Total tokens"]) == (
        6, 68, 19, 87)
    assert (labels["Blocked by policy"], labels["Redacted"], labels["Errors"], labels["Users"]) == (1, 1, 1, 2)
    assert (labels["brief"], labels["-2-3"]) == (2, 1)
    errors = [[summary.cell(row, col).value for col in (1, 2, 3)] for row in range(1, summary.max_row + 1)
              if summary.cell(row, 2).value in ("blocked_by_policy", "upstream_timeout")]
    assert errors == [["Blocked by policy", "blocked_by_policy", 1], ["Model error", "upstream_timeout", 1]]
    assert "theirs" not in labels

    header = [cell.value for cell in daily[1]]
    assert header[:3] == ["Day", "Requests", "Requests: rewrite"] and "From: Word" in header
    rows = [[cell.value for cell in row] for row in daily.iter_rows(min_row=2)]
    assert [row[0] for row in rows] == [dt.datetime(2026, 3, day) for day in (3, 4, 5)]
    first = dict(zip(header, rows[0], strict=True))
    assert (first["Requests"], first["Total tokens"], first["Latency p50 (ms)"], first["Latency p95 (ms)"],
            first["Blocked"], first["Redacted"], first["From: Outlook"]) == (5, 77, 200, 300, 1, 1, 1)
    assert dict(zip(header, rows[1], strict=True))["Latency p50 (ms)"] is None

    assert [cell.value for cell in users[1]] == ["User (pseudonym)", "Tenant", "Requests", "Prompt tokens",
                                                 "Completion tokens", "Total tokens"]
    assert [[cell.value for cell in row] for row in users.iter_rows(min_row=2)] == [
        [store.pseudonym(DEV_TENANT_ID, "oid-1"), DEV_TENANT_ID, 5, 48, 9, 57],
        [store.pseudonym(DEV_TENANT_ID, "oid-2"), DEV_TENANT_ID, 1, 20, 10, 30]]


def test_xlsx_is_styled_frozen_filtered_formatted_and_charted(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    response = usage(client, admin, f"{RANGE}&format=xlsx")
    book = open_xlsx(response)
    summary, daily, users = book["Summary"], book["Daily"], book["Users"]
    for sheet, freeze, filtered in ((daily, "B2", "A1:R4"), (users, "A2", "A1:F3")):
        assert sheet.freeze_panes == freeze
        assert sheet.auto_filter.ref == filtered
        for cell in sheet[1]:
            assert cell.font.bold and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("0F6CBD")
    assert summary.freeze_panes == "A6"
    assert daily["A2"].number_format == "yyyy-mm-dd" and daily["B2"].number_format == "#,##0"
    assert daily["N2"].number_format.endswith('" ms"')
    assert daily.column_dimensions["A"].width >= 10 and users.column_dimensions["A"].width >= 22
    # Charts: openpyxl does not read charts back, so the package itself is read
    package = zipfile.ZipFile(io.BytesIO(response.data))
    charts = sorted(name for name in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name))
    assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"]
    kinds, titles, formulas = [], [], []
    for name in charts:
        root = ElementTree.fromstring(package.read(name))
        [plot] = root.iter(f"{CHART_NS}plotArea")
        kinds.append([child.tag.removeprefix(CHART_NS) for child in plot if child.tag.endswith("Chart")])
        titles.append("".join(t.text for t in root.find(f"{CHART_NS}chart/{CHART_NS}title").iter(f"{DRAWING_NS}t")))
        formulas.append([f.text for f in root.iter(f"{CHART_NS}f")])
    assert kinds == [["barChart"], ["lineChart"], ["lineChart"]]
    assert titles == ["Requests per day by action", "Tokens per day", "Latency per day (completed jobs)"]
    assert formulas[0][:3] == ["'Daily'!C1", "'Daily'!$A$2:$A$4", "'Daily'!$C$2:$C$4"]  # rewrite, by day
    assert "'Daily'!$K$2:$K$4" in formulas[1] and "'Daily'!$N$2:$N$4" in formulas[2]  # prompt tokens, p50
    drawing = package.read("xl/drawings/drawing1.xml").decode()
    assert drawing.count("<c:chart ") == 3
    rels = package.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert "drawing1.xml" in rels  # the drawing is the Summary sheet's


def chart_titles(data: bytes) -> list[str]:
    """The charts' titles, read from the package (openpyxl does not read charts back)."""
    package = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(name for name in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name))
    return ["".join(t.text for t in ElementTree.fromstring(package.read(name))
                    .find(f"{CHART_NS}chart/{CHART_NS}title").iter(f"{DRAWING_NS}t")) for name in names]


def test_lang_fr_writes_the_workbook_in_french(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    response = usage(client, admin, f"{RANGE}&format=xlsx&lang=fr")
    assert response.headers["Content-Disposition"] == 'attachment; filename="drafter-usage-2026-03-03-2026-03-05.xlsx"'
    book = open_xlsx(response)
    assert book.sheetnames == ["Synthèse", "Par jour", "Utilisateurs"]
    summary, daily, users = book["Synthèse"], book["Par jour"], book["Utilisateurs"]
    assert book.properties.language == "fr"

    labels = first_labels(summary)
    assert summary["A1"].value == "Utilisation de Drafter"
    assert labels["Du"] == dt.datetime(2026, 3, 3) and labels["Au"] == dt.datetime(2026, 3, 5)
    assert labels["Locataire"] == DEV_TENANT_ID
    assert (labels["Requêtes"], labels["Jetons d’invite"], labels["Jetons de réponse"], labels["Total des jetons"]) == (
        6, 68, 19, 87)
    assert (labels["Bloquées par la politique"], labels["Masquées"], labels["Erreurs"], labels["Utilisateurs"]) == (
        1, 1, 1, 2)
    assert [cell.value for cell in summary[6][:2]] == ["Total sur la période", "Nombre"]
    errors = [[summary.cell(row, col).value for col in (1, 2, 3)] for row in range(1, summary.max_row + 1)
              if summary.cell(row, 2).value in ("blocked_by_policy", "upstream_timeout")]
    assert errors == [["Bloquée par la politique", "blocked_by_policy", 1], ["Erreur du modèle", "upstream_timeout", 1]]

    header = [cell.value for cell in daily[1]]
    assert header == ["Jour", "Requêtes", "Requêtes\u00a0: réécriture", "Requêtes\u00a0: résumé",
                      "Requêtes\u00a0: rédaction", "Requêtes\u00a0: relecture", "Depuis\u00a0: Word",
                      "Depuis\u00a0: Outlook", "Depuis\u00a0: Page d’aperçu", "Depuis\u00a0: Hôte inconnu",
                      "Jetons d’invite", "Jetons de réponse", "Total des jetons", "Latence p50 (ms)",
                      "Latence p95 (ms)", "Bloquées", "Masquées", "Erreurs"]
    assert [cell.value for cell in daily[2]][:3] == [dt.datetime(2026, 3, 3), 5, 2]  # the numbers do not change
    assert [cell.value for cell in users[1]] == ["Utilisateur (pseudonyme)", "Locataire", "Requêtes",
                                                 "Jetons d’invite", "Jetons de réponse", "Total des jetons"]
    assert users["A2"].value == store.pseudonym(DEV_TENANT_ID, "oid-1")

    assert chart_titles(response.data) == ["Requêtes par jour et par action", "Jetons par jour",
                                           "Latence par jour (tâches terminées)"]
    package = zipfile.ZipFile(io.BytesIO(response.data))
    first_chart = package.read("xl/charts/chart1.xml").decode()
    assert "'Par jour'!$C$2:$C$4" in first_chart and "Jour (UTC)" in first_chart  # the French sheet, axis

    english = open_xlsx(usage(client, admin, f"{RANGE}&format=xlsx&lang=en"))
    assert english.sheetnames == ["Summary", "Daily", "Users"]  # lang=en is the default, said out loud
    assert [cell.value for cell in english["Daily"][1]][:3] == ["Day", "Requests", "Requests: rewrite"]


def test_the_csv_header_keeps_its_column_names_in_any_language(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    english = usage(client, admin, f"{RANGE}&format=csv").data
    assert usage(client, admin, f"{RANGE}&format=csv&lang=fr").data == english
    assert english.startswith(b"day,requests,action_rewrite,")
    assert usage(client, admin, f"{RANGE}&lang=fr").get_json() == usage(client, admin, RANGE).get_json()


def test_xlsx_keeps_a_formula_looking_preset_as_text(db_client, store):
    client = db_client
    admin = bearer(client, ADMIN)
    seed(store)
    summary = open_xlsx(usage(client, admin, f"{RANGE}&format=xlsx"))["Summary"]
    [cell] = [cell for row in summary.iter_rows() for cell in row if cell.value == "-2-3"]
    assert cell.data_type == "s" and cell.quotePrefix  # Excel would evaluate -2-3 typed into a cell


def test_an_empty_range_exports_cleanly(client, admin):
    report = usage(client, admin, "from=2026-01-01&to=2026-01-01").get_json()
    assert report["totals"]["requests"] == 0 and report["users"] == [] and report["top_presets"] == []
    book = open_xlsx(usage(client, admin, "from=2026-01-01&to=2026-01-01&format=xlsx"))
    values = [cell.value for row in book["Summary"].iter_rows() for cell in row]
    assert "No job used a preset in this range." in values and "No errors in this range." in values
    assert book["Users"].max_row == 1
    rows = list(csv.reader(io.StringIO(usage(client, admin, "from=2026-01-01&to=2026-01-01&format=csv")
                                       .data.decode())))
    assert len(rows) == 2 and rows[1][:2] == ["2026-01-01", "0"]


# ---- no one's identity in any export ----

def test_no_object_id_or_upn_in_any_export(app_config, upstream):
    app = create_app({**app_config, "AUDIT_UPN": True})
    try:
        client = app.test_client()
        clerk = bearer(client, CLERK)
        for text in ("First text.", "Second text."):
            upstream.queue_reply("Done.")
            assert client.post("/api/v1/rewrite", headers=clerk, json={"text": text},
                               buffered=True).status_code == 200
        [first, _] = wait_for_records(app, 2)
        oid = dev_oid(CLERK["email"])
        assert first["user_id"] == oid and first["upn"] == CLERK["email"]  # the store has both
        admin = bearer(client, ADMIN)
        today = dt.datetime.now(dt.UTC).date().isoformat()
        exports = {form: usage(client, admin, f"from={today}&to={today}&format={form}").data
                   for form in ("json", "csv", "xlsx")}
        package = zipfile.ZipFile(io.BytesIO(exports.pop("xlsx")))
        exports.update({name: package.read(name) for name in package.namelist()})
        for name, data in exports.items():
            for secret in (oid, CLERK["email"], "ada@", CLERK["name"], oid.replace("-", "")):
                assert secret.encode() not in data, f"{secret} in {name}"
        assert json.loads(exports["json"])["users"][0]["user"].startswith("user-")
    finally:
        app.extensions["drafter.audit"].store.close()


# ---- the OpenAPI description ----

def test_the_report_is_published_in_openapi(client, admin):
    spec = get(client, "/api/v1/openapi.json", admin).get_json()
    operation = spec["paths"]["/api/v1/admin/usage"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "format", "lang"}
    [lang] = [p for p in operation["parameters"] if p["name"] == "lang"]
    assert lang["schema"] == {"type": "string", "enum": ["en", "fr"], "default": "en"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv", XLSX}
    assert {"400", "401", "403", "503"} <= set(operation["responses"])
    assert "caller's own tenant only" in operation["description"]
    schema = published_schema(client, admin)
    assert schema.is_valid(usage(client, admin).get_json())
    assert not schema.is_valid({"tenant_id": "t", "from": "2026-03-03"})  # the schema does say something


# ---- tenants: in Entra mode, with two tenants allowed ----

OTHER_TENANT = "0b0b0b0b-0000-4000-8000-0000000000bb"


def test_each_tenants_admin_sees_their_own_tenant_only(app_config, monkeypatch):
    from tests.fakes.entra import FakeEntra
    from tests.test_auth_entra import API_CLIENT_ID, entra_settings

    with FakeEntra() as entra:
        entra.tenants.add(OTHER_TENANT)
        settings = entra_settings(app_config, entra, monkeypatch)
        app = create_app({**settings, "TENANT_IDS": [entra.tenant_id, OTHER_TENANT]})
        try:
            store = app.extensions["drafter.audit"].store
            seed(store, tenant_id=entra.tenant_id)
            store.append(make_record(time=at(DAY2), request_id="tenant-b-1", tenant_id=OTHER_TENANT, user_id="oid-b",
                                     prompt_tokens=4, completion_tokens=2))
            client = app.test_client()

            def report_for(tenant):
                token = entra.user_token(API_CLIENT_ID, tenant=tenant, roles=["Drafter.Admin"])
                return usage(client, {"Authorization": f"Bearer {token}"}).get_json()

            mine, theirs = report_for(entra.tenant_id), report_for(OTHER_TENANT)
            assert (mine["tenant_id"], mine["totals"]["requests"]) == (entra.tenant_id, 6)
            assert (theirs["tenant_id"], theirs["totals"]["requests"], theirs["totals"]["prompt_tokens"]) == (
                OTHER_TENANT, 1, 4)
            assert [user["tenant_id"] for user in theirs["users"]] == [OTHER_TENANT]
            assert "oid-b" not in json.dumps(theirs)
        finally:
            app.extensions["drafter.audit"].store.close()


# ---- GET /admin ----

def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_the_dashboard_page_is_served_under_a_strict_policy(client):
    response = get(client, "/admin")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["frame-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers  # frame-ancestors 'none' says it; XFO is never sent
    audit = _PageAudit()
    audit.feed(response.data.decode())
    assert audit.problems == [] and audit.scripts == ["/addin/admin/main.js"]
    assert get(client, "/addin/admin/main.js").status_code == 200


def test_in_entra_mode_the_page_may_reach_the_authority_and_nothing_else(app_config, monkeypatch):
    from tests.fakes.entra import FakeEntra
    from tests.test_auth_entra import entra_settings

    with FakeEntra() as entra:
        app = create_app(entra_settings(app_config, entra, monkeypatch))
        try:
            policy = directives(get(app.test_client(), "/admin").headers["Content-Security-Policy"])
            assert policy["connect-src"] == ["'self'", entra.authority_host]
            assert policy["script-src"] == ["'self'"] and policy["frame-src"] == ["'none'"]
        finally:
            app.extensions["drafter.audit"].store.close()
