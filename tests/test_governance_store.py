"""The audit store on SQLite and on the real PostgreSQL: appends, the hash chain and its verification against
every kind of tampering, usage counters, retained content, concurrency across processes, and failures."""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import tracemalloc

import pytest
from sqlalchemy import func, insert, select

from server.errors import StoreUnavailable
from server.governance.audit_record import HASHED, canonical_json, record_hash, validate
from server.governance.migrate import ensure_schema
from server.governance.schema import GENESIS_HASH, audit_chain_head, audit_content, audit_records, usage_daily
from server.governance.store import AuditStore
from tests.audit_helpers import BACKENDS, NOW, append_many, backend_url, execute, make_record


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    store = AuditStore(backend_url(request.param, request, tmp_path))
    ensure_schema(store.db, migrate=True)
    yield store
    store.close()


def _fill(store, count: int) -> list[str]:
    """`count` records with request ids req-0001...; returns the ids."""
    ids = [f"req-{index:04d}" for index in range(1, count + 1)]
    for index, request_id in enumerate(ids):
        store.append(make_record(request_id=request_id, latency_ms=100 + index))
    return ids


def _count(store, table) -> int:
    with store.db.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


# ---- append and verify ----

def test_appends_get_gap_free_seqs_and_the_chain_verifies(store):
    assert [store.append(make_record(request_id=f"req-{n}")) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    report = store.verify()
    assert report.ok and report.count == 5 and report.head_seq == 5
    assert str(report) == f"audit chain ok: 5 records, head seq 5 hash {report.head_hash}"
    with store.db.read() as connection:
        rows = connection.execute(select(audit_records.c.seq, audit_records.c.prev_hash, audit_records.c.hash)
                                  .order_by(audit_records.c.seq)).all()
        head = connection.execute(select(audit_chain_head)).one()
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False))
    assert (head.seq, head.hash) == (5, rows[-1].hash) == (5, report.head_hash)


def test_an_empty_store_verifies(store):
    report = store.verify()
    assert report.ok and report.count == 0 and report.head_seq == 0 and report.head_hash == GENESIS_HASH


def test_a_record_reads_back_exactly_as_hashed(store):
    record = make_record(upn="ada@agency.gov", preset="ministerial-brief", ttft_ms=210, error_code=None,
                         findings={"ssn": 2, "email": 1}, guard_actions={"ssn": "redact", "email": "warn"},
                         label={"classification": "CUI", "mip_name": "Internal", "mip_id": "abc"},
                         endpoint="https://key:secret@api.example.test:8443/v1/chat?api-key=sk-123#x",
                         time=NOW.astimezone(dt.timezone(dt.timedelta(hours=-5))))
    seq = store.append(record)
    [stored] = store.records(NOW.date(), NOW.date())
    assert stored["seq"] == seq and stored["time"] == NOW and stored["time"].tzinfo == dt.UTC
    assert stored["endpoint"] == "https://api.example.test:8443/v1/chat"  # never a credential in the trail
    fields, _content = validate(record)
    assert {name: stored[name] for name in fields} == fields
    assert stored["hash"] == record_hash(fields, seq, GENESIS_HASH)
    assert "content" not in stored


def test_a_bad_record_is_refused_and_leaves_no_trace(store):
    with pytest.raises(ValueError, match="outcome must be one of"):
        store.append(make_record(outcome="maybe"))
    with pytest.raises(ValueError, match="missing field user_id"):
        store.append({key: value for key, value in make_record().items() if key != "user_id"})
    assert _count(store, audit_records) == 0 and _count(store, usage_daily) == 0
    assert store.append(make_record()) == 1  # the chain did not move


# ---- tampering: each kind found and named ----

@pytest.mark.parametrize(("change", "value"), [
    ("latency_ms = 1", None),
    ("outcome = 'blocked', user_id = 'oid-someone-else'", None),
    ("findings = :value", '{"ssn":9}'),
    ("preset = 'ministerial-brief'", None),
])
def test_verify_names_an_edited_record(store, change, value):
    ids = _fill(store, 5)
    execute(store, f"UPDATE audit_records SET {change} WHERE seq = 3", value=value)
    report = store.verify()
    assert not report.ok and (report.seq, report.request_id, report.problem) == (3, ids[2], "edited")
    assert report.count == 2
    assert str(report) == (f"audit chain broken at seq 3 (request_id {ids[2]}): edited: its fields do not match "
                           "its hash (changed after it was written)")


