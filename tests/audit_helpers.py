"""Helpers for the audit store's tests: records, backends, tampering, and the bodies of worker processes
(module-level, so multiprocessing's spawn start method can import them)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

BACKENDS = ("sqlite", "postgresql")
NOW = dt.datetime(2026, 3, 4, 12, 30, 15, 123456, tzinfo=dt.UTC)


def make_record(**overrides) -> dict:
    record = {
        "time": NOW, "request_id": "req-00000001", "tenant_id": "tenant-a", "user_id": "oid-1",
        "host": "word", "action": "rewrite", "model": "gpt-4o", "endpoint": "https://api.example.test/v1",
        "prompt_tokens": 120, "completion_tokens": 80, "latency_ms": 900, "outcome": "ok",
    }
    record.update(overrides)
    return record


def backend_url(backend: str, request, tmp_path) -> str:
    """A fresh, empty database of the backend: a SQLite file under tmp_path, or a schema of its own."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def execute(store, sql: str, **params) -> None:
    """Tamper with the database directly, as someone with write access to it could."""
    with store.db.write() as connection:
        connection.execute(text(sql), params)


def append_many(url: str, worker: int, count: int, start) -> None:
    """A worker process: wait for the others, then append `count` records as user oid-<worker>."""
    from server.governance.store import AuditStore

    store = AuditStore(url)
    try:
        start.wait(60)
        for index in range(count):
            store.append(make_record(request_id=f"worker{worker}-{index:04d}", user_id=f"oid-{worker}",
                                     time=dt.datetime.now(dt.UTC)))
    finally:
        store.close()


def upgrade_at_once(url: str, start) -> None:
    """A worker process starting up: the start-up schema check, with migration on; exits non-zero unless the
    schema ends at head."""
    from server.governance.migrate import ensure_schema, head_revision, read_revision
    from server.governance.store import AuditStore

    store = AuditStore(url)
    try:
        start.wait(60)
        ensure_schema(store.db, migrate=True)
        if read_revision(store.db) != head_revision():
            raise SystemExit(2)
    finally:
        store.close()
