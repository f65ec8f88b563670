"""Schemathesis against the published /api/v1/openapi.json, in-process through the WSGI app.

Every operation is called with generated requests, valid and invalid (schemathesis' examples, coverage and
fuzzing phases), signed in with dev tokens (Drafter.Admin for the admin endpoints, a plain user elsewhere),
with the model played by the fake upstream so jobs really run. Each answer must be documented (status code,
content type, body schema) and none may be a server error: the fake upstream answers everything, so not even
a 502/504 is expected.

The schema has to exist when pytest collects (`schema.parametrize()` makes one test per operation), so the
service is built when this module is imported; `schemathesis.pytest.from_fixture` would defer that but does
not run under pytest 9.2 (it assigns the removed `Node._nodeid`).

Bounded for CI: FUZZ_EXAMPLES fuzzing cases per operation, derandomized (the same cases every run), no
example database.
"""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from server.app import create_app
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = 25  # fuzzing-phase cases per operation; the examples and coverage phases add their own
# hundreds of calls by one user: the per-minute and daily quotas would answer 429 to most of them
QUOTAS_OFF = {"quotas": {"user_requests_per_minute": 0, "user_tokens_per_day": 0, "tenant_tokens_per_day": 0}}


def _build_service():
    root = Path(tempfile.mkdtemp(prefix="drafter-fuzz-"))
    upstream = FakeUpstream().start()

    def clean_up() -> None:
        upstream.stop()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(clean_up)
    policy = root / "policy.json"
    policy.write_text(json.dumps(QUOTAS_OFF))
    app = create_app({
        "AUTH_MODE": "dev", "INSTANCE_PATH": str(root / "instance"), "POLICY_FILE": str(policy),
        "MODEL_PROVIDER": "openai", "MODEL_BASE_URL": upstream.url, "MODEL_NAME": "fake-model",
        "MODEL_MAX_RETRIES": 0, "MODEL_CONNECT_TIMEOUT": 1.0, "MODEL_READ_TIMEOUT": 5.0,
        "MODEL_TOTAL_BUDGET": 10.0, "TESTING": True,
        "DEV_ALLOW_NON_LOOPBACK": True,  # schemathesis' WSGI client sends no REMOTE_ADDR, which dev mode refuses
    })
    return app, upstream


def _token(roles: list[str]) -> str:
    response = APP.test_client().post("/dev/token", json={"name": "Fuzz Tester", "email": "fuzz@agency.gov",
                                                          "roles": roles})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


APP, UPSTREAM = _build_service()
TOKENS = {"user": _token([]), "admin": _token(["Drafter.Admin"])}
# What a JSON Schema cannot say, and so what a well-formed request may still be refused for (each documented):
# a file's bytes (a valid request may carry a file that cannot be read: 413, 415, 422), and how the usage
# report's from and to relate (from <= to, at most 366 days, to defaulting to today: 400).
ACCEPTED = ["2xx", "401", "403", "404", "409", "429"]
READS_FILES = ["extractDocument", "summarize", "draft"]
# The documented answer to a string over a size limit is 413 too_large (not 400), invalid as it is
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
    "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
    "operations": [
        {"include-operation-id": READS_FILES,
         "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "413", "415", "422"]}}},
        {"include-operation-id": ["adminUsage"],
         "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}},
    ],
})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG,
                                        headers={"Authorization": f"Bearer {TOKENS['user']}"})


def _role(case, context=None) -> str:
    return "admin" if case.path.startswith("/api/v1/admin/") else "user"


@schema.auth(cache_by_key=_role)
class DevTokens:
    """A plain user's token everywhere but the admin endpoints, which get a Drafter.Admin's."""

    def get(self, case, context) -> str:
        return TOKENS[_role(case)]

    def set(self, case, token, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


ANSWERS: Counter = Counter()  # (operation id, status) of every call, for the check that jobs really ran


@pytest.fixture(scope="module", autouse=True)
def jobs_really_ran():
    """A fuzz run that never got a job past validation would pass while testing little: after the run, each
    job and document operation has answered 200 to some generated request, through the fake model."""
    yield
    called = {operation for operation, _status in ANSWERS}  # all of them, unless -k chose some
    answered = {operation for operation, status in ANSWERS if status == 200}
    must = {"rewrite", "summarize", "draft", "review", "extractDocument", "renderDocument", "adminUsage"} & called
    assert must <= answered, f"never answered 200: {sorted(must - answered)}"
    if called & {"rewrite", "summarize", "draft", "review"}:
        assert any(request["path"].endswith("/chat/completions") for request in UPSTREAM.requests)


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case):
    response = case.call_and_validate()
    ANSWERS[case.operation.definition.raw.get("operationId"), response.status_code] += 1
