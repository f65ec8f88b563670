"""Quotas: requests per minute per user, tokens per day per user and tenant; 429 with Retry-After; /me says what
is left; one quota across instances sharing Redis and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from server.app import create_app
from server.config import ConfigError
from server.errors import RateLimited
from server.governance.quotas import QuotaGuard, QuotaPolicy, parse_quotas, until_midnight_utc
from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving
from tests.test_api_audit import wait_for_records

TEXT = "Please confirm the venue for Thursday's meeting."


def make_app(app_config, tmp_path, quotas: str, **config):
    path = tmp_path / "policy.yaml"
    path.write_text(f"quotas:\n{quotas}")
    return create_app({**app_config, "POLICY_FILE": str(path), **config})


def token(client, email="ada@agency.gov") -> dict:
    value = client.post("/dev/token", json={"name": email, "email": email}).get_json()["access_token"]
    return {"Authorization": f"Bearer {value}"}


def rewrite(client, headers):
    return client.post("/api/v1/rewrite", headers=headers, json={"text": TEXT}, buffered=True)


def test_requests_per_minute_per_user(app_config, tmp_path, upstream):
    app = make_app(app_config, tmp_path, "  user_requests_per_minute: 3\n")
    client = app.test_client()
    ada, bob = token(client), token(client, "bob@agency.gov")
    assert [rewrite(client, ada).status_code for _ in range(3)] == [200, 200, 200]
    refused = rewrite(client, ada)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and body["request_id"]
    assert body["message"].startswith("You have sent 3 requests in the last minute")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert rewrite(client, bob).status_code == 200  # another user's own minute
    records = wait_for_records(app, 5)
    assert [r["outcome"] for r in records] == ["ok", "ok", "ok", "rate_limited", "ok"]
    assert len([r for r in upstream.requests if r["method"] == "POST"]) == 4  # the refused one never left


def test_tokens_per_day_per_user(app_config, tmp_path, upstream):
    app = make_app(app_config, tmp_path, "  user_tokens_per_day: 100\n")
    client = app.test_client()
    ada, bob = token(client), token(client, "bob@agency.gov")
    upstream.queue_reply("Confirmed.", usage={"prompt_tokens": 90, "completion_tokens": 20})
    assert rewrite(client, ada).status_code == 200  # under the limit when it started: it finishes
    wait_for_records(app, 1)
    refused = rewrite(client, ada)
    assert refused.status_code == 429
    assert refused.get_json()["message"] == ("You have used today's allowance of 100 tokens; it renews at "
                                             "midnight UTC.")
    seconds, _ = until_midnight_utc(dt.datetime.now(dt.UTC))
    assert abs(int(refused.headers["Retry-After"]) - seconds) <= 5
    assert rewrite(client, bob).status_code == 200


def test_tokens_per_day_per_tenant(app_config, tmp_path, upstream):
    app = make_app(app_config, tmp_path, "  user_tokens_per_day: 0\n  tenant_tokens_per_day: 100\n")
    client = app.test_client()
    ada, bob = token(client), token(client, "bob@agency.gov")
    upstream.queue_reply("Confirmed.", usage={"prompt_tokens": 60, "completion_tokens": 50})
    assert rewrite(client, ada).status_code == 200
    wait_for_records(app, 1)
    refused = rewrite(client, bob)  # the same tenant (dev tokens share one): the organisation's allowance
    assert refused.status_code == 429
    assert refused.get_json()["message"].startswith("Your organisation has used today's allowance of 100 tokens")


def test_me_says_what_is_left(app_config, tmp_path, upstream):
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    from server.api.openapi import build_openapi

    app = make_app(app_config, tmp_path, "  user_requests_per_minute: 5\n  user_tokens_per_day: 1000\n"
                                         "  tenant_tokens_per_day: 5000\n")
    client = app.test_client()
    ada = token(client)
    upstream.queue_reply("Confirmed.", usage={"prompt_tokens": 90, "completion_tokens": 30})
    rewrite(client, ada)
    wait_for_records(app, 1)
    me = client.get("/api/v1/me", headers=ada).get_json()
    quota = me["quota"]
    assert quota["requests_per_minute"] == {"limit": 5, "remaining": 4}
    midnight = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat() + "T00:00:00Z"
    assert quota["tokens_today"] == {"limit": 1000, "used": 120, "remaining": 880, "resets_at": midnight}
    assert quota["tenant_tokens_today"] == {"limit": 5000, "used": 120, "remaining": 4880, "resets_at": midnight}
    spec = build_openapi("https://localhost:3000", dev_mode=True)
    registry = Registry().with_resource("urn:drafter", DRAFT202012.create_resource(spec))
    schema = {"$ref": "urn:drafter#/components/schemas/Me"}
    assert list(Draft202012Validator(schema, registry=registry).iter_errors(me)) == []


def test_no_limit_means_null(app_config, tmp_path, upstream):
    app = make_app(app_config, tmp_path, "  user_requests_per_minute: 0\n  user_tokens_per_day: 0\n")
    client = app.test_client()
    assert client.get("/api/v1/me", headers=token(client)).get_json()["quota"] == {
        "requests_per_minute": None, "tokens_today": None, "tenant_tokens_today": None}


def test_the_default_quotas(app, client, auth_headers):
    quota = client.get("/api/v1/me", headers=auth_headers).get_json()["quota"]
    assert quota["requests_per_minute"]["limit"] == 30 and quota["tokens_today"]["limit"] == 500_000
    assert quota["tenant_tokens_today"] is None


@pytest.mark.parametrize("section, message", [
    ("[]", "quotas must be a mapping"),
    ("{per_minute: 3}", "quotas: unknown key 'per_minute'"),
    ("{user_requests_per_minute: -1}", "quotas.user_requests_per_minute must be a whole number from 0"),
    ("{user_tokens_per_day: 1.5}", "quotas.user_tokens_per_day must be a whole number"),
    ("{tenant_tokens_per_day: yes}", "quotas.tenant_tokens_per_day must be a whole number"),
])
def test_quota_mistakes_stop_the_service_with_one_line(app_config, tmp_path, section, message):
    path = tmp_path / "policy.yaml"
    path.write_text(f"quotas: {section}\n")
    with pytest.raises(ConfigError) as caught:
        create_app({**app_config, "POLICY_FILE": str(path)})
    assert str(caught.value).startswith(f"DRAFTER_POLICY_FILE: {message}")


def test_two_apps_sharing_redis_share_the_minute(app_config, tmp_path, upstream, redis_url):
    first = make_app(app_config, tmp_path, "  user_requests_per_minute: 2\n", REDIS_URL=redis_url)
    second = make_app({**app_config, "INSTANCE_PATH": str(tmp_path / "second")}, tmp_path,
                      "  user_requests_per_minute: 2\n", REDIS_URL=redis_url)
    a, b = first.test_client(), second.test_client()
    on_a, on_b = token(a), token(b)  # the same user, signed in on each (each has its own dev signing key)
    assert a.get("/api/v1/me", headers=on_a).get_json()["object_id"] == \
        b.get("/api/v1/me", headers=on_b).get_json()["object_id"]
    assert rewrite(a, on_a).status_code == 200
    assert rewrite(b, on_b).status_code == 200
    assert rewrite(a, on_a).status_code == 429
    assert rewrite(b, on_b).status_code == 429


def test_redis_down_lets_requests_through_and_says_so(app_config, tmp_path, upstream, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app = make_app(app_config, tmp_path, "  user_requests_per_minute: 1\n",
                   REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    client = app.test_client()
    headers = token(client)
    assert [rewrite(client, headers).status_code for _ in range(2)] == [200, 200]
    assert any("rate limit storage failed, request let through" in r.getMessage() for r in caplog.records)
    assert client.get("/api/v1/me", headers=headers).get_json()["quota"]["requests_per_minute"] == {
        "limit": 1, "remaining": None}


def test_a_store_that_cannot_be_read_refuses_the_job(app, client, auth_headers, upstream, monkeypatch):
    from server.errors import StoreUnavailable

    def down(*args, **kw):
        raise StoreUnavailable("the audit and usage store cannot be reached")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "tokens_used_today", down)
    response = rewrite(client, auth_headers)
    assert response.status_code == 503 and response.get_json()["error"] == "store_unavailable"
    assert upstream.requests == []  # spending cannot be bounded: nothing is sent


class _Limiter:
    def __init__(self):
        self.hits = 0

    def hit(self, item, *keys):
        self.hits += 1
        return self.hits <= item.amount

    def get_window_stats(self, item, *keys):
        from limits.util import WindowStats

        return WindowStats(time.time() + 42, max(0, item.amount - self.hits))


class _Store:
    def __init__(self, used):
        self.used = used

    def tokens_used_today(self, tenant_id, user_id=None, day=None):
        return self.used[user_id]


def test_guard_order_and_retry_after():
    guard = QuotaGuard(QuotaPolicy(2, 100, 1000), _Limiter(), _Store({"u": 99, None: 999}))
    guard.check("t", "u")
    guard.check("t", "u")
    with pytest.raises(RateLimited) as caught:
        guard.check("t", "u")
    assert 41 <= caught.value.retry_after <= 43


def test_a_minute_before_midnight():
    now = dt.datetime(2026, 12, 6, 23, 59, 30, tzinfo=dt.UTC)
    guard = QuotaGuard(QuotaPolicy(0, 10, 0), _Limiter(), _Store({"u": 10}), clock=lambda: now)
    with pytest.raises(RateLimited) as caught:
        guard.check("t", "u")
    assert caught.value.retry_after == 30
    assert until_midnight_utc(now) == (30, dt.datetime(2026, 12, 7, tzinfo=dt.UTC))


def test_parse_defaults():
    assert parse_quotas(None) == QuotaPolicy(30, 500_000, 0)
    assert parse_quotas({"tenant_tokens_per_day": 10**9}).tenant_tokens_per_day == 10**9


# ---- two instances of the real service, on different ports, sharing Redis and PostgreSQL ----


def _serve(tmp_path, name, port, env) -> subprocess.Popen:
    settings = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / name),
                "DRAFTER_LOG_LEVEL": "warning", **env}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "server.wsgi:app", "--worker-class", "gthread",
                             "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning"], cwd=ROOT, env=settings, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_instances_enforce_one_quota(tmp_path, upstream, redis_url, postgres_url):
    policy = tmp_path / "policy.yaml"
    policy.write_text("quotas:\n  user_requests_per_minute: 4\n  user_tokens_per_day: 250\n")
    env = {"DRAFTER_AUTH_MODE": "dev", "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": upstream.url,
           "DRAFTER_MODEL_NAME": "fake-model", "DRAFTER_POLICY_FILE": str(policy), "DRAFTER_REDIS_URL": redis_url,
           "DRAFTER_DATABASE_URL": postgres_url, "DRAFTER_PUBLIC_URL": "http://localhost:3000"}
    ports = [free_port(), free_port()]
    procs = [_serve(tmp_path, f"instance-{i}", port, env) for i, port in enumerate(ports)]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, procs, strict=True):
            wait_serving(proc, url)
        # one dev signing key per instance folder: each instance issues its own token for the same user
        def signed_in(email):
            return [{"Authorization": "Bearer " + requests.post(f"{url}/dev/token", json={
                "name": email, "email": email}, timeout=10).json()["access_token"]} for url in urls]
        ada, bob = signed_in("ada@agency.gov"), signed_in("bob@agency.gov")
        me = [requests.get(f"{url}/api/v1/me", headers=h, timeout=10).json() for url, h in zip(urls, ada, strict=True)]
        assert me[0]["object_id"] == me[1]["object_id"]  # the same user on both

        def call(i, who, usage=None):
            if usage is not None:  # a call expected to reach the model: its reply, with the usage it reports
                upstream.queue_reply("Confirmed.", usage={"prompt_tokens": usage, "completion_tokens": 0})
            return requests.post(f"{urls[i]}/api/v1/rewrite", headers=who[i], json={"text": TEXT}, timeout=30)

        # requests per minute: 4 in all for Ada, whichever instance they reach
        assert [call(i % 2, ada, 1).status_code for i in range(4)] == [200, 200, 200, 200]
        for i in (0, 1):
            refused = call(i, ada)
            assert refused.status_code == 429 and "requests in the last minute" in refused.json()["message"]
        # tokens per day: Bob's use on one instance counts on the other (one count in PostgreSQL)
        assert [call(i, bob, 100).status_code for i in (0, 1, 0)] == [200, 200, 200]  # 200 < 250 when the 3rd began

        def used_on(i):
            return requests.get(f"{urls[i]}/api/v1/me", headers=bob[i], timeout=10).json()["quota"]["tokens_today"]
        deadline = time.monotonic() + 10  # a job's record (and its tokens) is written a moment after its answer
        while used_on(1)["used"] < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = call(1, bob)
        assert refused.status_code == 429
        assert refused.json()["message"].startswith("You have used today's allowance of 250 tokens")
        assert used_on(0) == used_on(1) and used_on(0)["used"] == 300  # the refused job added nothing
    finally:
        for proc in procs:
            stop(proc, timeout=20)
