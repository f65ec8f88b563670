"""The audit store's tables (SQLAlchemy Core). Alembic's migrations create them; this module describes them
for queries, and a test checks that the two agree.

- audit_records: one row per job, hash-chained (seq, prev_hash, hash); no document or model text.
- audit_content: the text of a job, only when content retention is on; a separate table so purging it never
  touches a hashed row.
- audit_chain_head: one row (id 1) holding the last seq and hash. Appends lock it, which serializes them
  across processes and instances, and it lets verification notice that the last record was deleted.
- usage_daily: requests and tokens per UTC day, tenant and user, updated in the append's transaction, so a
  quota check is one primary-key lookup.
- governance_secrets: per-deployment secrets kept beside the data (the pseudonym key), so every instance
  sharing the database derives the same pseudonyms.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

GENESIS_HASH = "0" * 64  # the prev_hash of record 1
VERSION_TABLE = "drafter_alembic_version"  # not Alembic's default name: the database may be shared


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both backends: PostgreSQL keeps timestamptz, SQLite a naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

audit_records = Table(
    "audit_records", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", UTCDateTime, nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("tenant_id", String(128), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("upn", String(320)),
    Column("host", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("preset", String(128)),
    Column("model", String(200)),
    Column("endpoint", String(500)),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("latency_ms", Integer, nullable=False),
    Column("ttft_ms", Integer),
    Column("outcome", String(20), nullable=False),
    Column("error_code", String(64)),
    Column("findings", Text, nullable=False),       # canonical JSON {type: count}
    Column("guard_actions", Text, nullable=False),  # canonical JSON {type: action}
    Column("label", Text),                          # canonical JSON or NULL
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_records_time", "time"),
    Index("ix_audit_records_tenant_time", "tenant_id", "time"),
    Index("ix_audit_records_request_id", "request_id"),
)

audit_content = Table(
    "audit_content", metadata,
    Column("seq", BigInteger, ForeignKey("audit_records.seq", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("time", UTCDateTime, nullable=False),  # the record's time, for purging by date without a join
    Column("input", Text),
    Column("output", Text),
    Index("ix_audit_content_time", "time"),
)

audit_chain_head = Table(
    "audit_chain_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

usage_daily = Table(
    "usage_daily", metadata,
    Column("day", Date, primary_key=True),
    Column("tenant_id", String(128), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("requests", BigInteger, nullable=False),
    Column("prompt_tokens", BigInteger, nullable=False),
    Column("completion_tokens", BigInteger, nullable=False),
)

governance_secrets = Table(
    "governance_secrets", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),
)
