"""The audit and usage store: one hash-chained record per job, daily usage counters, retained content.

Pure Python over SQLAlchemy Core: SQLite (one file shared by every worker process) or PostgreSQL (shared by
every instance). Appends serialize on the one-row chain head, locked in the append's own transaction
(PostgreSQL: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE), so seq stays gap-free and each record's
prev_hash is the hash of the record before it, whatever the number of processes and instances.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from server.errors import StoreUnavailable
from server.governance import usage
from server.governance.audit_record import HASHED, canonical_json, record_hash, validate
from server.governance.chain import ChainReport, ChainVerifier
from server.governance.engine import ProcessEngine, parse_url, safe_url, unavailable
from server.governance.schema import audit_chain_head, audit_content, audit_records, governance_secrets, usage_daily

log = logging.getLogger(__name__)
HEAD_ID = 1
VERIFY_BATCH = 5000
PSEUDONYM_KEY = "pseudonym_key"
JSON_FIELDS = ("findings", "guard_actions", "label")
RECORD_COLUMNS = [audit_records.c[name] for name in ("seq", *HASHED, "prev_hash", "hash")]


class AuditStore:
    """`url`: sqlite:////path/file.sqlite3 or postgresql://... (postgres:// and postgresql+psycopg:// too).
    Raises ValueError for a URL it cannot use; database failures raise StoreUnavailable."""

    def __init__(self, url: str):
        self.url = parse_url(url)
        self._db = ProcessEngine(self.url)
        self._pseudonym_key: bytes | None = None
        self._hot: dict | None = None

    def __repr__(self) -> str:
        return f"AuditStore({safe_url(self.url)!r})"

    @property
    def db(self) -> ProcessEngine:
        return self._db

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    def close(self) -> None:
        """Close pooled connections (connections are made again on the next use)."""
        self._db.dispose()

    @contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except (DBAPIError, PoolTimeout) as exc:  # PoolTimeout: every pooled connection busy for 30 s
            raise unavailable(exc, self.url) from None

    def ping(self) -> None:
        with self._failures(), self._db.read() as connection:
            connection.execute(select(audit_chain_head.c.seq).limit(1)).all()

    # ---- writing ----

    def append(self, record: dict) -> int:
        """Store one job's record (see audit_record for its fields) and return its seq. ValueError for a bad
        record; StoreUnavailable when the database fails."""
        fields, content = validate(record)
        row = {name: canonical_json(fields[name]) if name in JSON_FIELDS and fields[name] is not None
               else fields[name] for name in HASHED}
        statements = self._statements()
        with self._failures(), self._db.write() as connection:
            head = connection.execute(statements["head"]).one_or_none()
            if head is None:
                raise StoreUnavailable("the audit chain's head row is missing: run `flask audit verify`")
            seq = head.seq + 1
            digest = record_hash(fields, seq, head.hash)
            try:
                connection.execute(statements["record"], {**row, "seq": seq, "prev_hash": head.hash, "hash": digest})
            except IntegrityError:
                raise StoreUnavailable(f"audit record {seq} already exists past the chain head: the chain was "
                                       "changed outside Drafter; run `flask audit verify`") from None
            connection.execute(statements["move_head"], {"new_seq": seq, "new_hash": digest})
            connection.execute(statements["usage"], {
                "day": fields["time"].date(), "tenant_id": fields["tenant_id"], "user_id": fields["user_id"],
                "requests": 1, "prompt_tokens": fields["prompt_tokens"],
                "completion_tokens": fields["completion_tokens"]})
            if content is not None:
                connection.execute(statements["content"], {"seq": seq, "time": fields["time"], **content})
        log.debug("audit record %s appended (request %s, outcome %s)", seq, fields["request_id"], fields["outcome"])
        return seq

    def _statements(self) -> dict:
        """The hot path's statements, built once per store: values come as parameters at execution, so
        SQLAlchemy compiles each once (a statement rebuilt per call with .values() costs milliseconds here)."""
        if self._hot is None:
            dialect_insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
            upsert = dialect_insert(usage_daily)
            self._hot = {
                "head": select(audit_chain_head.c.seq, audit_chain_head.c.hash)
                .where(audit_chain_head.c.id == HEAD_ID).with_for_update(),
                "record": insert(audit_records),
                "move_head": update(audit_chain_head).where(audit_chain_head.c.id == HEAD_ID)
                .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")),
                "usage": upsert.on_conflict_do_update(
                    index_elements=[usage_daily.c.day, usage_daily.c.tenant_id, usage_daily.c.user_id],
                    set_={"requests": usage_daily.c.requests + 1,
                          "prompt_tokens": usage_daily.c.prompt_tokens + upsert.excluded.prompt_tokens,
                          "completion_tokens": usage_daily.c.completion_tokens + upsert.excluded.completion_tokens}),
                "content": insert(audit_content),
                "tokens_user": select(func.coalesce(func.sum(usage_daily.c.prompt_tokens
                                                             + usage_daily.c.completion_tokens), 0))
                .where(usage_daily.c.day == bindparam("day"), usage_daily.c.tenant_id == bindparam("tenant_id"),
                       usage_daily.c.user_id == bindparam("user_id")),
                "tokens_tenant": select(func.coalesce(func.sum(usage_daily.c.prompt_tokens
                                                               + usage_daily.c.completion_tokens), 0))
                .where(usage_daily.c.day == bindparam("day"), usage_daily.c.tenant_id == bindparam("tenant_id")),
            }
        return self._hot

    def purge_content(self, before: dt.datetime) -> int:
        """Delete retained content of records older than `before` (aware); the records and chain stay."""
        if not isinstance(before, dt.datetime) or before.tzinfo is None:
            raise ValueError("purge_content: before must be a timezone-aware datetime")
        with self._failures(), self._db.write() as connection:
            deleted = connection.execute(audit_content.delete().where(audit_content.c.time < before)).rowcount
        log.info("audit content purged: %s records' content older than %s", deleted, before.isoformat())
        return deleted

    # ---- reading ----

    def tokens_used_today(self, tenant_id: str, user_id: str | None = None, day: dt.date | None = None) -> int:
        """Prompt + completion tokens recorded on `day` (default: today, UTC) for the tenant, or one user."""
        day = day or dt.datetime.now(dt.UTC).date()
        statements = self._statements()
        query, params = ((statements["tokens_tenant"], {"day": day, "tenant_id": tenant_id}) if user_id is None else
                         (statements["tokens_user"], {"day": day, "tenant_id": tenant_id, "user_id": user_id}))
        with self._failures(), self._db.read() as connection:
            return int(connection.execute(query, params).scalar_one())

    def records(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime, *, tenant_id: str | None = None,
                user_id: str | None = None, include_content: bool = False, pseudonymous: bool = False,
                batch_size: int = 1000) -> Iterator[dict]:
        """Records with start <= time < end, in seq order, fetched in batches. A date means that UTC day, so
        records(date(2026, 1, 1), date(2026, 1, 31)) covers all of January. `pseudonymous` puts a pseudonym
        in user_id and drops the UPN (for exports)."""
        low, high = usage.time_range(start, end)
        where = [audit_records.c.time >= low, audit_records.c.time < high]
        if tenant_id is not None:
            where.append(audit_records.c.tenant_id == tenant_id)
        if user_id is not None:
            where.append(audit_records.c.user_id == user_id)
        columns = list(RECORD_COLUMNS)
        query = select(*columns)
        if include_content:
            query = select(*columns, audit_content.c.input, audit_content.c.output).select_from(
                audit_records.outerjoin(audit_content, audit_content.c.seq == audit_records.c.seq))
        last = 0
        while True:
            with self._failures(), self._db.read() as connection:
                rows = connection.execute(query.where(audit_records.c.seq > last, *where)
                                          .order_by(audit_records.c.seq).limit(batch_size)).all()
            if not rows:
                return
            for row in rows:
                yield self._public_record(row, include_content, pseudonymous)
            last = rows[-1].seq

    def _public_record(self, row, include_content: bool, pseudonymous: bool) -> dict:
        record = {"seq": row.seq, **_fields_from_row(row), "hash": row.hash}
        if pseudonymous:
            record["user_id"] = self.pseudonym(record["tenant_id"], record["user_id"])
            record["upn"] = None
        if include_content:
            kept = row.input is not None or row.output is not None
            record["content"] = {"input": row.input, "output": row.output} if kept else None
        return record

    def usage_report(self, start: dt.date, end: dt.date, *, tenant_id: str | None = None, top: int = 10) -> dict:
        """Usage for the UTC days start..end (inclusive) as server.governance.usage.report describes."""
        self._pseudonym_key or self._load_pseudonym_key()  # before the report's read, not inside it
        with self._failures(), self._db.read() as connection:
            return usage.report(connection, start, end, tenant_id=tenant_id, top=top, pseudonym=self.pseudonym)

    # ---- pseudonyms ----

    def pseudonym(self, tenant_id: str, user_id: str) -> str:
        """A stable id for a user that does not reveal their object id: HMAC-SHA256 of tenant and oid under a
        per-deployment key kept in the database (so every instance agrees)."""
        key = self._pseudonym_key or self._load_pseudonym_key()
        digest = hmac.new(key, f"{tenant_id}\n{user_id}".encode(), hashlib.sha256).hexdigest()
        return f"user-{digest[:20]}"

    def _load_pseudonym_key(self) -> bytes:
        select_key = select(governance_secrets.c.value).where(governance_secrets.c.name == PSEUDONYM_KEY)
        with self._failures(), self._db.write() as connection:
            value = connection.execute(select_key).scalar_one_or_none()
            if value is None:  # the first use; another process may race us, and the insert keeps the first key
                dialect_insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
                connection.execute(dialect_insert(governance_secrets)
                                   .values(name=PSEUDONYM_KEY, value=secrets.token_hex(32))
                                   .on_conflict_do_nothing(index_elements=[governance_secrets.c.name]))
                value = connection.execute(select_key).scalar_one()
        self._pseudonym_key = bytes.fromhex(value)
        return self._pseudonym_key

    # ---- verification ----

    def verify(self, batch_size: int = VERIFY_BATCH) -> ChainReport:
        """Check the whole chain in seq order, batch by batch (constant memory), against its head row.

        The head is read first: records appended while this runs lie past it and are left for the next run."""
        head_query = select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(audit_chain_head.c.id == HEAD_ID)
        with self._failures(), self._db.read() as connection:
            head = connection.execute(head_query).one_or_none()
        if head is None:
            return ChainReport(False, 0, 0, "", None, None, "head_mismatch", "the chain's head row is missing")
        verifier = ChainVerifier(head.seq, head.hash)
        last = 0
        while True:
            batch = and_(audit_records.c.seq > last, audit_records.c.seq <= head.seq)
            try:
                with self._failures(), self._db.read() as connection:
                    rows = connection.execute(select(*RECORD_COLUMNS).where(batch)
                                              .order_by(audit_records.c.seq).limit(batch_size)).all()
            except ValueError:  # a time edited into something SQLite's text no longer parses as
                return self._verify_row_by_row(verifier, batch, batch_size)
            for row in rows:
                broken = verifier.check(row.seq, row.request_id, _fields_or_none(row), row.prev_hash, row.hash)
                if broken is not None:
                    return broken
            if len(rows) < batch_size:
                break
            last = rows[-1].seq
        return verifier.finish(self._records_past_head(head))

    def _verify_row_by_row(self, verifier: ChainVerifier, batch, batch_size: int) -> ChainReport:
        """The slow path for a batch holding an unreadable row: read its rows one by one to name it."""
        with self._failures(), self._db.read() as connection:
            seqs = connection.execute(select(audit_records.c.seq, audit_records.c.request_id).where(batch)
                                      .order_by(audit_records.c.seq).limit(batch_size)).all()
            for seq, request_id in seqs:
                try:
                    row = connection.execute(select(*RECORD_COLUMNS).where(audit_records.c.seq == seq)).one()
                    fields = _fields_or_none(row)
                except ValueError:
                    row, fields = None, None
                broken = verifier.check(seq, request_id, fields, row.prev_hash if row else "",
                                        row.hash if row else "")
                if broken is not None:
                    return broken
        raise StoreUnavailable("the audit store returned an unreadable record and then could not find it again")

    def _records_past_head(self, head) -> int:
        """Records beyond the head once it has stopped moving; 0 when appends moved it on meanwhile."""
        with self._failures(), self._db.read() as connection:
            now = connection.execute(select(audit_chain_head.c.seq).where(audit_chain_head.c.id == HEAD_ID)
                                     ).scalar_one_or_none()
            if now != head.seq:
                return 0
            return connection.execute(select(func.count()).select_from(audit_records)
                                      .where(audit_records.c.seq > head.seq)).scalar_one()


def _fields_from_row(row) -> dict:
    """A row selected as RECORD_COLUMNS (seq, the hashed fields, ...) as the fields that were hashed."""
    fields = dict(zip(HASHED, row[1:1 + len(HASHED)], strict=True))
    for name in JSON_FIELDS:
        if fields[name] is not None:
            fields[name] = json.loads(fields[name])
    return fields


def _fields_or_none(row) -> dict | None:
    try:
        fields = _fields_from_row(row)
    except ValueError:  # a JSON column that no longer parses
        return None
    return fields if isinstance(fields["time"], dt.datetime) else None