def test_verify_names_a_record_whose_field_no_longer_reads(store):
    ids = _fill(store, 4)
    execute(store, "UPDATE audit_records SET guard_actions = '{not json' WHERE seq = 2")
    report = store.verify()
    assert (report.seq, report.request_id, report.problem) == (2, ids[1], "edited")
    assert "no longer reads back" in report.detail


def test_verify_on_sqlite_names_a_record_whose_time_no_longer_parses(tmp_path):
    store = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    ensure_schema(store.db, migrate=True)
    ids = _fill(store, 4)
    execute(store, "UPDATE audit_records SET time = 'last tuesday' WHERE seq = 3")
    report = store.verify(batch_size=100)
    assert (report.seq, report.request_id, report.problem, report.count) == (3, ids[2], "edited", 2)
    store.close()


def test_verify_names_a_deleted_middle_record(store):
    ids = _fill(store, 5)
    execute(store, "DELETE FROM audit_records WHERE seq = 3")
    report = store.verify()
    assert (report.ok, report.seq, report.request_id, report.problem) == (False, 3, None, "missing")
    assert report.detail == f"record 3 is missing (deleted); the chain resumes at seq 4 (request_id {ids[3]})"


def test_verify_names_the_deleted_last_records(store):
    _fill(store, 5)
    execute(store, "DELETE FROM audit_records WHERE seq = 5")
    report = store.verify()
    assert (report.seq, report.problem) == (5, "missing")
    assert "record 5 is missing from the end (deleted): the chain head says the last record is seq 5" in str(report)
    execute(store, "DELETE FROM audit_records WHERE seq = 4")
    assert "records 4 to 5 are missing from the end" in store.verify().detail


def test_verify_names_reordered_records(store):
    ids = _fill(store, 5)
    # swap the places of records 2 and 3
    execute(store, "UPDATE audit_records SET seq = -1 WHERE seq = 2")
    execute(store, "UPDATE audit_records SET seq = 2 WHERE seq = 3")
    execute(store, "UPDATE audit_records SET seq = 3 WHERE seq = -1")
    report = store.verify()
    assert (report.seq, report.request_id, report.problem) == (2, ids[2], "reordered")
    assert report.detail.startswith("it was written as seq 3")


