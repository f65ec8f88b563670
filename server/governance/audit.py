"""The AuditLog extension: the audit store of one app, its schema checked at start-up, and its CLI commands.

`AuditLog().init_app(app)` keeps an `Audit` in app.extensions["drafter.audit"]; the request path calls
`current_app.extensions["drafter.audit"].record({...})` once per job. The store is DRAFTER_DATABASE_URL, or
SQLite at instance/audit.sqlite3. At start-up a schema behind this release is upgraded (under a lock, so
workers starting together do it once) when DRAFTER_DATABASE_MIGRATE is true; otherwise, or when the
database cannot be reached, the app refuses to start with one line (ConfigError).

Under the `flask` command line the schema is left alone at load: `flask db upgrade` must be able to load the
app that would refuse to serve, and `flask manifest build` has no need of a database.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlalchemy.engine import URL

from server.config import PREFIX, ConfigError
from server.errors import StoreUnavailable
from server.governance.audit_cli import audit_cli, db_cli
from server.governance.migrate import UPGRADE_COMMAND, SchemaBehind, SchemaUnknown, ensure_schema
from server.governance.retention import Retention, parse_retention
from server.governance.store import AuditStore

log = logging.getLogger(__name__)
EXTENSION = "drafter.audit"
DEFAULT_FILE = "audit.sqlite3"
READY_CACHE_SECONDS = 5.0


@dataclass(eq=False)
class Audit:
    """One app's audit trail: the store, and the settings that decide what a record may carry."""

    store: AuditStore
    retention: Retention
    record_upn: bool
    _ready: tuple[float, str | None] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, record: dict) -> int:
        """Append one job's record; returns its seq. The UPN is kept only with DRAFTER_AUDIT_UPN, content only
        with content retention on. ValueError for a bad record, StoreUnavailable when the store fails."""
        record = dict(record)
        if not self.record_upn:
            record.pop("upn", None)
        if not self.retention.content:
            record.pop("content", None)
        return self.store.append(record)

    def readiness(self) -> str | None:
        """None when the store answers, else a short reason (for /readyz); cached briefly."""
        now = time.monotonic()
        with self._lock:
            if self._ready and now - self._ready[0] < READY_CACHE_SECONDS:
                return self._ready[1]
        try:
            self.store.ping()
            problem = None
        except StoreUnavailable as exc:
            problem = exc.message
        with self._lock:
            self._ready = (time.monotonic(), problem)
        return problem


def default_url(instance_path: str) -> str:
    return URL.create("sqlite", database=str(Path(instance_path) / DEFAULT_FILE)).render_as_string()


def _under_flask_cli() -> bool:
    return click.get_current_context(silent=True) is not None


def check_schema(store: AuditStore, *, migrate: bool) -> None:
    """The start-up check, as one-line ConfigErrors."""
    try:
        ensure_schema(store.db, migrate=migrate)
    except SchemaBehind as exc:
        raise ConfigError(f"{PREFIX}DATABASE_MIGRATE: {exc}; run `{UPGRADE_COMMAND}` (or set "
                          f"{PREFIX}DATABASE_MIGRATE=true to upgrade at start-up)") from None
    except SchemaUnknown as exc:
        raise ConfigError(f"{PREFIX}DATABASE_URL: {exc}") from None
    except StoreUnavailable as exc:
        raise ConfigError(f"{PREFIX}DATABASE_URL: {exc.message}") from None
    finally:
        store.close()  # no pooled connection outlives start-up, so none is inherited across gunicorn's fork


class AuditLog:
    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        try:
            retention = parse_retention((app.extensions.get("drafter.policy") or {}).get("retention"))
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}POLICY_FILE: {exc}") from None
        try:
            store = AuditStore(app.config.get("DATABASE_URL") or default_url(app.instance_path))
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}DATABASE_URL: {exc}") from None
        if not _under_flask_cli():
            check_schema(store, migrate=app.config.get("DATABASE_MIGRATE", True))
        app.extensions[EXTENSION] = Audit(store, retention, bool(app.config.get("AUDIT_UPN")))
        log.info("audit store: %s; content retention %s", store.safe_url,
                 f"on, {retention.days} days" if retention.content else "off")
        app.cli.add_command(db_cli)
        app.cli.add_command(audit_cli)
