"""The audit store's schema through Alembic, on SQLite and the real PostgreSQL: empty to head, idempotent,
the same as the tables the code queries, safe when several workers start at once, and refusals."""
from __future__ import annotations

import multiprocessing

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from server.governance.migrate import (
    SchemaBehind,
    SchemaUnknown,
    alembic_config,
    ensure_schema,
    head_revision,
    read_revision,
    upgrade,
)
from server.governance.schema import GENESIS_HASH, VERSION_TABLE, audit_chain_head, metadata
from server.governance.store import AuditStore
from tests.audit_helpers import BACKENDS, backend_url, execute, make_record, upgrade_at_once

TABLES = {"audit_records", "audit_content", "audit_chain_head", "usage_daily", "governance_secrets", VERSION_TABLE}


@pytest.fixture(params=BACKENDS)
def empty_store(request, tmp_path):
    store = AuditStore(backend_url(request.param, request, tmp_path))
    yield store
    store.close()


def _tables(store) -> set[str]:
    with store.db.read() as connection:
        return set(inspect(connection).get_table_names())


def test_an_empty_database_is_upgraded_to_head_once(empty_store):
    assert head_revision() == "0001"
    assert read_revision(empty_store.db) is None and _tables(empty_store) == set()
    assert ensure_schema(empty_store.db, migrate=True) is None  # the revision found before upgrading
    assert read_revision(empty_store.db) == "0001" and _tables(empty_store) == TABLES
    with empty_store.db.read() as connection:
        assert connection.execute(select(audit_chain_head)).all() == [(1, 0, GENESIS_HASH)]
    # idempotent: at head, nothing happens, and the head row is not inserted twice
    assert ensure_schema(empty_store.db, migrate=True) == "0001"
    assert upgrade(empty_store.db) == ("0001", "0001")
    assert ensure_schema(empty_store.db, migrate=False) == "0001"
    with empty_store.db.read() as connection:
        assert len(connection.execute(select(audit_chain_head)).all()) == 1


def test_the_migrated_schema_is_the_one_the_code_queries(empty_store):
    ensure_schema(empty_store.db, migrate=True)
    with empty_store.db.read() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_workers_starting_together_on_an_empty_database_migrate_it_once(empty_store):
    context = multiprocessing.get_context("spawn")
    workers = 4
    start = context.Barrier(workers)
    url = empty_store.url.render_as_string(hide_password=False)
    processes = [context.Process(target=upgrade_at_once, args=(url, start)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(180)
    assert [process.exitcode for process in processes] == [0] * workers
    assert read_revision(empty_store.db) == "0001"
    with empty_store.db.read() as connection:
        assert connection.execute(select(audit_chain_head)).all() == [(1, 0, GENESIS_HASH)]
        assert connection.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar_one() == 1
    assert empty_store.append(make_record()) == 1 and empty_store.verify().ok


def test_without_migration_a_schema_behind_is_refused(empty_store):
    with pytest.raises(SchemaBehind) as caught:
        ensure_schema(empty_store.db, migrate=False)
    assert str(caught.value) == ("the audit store's schema is at none (empty database) and this version of Drafter "
                                 "needs 0001")
    assert _tables(empty_store) == set()  # nothing was created


def test_a_revision_this_release_does_not_know_is_refused(empty_store):
    ensure_schema(empty_store.db, migrate=True)
    execute(empty_store, f"UPDATE {VERSION_TABLE} SET version_num = '0099'")
    for migrate in (True, False):
        with pytest.raises(SchemaUnknown, match=r"at revision '0099', which this version of Drafter does not know"):
            ensure_schema(empty_store.db, migrate=migrate)
    with pytest.raises(SchemaUnknown):
        upgrade(empty_store.db)


def test_downgrade_to_nothing_and_up_again(empty_store):
    ensure_schema(empty_store.db, migrate=True)
    with empty_store.db.write() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert _tables(empty_store) == {VERSION_TABLE} and read_revision(empty_store.db) is None
    assert upgrade(empty_store.db) == (None, "0001") and _tables(empty_store) == TABLES


def test_alembic_alone_is_pointed_at_the_service_command():
    with pytest.raises(RuntimeError, match=r"run through `flask --app server.wsgi db upgrade`"):
        command.upgrade(alembic_config(None), "head")