def test_verify_names_records_renumbered_to_hide_a_deletion(store):
    ids = _fill(store, 6)
    execute(store, "DELETE FROM audit_records WHERE seq = 3")
    for seq in (4, 5, 6):  # one by one: a primary key is checked row by row
        execute(store, "UPDATE audit_records SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    execute(store, "UPDATE audit_chain_head SET seq = 5")
    report = store.verify()
    assert (report.seq, report.request_id, report.problem) == (3, ids[3], "reordered")
    assert "written as seq 4" in report.detail


def test_verify_names_the_record_after_one_rewritten_with_a_fresh_hash(store):
    ids = _fill(store, 5)
    second, third = list(store.records(NOW.date(), NOW.date()))[1:3]
    fields = {name: third[name] for name in HASHED} | {"latency_ms": 1}
    # someone who knows the algorithm edits record 3 and hashes it again: record 4 still points at the old hash
    execute(store, "UPDATE audit_records SET latency_ms = 1, hash = :hash WHERE seq = 3",
            hash=record_hash(fields, 3, second["hash"]))
    report = store.verify()
    assert (report.seq, report.request_id, report.problem) == (4, ids[3], "broken_link")
    assert "its prev_hash is not the hash of record 3" in report.detail


def test_verify_names_a_changed_or_missing_head(store):
    _fill(store, 3)
    execute(store, "UPDATE audit_chain_head SET hash = :hash", hash="f" * 64)
    report = store.verify()
    assert (report.seq, report.problem) == (3, "head_mismatch")
    execute(store, "DELETE FROM audit_chain_head")
    report = store.verify()
    assert (report.ok, report.problem, report.detail) == (False, "head_mismatch", "the chain's head row is missing")
    with pytest.raises(StoreUnavailable, match="head row is missing"):
        store.append(make_record())


def test_a_record_slipped_in_past_the_head_is_found_and_blocks_appends(store):
    _fill(store, 2)
    with store.db.read() as connection:
        row = connection.execute(select(audit_records).where(audit_records.c.seq == 2)).one()
    forged = dict(row._mapping, seq=3, request_id="forged-1", prev_hash=row.hash)
    with store.db.write() as connection:
        connection.execute(insert(audit_records).values(**forged))
    report = store.verify()
    assert (report.seq, report.problem) == (3, "head_mismatch")
    assert "1 record(s) lie past the chain head" in report.detail
    with pytest.raises(StoreUnavailable, match="record 3 already exists past the chain head"):
        store.append(make_record())


def test_verify_reads_in_batches_and_finds_a_break_in_a_later_batch(store):
    ids = _fill(store, 7)
    assert store.verify(batch_size=2).ok and store.verify(batch_size=7).ok
    execute(store, "UPDATE audit_records SET prompt_tokens = 0 WHERE seq = 6")
    report = store.verify(batch_size=2)
    assert (report.seq, report.request_id, report.count) == (6, ids[5], 5)


def _bulk_chain(store, count: int) -> None:
    """`count` valid records written straight into the tables (appending them one by one takes minutes)."""
    prev, rows = GENESIS_HASH, []
    for seq in range(1, count + 1):
        fields, _ = validate(make_record(request_id=f"bulk-{seq:07d}", latency_ms=seq % 5000))
        digest = record_hash(fields, seq, prev)
        rows.append({**fields, **{name: canonical_json(fields[name]) for name in ("findings", "guard_actions")},
                     "label": None, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    with store.db.write() as connection:
        connection.execute(insert(audit_records), rows)
        connection.execute(audit_chain_head.update().values(seq=count, hash=prev))


def _verify_peak_memory(store, batch_size: int):
    tracemalloc.start()
    try:
        report = store.verify(batch_size=batch_size)
        return report, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_verify_streams_a_large_chain_in_bounded_memory(store):
    _bulk_chain(store, 6000)
    report, peak = _verify_peak_memory(store, batch_size=500)
    assert report.ok and report.count == 6000
    _, peak_all_at_once = _verify_peak_memory(store, batch_size=6000)
    # what one batch holds, not the chain: reading it all at once takes several times more
    assert peak < 3 * 1024 * 1024 and peak * 3 < peak_all_at_once, (peak, peak_all_at_once)


# ---- usage counters ----

def test_usage_counters_per_user_and_per_tenant(store):
    today = dt.datetime.now(dt.UTC)
    yesterday = today - dt.timedelta(days=1)
    store.append(make_record(time=today, prompt_tokens=100, completion_tokens=50))
    store.append(make_record(time=today, prompt_tokens=10, completion_tokens=5, outcome="redacted"))
    store.append(make_record(time=today, user_id="oid-2", prompt_tokens=7, completion_tokens=3))
    store.append(make_record(time=today, tenant_id="tenant-b", prompt_tokens=1000, completion_tokens=1000))
    store.append(make_record(time=yesterday, prompt_tokens=400, completion_tokens=400))
    store.append(make_record(time=today, outcome="blocked", prompt_tokens=0, completion_tokens=0))
    assert store.tokens_used_today("tenant-a", "oid-1") == 165
    assert store.tokens_used_today("tenant-a", "oid-2") == 10
    assert store.tokens_used_today("tenant-a") == 175
    assert store.tokens_used_today("tenant-b") == 2000
    assert store.tokens_used_today("tenant-a", "oid-1", day=yesterday.date()) == 800
    assert store.tokens_used_today("tenant-c") == 0 and store.tokens_used_today("tenant-a", "oid-9") == 0
    with store.db.read() as connection:
        row = connection.execute(select(usage_daily).where(usage_daily.c.user_id == "oid-1",
                                                           usage_daily.c.tenant_id == "tenant-a",
                                                           usage_daily.c.day == today.date())).one()
    assert (row.requests, row.prompt_tokens, row.completion_tokens) == (3, 110, 55)


# ---- retained content ----

def test_content_is_kept_only_when_given_and_purged_by_date_without_breaking_the_chain(store):
    old, new = NOW - dt.timedelta(days=40), NOW
    store.append(make_record(time=old, content={"input": "Dear Minister, the old text", "output": "Old answer"}))
    store.append(make_record(time=new, content={"input": "New text", "output": None}))
    store.append(make_record(time=new))
    assert _count(store, audit_content) == 2
    records = list(store.records(old.date(), new.date(), include_content=True))
    assert [record["content"] for record in records] == [
        {"input": "Dear Minister, the old text", "output": "Old answer"}, {"input": "New text", "output": None}, None]
    assert store.purge_content(NOW - dt.timedelta(days=30)) == 1
    assert [record["content"] for record in store.records(old.date(), new.date(), include_content=True)] == [
        None, {"input": "New text", "output": None}, None]
    assert store.verify().ok and store.verify().count == 3
    assert store.purge_content(NOW + dt.timedelta(seconds=1)) == 1 and _count(store, audit_content) == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        store.purge_content(dt.datetime(2026, 1, 1))


def test_no_text_reaches_the_hashed_records_table(store):
    store.append(make_record(content={"input": "SECRET-TEXT-123", "output": "MODEL-TEXT-456"}))
    with store.db.read() as connection:
        row = connection.execute(select(audit_records)).one()
    assert not any(isinstance(value, str) and ("SECRET-TEXT" in value or "MODEL-TEXT" in value)
                   for value in row)


# ---- concurrency ----

def test_appends_from_several_processes_keep_one_gap_free_chain(store):
    context = multiprocessing.get_context("spawn")
    workers, each = 4, 25
    start = context.Barrier(workers)
    processes = [context.Process(target=append_many, args=(str(store.url.render_as_string(hide_password=False)),
                                                           worker, each, start)) for worker in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(180)
    assert [process.exitcode for process in processes] == [0] * workers
    report = store.verify()
    assert report.ok and report.count == workers * each
    with store.db.read() as connection:
        seqs = connection.execute(select(audit_records.c.seq).order_by(audit_records.c.seq)).scalars().all()
        per_user = dict(connection.execute(select(usage_daily.c.user_id, func.sum(usage_daily.c.requests))
                                           .group_by(usage_daily.c.user_id)).all())
    assert seqs == list(range(1, workers * each + 1))
    assert {user: int(count) for user, count in per_user.items()} == {f"oid-{w}": each for w in range(workers)}


def _append_in_child(store, worker: int) -> None:
    for index in range(10):
        store.append(make_record(request_id=f"child{worker}-{index}", user_id=f"oid-{worker}"))


def test_a_store_used_before_a_fork_gives_each_child_its_own_connections(store):
    store.append(make_record(request_id="parent-0"))  # the parent's pool now holds a connection
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_append_in_child, args=(store, worker)) for worker in range(3)]
    for child in children:
        child.start()
    for index in range(1, 11):
        store.append(make_record(request_id=f"parent-{index}"))
    for child in children:
        child.join(120)
    assert [child.exitcode for child in children] == [0, 0, 0]
    report = store.verify()
    assert report.ok and report.count == 41


# ---- failures ----

def test_an_unreachable_postgresql_raises_store_unavailable_without_the_password():
    store = AuditStore("postgresql://drafter:s3cret-pass@127.0.0.1:1/audit")
    for call in (lambda: store.append(make_record()), store.verify, lambda: store.tokens_used_today("t")):
        with pytest.raises(StoreUnavailable) as caught:
            call()
        message = caught.value.message
        assert message.startswith("the audit store at postgresql+psycopg://drafter:***@127.0.0.1:1/audit is "
                                  "unavailable: ")
        assert "s3cret-pass" not in message and "\n" not in message
        assert caught.value.status == 503 and caught.value.code == "store_unavailable"


def test_a_password_in_the_query_string_is_masked_too():
    store = AuditStore("postgresql://drafter@127.0.0.1:1/audit?password=s3cret-pass&sslmode=disable")
    assert store.safe_url == "postgresql+psycopg://drafter@127.0.0.1:1/audit?password=***&sslmode=disable"
    assert "s3cret" not in repr(store)
    with pytest.raises(StoreUnavailable) as caught:
        store.verify()
    assert "s3cret-pass" not in caught.value.message and "password=***" in caught.value.message


def test_a_store_whose_schema_was_never_created_raises_store_unavailable(tmp_path):
    store = AuditStore(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(StoreUnavailable, match="no such table"):
        store.append(make_record())
    store.close()


def test_a_store_whose_connections_are_all_busy_raises_store_unavailable(tmp_path, monkeypatch):
    store = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    ensure_schema(store.db, migrate=True)
    pool = store.db.engine.pool
    monkeypatch.setattr(pool, "_timeout", 0.1)  # rather than 30 s
    held = [store.db.engine.connect() for _ in range(pool.size() + pool._max_overflow)]
    try:
        with pytest.raises(StoreUnavailable, match=r"is unavailable: QueuePool limit .* reached"):
            store.tokens_used_today("tenant-a")
    finally:
        for connection in held:
            connection.close()
    assert store.tokens_used_today("tenant-a") == 0
    store.close()


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u:pw@db.internal/audit", "postgresql+psycopg://u:pw@db.internal/audit"),
    ("postgresql://u@db.internal:5433/audit?sslmode=require",
     "postgresql+psycopg://u@db.internal:5433/audit?sslmode=require"),
    ("postgresql+psycopg://u@db.internal/audit", "postgresql+psycopg://u@db.internal/audit"),
    ("sqlite:////var/lib/drafter/audit.sqlite3", "sqlite:////var/lib/drafter/audit.sqlite3"),
])
def test_urls_map_postgresql_to_psycopg(url, expected):
    assert AuditStore(url).url.render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("not a url at all pw=hunter2", "not a database URL (expected sqlite:////absolute/path.sqlite3 or"),
    ("mysql://root:hunter2@db/audit", "mysql://root:***@db/audit: only SQLite and PostgreSQL are supported"),
    ("postgresql+psycopg2://root:hunter2@db/audit", "PostgreSQL is reached through psycopg 3"),
    ("sqlite://", "SQLite needs a file path (an in-memory database is not shared by the workers)"),
    ("sqlite:///:memory:", "SQLite needs a file path"),
    ("sqlite+aiosqlite:////tmp/x.sqlite3", "SQLite is reached through Python's sqlite3"),
])
def test_unusable_urls_are_refused_without_the_password(url, message):
    with pytest.raises(ValueError) as caught:
        AuditStore(url)
    assert message in str(caught.value) and "hunter2" not in str(caught.value)


