"""The AuditLog extension in the app: its store, the start-up schema check and its one-line refusals, what a
record may carry under the deployment's settings, and the `flask db` and `flask audit` commands."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import click
import pytest
from sqlalchemy import text

from server.app import create_app
from server.config import ConfigError
from server.governance.audit import EXTENSION
from server.governance.schema import VERSION_TABLE
from tests.audit_helpers import BACKENDS, NOW, backend_url, execute, make_record
from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving

UNREACHABLE = "postgresql://drafter:s3cret-pass@127.0.0.1:1/audit"
SAFE_UNREACHABLE = "postgresql+psycopg://drafter:***@127.0.0.1:1/audit"


def build(config: dict, *, under_cli: bool = False):
    """The app, as gunicorn builds it, or as the `flask` command line does (inside a click context)."""
    if not under_cli:
        return create_app(config)
    with click.Context(click.Command("flask")):
        return create_app(config)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    return backend_url(request.param, request, tmp_path)


@pytest.fixture
def audit_app(app_config, database_url):
    app = build({**app_config, "DATABASE_URL": database_url})
    yield app
    app.extensions[EXTENSION].store.close()


def _refusal(config: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        build(config)
    message = str(caught.value)
    assert "\n" not in message
    return message


# ---- start-up ----

def test_the_default_store_is_sqlite_in_wal_mode_under_the_instance_folder(app_config):
    app = build(app_config)
    audit = app.extensions[EXTENSION]
    path = os.path.join(app.instance_path, "audit.sqlite3")
    assert audit.store.url.database == path and os.path.isfile(path)
    with audit.store.db.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "0001"
    assert audit.record(make_record()) == 1


def test_start_up_upgrades_an_empty_database(app_config, database_url):
    app = build({**app_config, "DATABASE_URL": database_url})
    store = app.extensions[EXTENSION].store
    assert store.append(make_record()) == 1 and store.verify().ok
    store.close()


def test_start_up_without_migration_refuses_an_empty_database_in_one_line(app_config, database_url):
    message = _refusal({**app_config, "DATABASE_URL": database_url, "DATABASE_MIGRATE": False})
    assert message == ("DRAFTER_DATABASE_MIGRATE: the audit store's schema is at none (empty database) and this "
                       "version of Drafter needs 0001; run `flask --app server.wsgi db upgrade` (or set "
                       "DRAFTER_DATABASE_MIGRATE=true to upgrade at start-up)")
    # once upgraded, the same settings start
    build({**app_config, "DATABASE_URL": database_url}).extensions[EXTENSION].store.close()
    build({**app_config, "DATABASE_URL": database_url, "DATABASE_MIGRATE": False}).extensions[EXTENSION].store.close()


def test_an_unreachable_database_refuses_start_up_in_one_line_without_the_password(app_config):
    message = _refusal({**app_config, "DATABASE_URL": UNREACHABLE})
    assert message.startswith(f"DRAFTER_DATABASE_URL: the audit store at {SAFE_UNREACHABLE} is unavailable: ")
    assert "s3cret-pass" not in message and "Connection refused" in message


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://root:hunter2@db/audit", "DRAFTER_DATABASE_URL: mysql://root:***@db/audit: only SQLite and PostgreSQL "
                                      "are supported"),
    ("postgres//root:hunter2@db/audit", "DRAFTER_DATABASE_URL: not a database URL (expected sqlite:////"),
    ("sqlite:////no/such/folder/audit.sqlite3", "DRAFTER_DATABASE_URL: the audit store at "
                                               "sqlite:////no/such/folder/audit.sqlite3 is unavailable: unable to "
                                               "open database file"),
])
def test_a_bad_database_url_refuses_start_up_in_one_line(app_config, url, expected):
    message = _refusal({**app_config, "DATABASE_URL": url})
    assert message.startswith(expected) and "hunter2" not in message


def test_a_schema_from_a_newer_release_refuses_start_up(app_config, database_url):
    store = build({**app_config, "DATABASE_URL": database_url}).extensions[EXTENSION].store
    execute(store, f"UPDATE {VERSION_TABLE} SET version_num = '0099'")
    store.close()
    for migrate in (True, False):
        assert _refusal({**app_config, "DATABASE_URL": database_url, "DATABASE_MIGRATE": migrate}) == (
            "DRAFTER_DATABASE_URL: the audit store's schema is at revision '0099', which this version of Drafter "
            "does not know (was it upgraded by a newer release?)")


def test_a_bad_retention_section_refuses_start_up(app_config, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  content: true\n", encoding="utf-8")
    assert _refusal({**app_config, "POLICY_FILE": str(policy)}) == (
        "DRAFTER_POLICY_FILE: retention.days is required when retention.content is true (how long text is kept)")


def test_the_flask_command_line_loads_the_app_without_touching_the_database(app_config):
    app = build({**app_config, "DATABASE_URL": UNREACHABLE}, under_cli=True)  # `db upgrade` must be reachable
    assert app.extensions[EXTENSION].store.safe_url == SAFE_UNREACHABLE


# ---- what a record may carry ----

def test_upn_and_content_are_kept_only_when_the_deployment_says_so(app_config, tmp_path):
    record = make_record(upn="ada@agency.gov", content={"input": "the text", "output": "the answer"})
    plain = build(app_config).extensions[EXTENSION]
    plain.record(record)
    [stored] = plain.store.records(NOW.date(), NOW.date(), include_content=True)
    assert stored["upn"] is None and stored["content"] is None

    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  content: true\n  days: 30\n", encoding="utf-8")
    config = {**app_config, "INSTANCE_PATH": str(tmp_path / "other"), "POLICY_FILE": str(policy), "AUDIT_UPN": True}
    keeping = build(config).extensions[EXTENSION]
    keeping.record(record)
    [stored] = keeping.store.records(NOW.date(), NOW.date(), include_content=True)
    assert stored["upn"] == "ada@agency.gov" and stored["content"] == {"input": "the text", "output": "the answer"}
    assert record["content"] and record["upn"]  # the caller's dict is left alone


def test_readiness_names_an_unreachable_store_without_the_password(app_config, audit_app):
    assert audit_app.extensions[EXTENSION].readiness() is None
    broken = build({**app_config, "DATABASE_URL": UNREACHABLE}, under_cli=True).extensions[EXTENSION]
    problem = broken.readiness()
    assert problem.startswith(f"the audit store at {SAFE_UNREACHABLE} is unavailable") and "s3cret" not in problem
    assert broken.readiness() == problem  # cached: probes come often


# ---- the command line ----

def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_db_current_and_upgrade_at_head(audit_app):
    result = _invoke(audit_app, "db", "current")
    assert result.exit_code == 0 and result.stdout.startswith("audit store schema: 0001 (head): ")
    result = _invoke(audit_app, "db", "upgrade")
    assert result.exit_code == 0 and result.stdout.startswith("audit store schema already at 0001 (head): ")


def test_audit_verify_says_ok_then_names_the_first_broken_record(audit_app):
    audit = audit_app.extensions[EXTENSION]
    for index in range(3):
        audit.record(make_record(request_id=f"req-{index}"))
    result = _invoke(audit_app, "audit", "verify")
    assert result.exit_code == 0
    assert result.stdout.startswith("audit chain ok: 3 records, head seq 3 hash ") and result.stderr == ""
    execute(audit.store, "UPDATE audit_records SET completion_tokens = 1 WHERE seq = 2")
    result = _invoke(audit_app, "audit", "verify", "--batch-size", "100")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == ("audit chain broken at seq 2 (request_id req-1): edited: its fields do not match its "
                             "hash (changed after it was written)\n")
    assert _invoke(audit_app, "audit", "verify", "--batch-size", "5").exit_code == 2  # below the minimum


def test_audit_purge_follows_the_retention_period(app_config, database_url, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  content: true\n  days: 30\n", encoding="utf-8")
    app = build({**app_config, "DATABASE_URL": database_url, "POLICY_FILE": str(policy)})
    audit = app.extensions[EXTENSION]
    now = dt.datetime.now(dt.UTC)
    audit.record(make_record(time=now - dt.timedelta(days=31), content={"input": "old", "output": "old"}))
    audit.record(make_record(time=now - dt.timedelta(days=29), content={"input": "recent", "output": "recent"}))
    result = _invoke(app, "audit", "purge")
    assert result.exit_code == 0
    assert result.stdout.startswith("purged the content of 1 audit record(s) from before ")
    assert result.stdout.endswith(" UTC (content retention is on, for 30 days)\n")
    kept = [r["content"] for r in audit.store.records(now - dt.timedelta(days=40), now, include_content=True)]
    assert kept == [None, {"input": "recent", "output": "recent"}]
    assert _invoke(app, "audit", "verify").exit_code == 0
    audit.store.close()


def test_audit_purge_without_retention_removes_any_text_kept_earlier(audit_app):
    store = audit_app.extensions[EXTENSION].store
    store.append(make_record(time=dt.datetime.now(dt.UTC), content={"input": "kept while it was on"}))
    result = _invoke(audit_app, "audit", "purge")
    assert result.exit_code == 0 and result.stdout.startswith("purged the content of 1 audit record(s)")
    assert result.stdout.endswith("(content retention is off: any text kept earlier is removed)\n")


def test_the_commands_on_a_database_not_yet_upgraded(app_config, database_url):
    app = build({**app_config, "DATABASE_URL": database_url, "DATABASE_MIGRATE": False}, under_cli=True)
    for command in (("audit", "verify"), ("audit", "purge")):
        result = _invoke(app, *command)
        assert result.exit_code == 1
        assert result.stderr == ("Error: the audit store's schema is at none (empty database) and this version of "
                                 "Drafter needs 0001: run `flask --app server.wsgi db upgrade` first\n")
    result = _invoke(app, "db", "current")
    assert result.exit_code == 0 and result.stdout == (
        "audit store schema: none (empty database); this release needs 0001: run `flask --app server.wsgi db "
        "upgrade`\n")
    result = _invoke(app, "db", "upgrade")
    assert result.exit_code == 0 and result.stdout.startswith("audit store schema upgraded from none to 0001 (head): ")
    result = _invoke(app, "audit", "verify")
    assert result.exit_code == 0 and result.stdout.startswith("audit chain ok: 0 records, head seq 0 hash 0000")


def test_the_commands_on_an_unreachable_database_say_so_in_one_line(app_config):
    app = build({**app_config, "DATABASE_URL": UNREACHABLE}, under_cli=True)
    for command in (("db", "upgrade"), ("db", "current"), ("audit", "verify"), ("audit", "purge")):
        result = _invoke(app, *command)
        assert result.exit_code == 1, command
        assert result.stderr.startswith(f"Error: the audit store at {SAFE_UNREACHABLE} is unavailable: ")
        assert result.stderr.count("\n") == 1 and "s3cret" not in result.output


def test_db_current_names_a_revision_it_does_not_know(audit_app):
    execute(audit_app.extensions[EXTENSION].store, f"UPDATE {VERSION_TABLE} SET version_num = '0099'")
    result = _invoke(audit_app, "db", "current")
    assert result.exit_code == 1 and "revision '0099', which this version of Drafter does not know" in result.stderr


# ---- the real ways of starting ----

def _env(tmp_path, **settings) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
            "DRAFTER_AUTH_MODE": "dev", "DRAFTER_MODEL_PROVIDER": "openai",
            "DRAFTER_MODEL_BASE_URL": "http://127.0.0.1:9/v1", "DRAFTER_MODEL_NAME": "fake",
            "DRAFTER_LOG_LEVEL": "warning", **settings}


def test_flask_db_upgrade_works_where_the_service_would_refuse_to_start(tmp_path):
    env = _env(tmp_path, DRAFTER_DATABASE_MIGRATE="false")

    def flask(*args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "server.wsgi", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    current = flask("db", "current")
    assert current.returncode == 0, current.stderr
    assert current.stdout.startswith("audit store schema: none (empty database); this release needs 0001")
    upgraded = flask("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("audit store schema upgraded from none to 0001 (head): sqlite:///")
    verified = flask("audit", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("audit chain ok: 0 records")



def _gunicorn(tmp_path, port: int, **settings) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "server.wsgi:app", "--workers", "3",
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
                            cwd=ROOT, env=_env(tmp_path, **settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_gunicorn_refuses_to_start_on_a_database_not_yet_upgraded(tmp_path):
    proc = _gunicorn(tmp_path, free_port(), DRAFTER_DATABASE_MIGRATE="false")
    try:
        _, stderr = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"gunicorn kept running: {proc.communicate()[1][-2000:]}")
    assert proc.returncode != 0
    lines = {line for line in stderr.splitlines() if line.startswith("drafter: configuration error:")}
    assert lines == {"drafter: configuration error: DRAFTER_DATABASE_MIGRATE: the audit store's schema is at none "
                     "(empty database) and this version of Drafter needs 0001; run `flask --app server.wsgi db "
                     "upgrade` (or set DRAFTER_DATABASE_MIGRATE=true to upgrade at start-up)"}


def test_gunicorn_workers_starting_together_share_one_migrated_sqlite_file(tmp_path):
    port = free_port()
    proc = _gunicorn(tmp_path, port)
    try:
        wait_serving(proc, f"http://127.0.0.1:{port}", timeout=90)
        time.sleep(1.0)  # every worker has booted or failed by now
        assert proc.poll() is None
    finally:
        _, stderr = stop(proc, timeout=60)
    assert "configuration error" not in stderr and "Traceback" not in stderr, stderr[-2000:]
    assert "Worker failed to boot" not in stderr
    app = build(_env_config(tmp_path))
    store = app.extensions[EXTENSION].store
    with store.db.read() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 1
    store.close()


def _env_config(tmp_path) -> dict:
    return {"AUTH_MODE": "dev", "INSTANCE_PATH": str(tmp_path / "instance"), "MODEL_PROVIDER": "openai",
            "MODEL_BASE_URL": "http://127.0.0.1:9/v1", "MODEL_NAME": "fake", "DATABASE_MIGRATE": False}
