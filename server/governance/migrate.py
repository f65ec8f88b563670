"""The audit store's schema: its revision, and upgrades through Alembic, run from Python (no alembic.ini).

An upgrade runs under a lock, in one transaction with the migrations themselves, so several workers or
instances starting at once upgrade once and the others then find the schema current: a PostgreSQL advisory
lock (per schema), or SQLite's write lock (BEGIN IMMEDIATE).
"""
from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from server.governance.engine import ProcessEngine, safe_url, unavailable
from server.governance.schema import VERSION_TABLE

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "flask --app server.wsgi db upgrade"


class SchemaBehind(Exception):
    def __init__(self, current: str | None, head: str):
        super().__init__(f"the audit store's schema is at {current or 'none (empty database)'} and this version "
                         f"of Drafter needs {head}")
        self.current, self.head = current, head


class SchemaUnknown(Exception):
    def __init__(self, current: str):
        super().__init__(f"the audit store's schema is at revision {current!r}, which this version of Drafter "
                         "does not know (was it upgraded by a newer release?)")
        self.current = current


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return _scripts().get_current_head()


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def read_revision(db: ProcessEngine) -> str | None:
    try:
        with db.read() as connection:
            return current_revision(connection)
    except DBAPIError as exc:
        raise unavailable(exc, db.url) from None


def _lock_key(schema: str) -> int:
    """A signed 64-bit advisory lock key for migrating this schema."""
    digest = hashlib.sha256(f"drafter.migrate:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def upgrade(db: ProcessEngine, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade under the migration lock; (revision before, revision after). Raises StoreUnavailable."""
    try:
        with db.write() as connection:  # SQLite: BEGIN IMMEDIATE, the write lock, is the migration lock
            if connection.dialect.name == "postgresql":
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(schema)})
            before = current_revision(connection)  # read under the lock: another worker may have just upgraded
            if before is not None and before not in known_revisions():
                raise SchemaUnknown(before)
            command.upgrade(alembic_config(connection), target)
            after = current_revision(connection)
    except DBAPIError as exc:
        raise unavailable(exc, db.url) from None
    if after != before:
        log.info("audit store schema upgraded from %s to %s (%s)", before or "none", after, safe_url(db.url))
    return before, after


def ensure_schema(db: ProcessEngine, *, migrate: bool) -> str | None:
    """Make sure the schema is at head: upgrade it when `migrate`, else raise SchemaBehind. Returns the
    revision found before any upgrade. Raises SchemaUnknown, StoreUnavailable."""
    current, head = read_revision(db), head_revision()
    if current == head:
        return current
    if current is not None and current not in known_revisions():
        raise SchemaUnknown(current)
    if not migrate:
        raise SchemaBehind(current, head)
    upgrade(db)
    return current