def test_logs_carry_no_document_text_model_text_or_tokens(store, caplog):
    caplog.set_level(logging.DEBUG)
    access_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    store.append(make_record(content={"input": f"Patient SSN 078-05-1120 {access_token}", "output": "Rewritten"}))
    store.purge_content(NOW + dt.timedelta(days=1))
    store.verify()
    assert caplog.records, "the store logs what it does"
    assert all(secret not in caplog.text for secret in ("078-05-1120", access_token, "Rewritten", "Patient"))


def test_sqlite_runs_in_wal_mode_and_syncs_at_checkpoints(tmp_path):
    from server.governance.store import AuditStore

    store = AuditStore(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    try:
        with store.db.read() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        store.close()


def test_connections_opening_a_new_sqlite_file_together_all_get_wal_mode(tmp_path):
    # Switching to WAL takes an exclusive lock and SQLite answers "database is locked" at once, without its
    # busy handler, when connections opening a new file race for it: workers starting together failed so.
    import threading

    from server.governance.engine import make_engine, parse_url

    opened, failures = 0, []
    for attempt in range(40):
        url = parse_url(f"sqlite:///{tmp_path / f'race-{attempt}.sqlite3'}")
        engines = [make_engine(url) for _ in range(6)]  # one per worker: each opens its own first connection
        start = threading.Barrier(len(engines))

        def connect(engine, start=start):
            start.wait()
            try:
                with engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except Exception as exc:  # noqa: BLE001 - every failure is reported below
                failures.append(repr(exc))

        threads = [threading.Thread(target=connect, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for engine in engines:
            engine.dispose()
        opened += len(threads)
    assert failures == [] and opened == 240


def test_the_hot_statements_give_the_same_counts_as_the_records(store):
    # appends and token reads use statements built once with parameters: two users, two days
    import datetime as dt

    from tests.audit_helpers import make_record

    today = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    for user, day, tokens in (("u1", today, 10), ("u2", today, 5), ("u1", today, 7),
                              ("u1", today - dt.timedelta(days=1), 100)):
        store.append(make_record(user_id=user, time=day, prompt_tokens=tokens, completion_tokens=1))
    assert store.tokens_used_today(make_record()["tenant_id"], "u1", day=today.date()) == 19
    assert store.tokens_used_today(make_record()["tenant_id"], day=today.date()) == 25
    assert store.tokens_used_today(make_record()["tenant_id"], "u1", day=today.date() - dt.timedelta(days=1)) == 101
    assert store.verify().ok
