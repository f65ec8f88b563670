"""`flask --app server.wsgi db upgrade | db current` and `flask --app server.wsgi audit verify | audit purge`.

Each prints one line. A failure is one line on stderr and exit status 1: a broken chain (naming its first
broken record), a schema behind this release, or a store that cannot be reached (never with its password).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from server.errors import StoreUnavailable
from server.governance.chain import ChainReport
from server.governance.migrate import (
    UPGRADE_COMMAND,
    SchemaUnknown,
    head_revision,
    known_revisions,
    read_revision,
    upgrade,
)
from server.governance.retention import Retention

db_cli = AppGroup("db", help="The audit store's schema (Alembic migrations).")
audit_cli = AppGroup("audit", help="The audit trail: verify its hash chain, purge retained content.")


@contextmanager
def _store():
    """The app's audit (app.extensions["drafter.audit"]); store failures become one-line errors, and the
    store's connections are closed when the command ends."""
    audit = current_app.extensions["drafter.audit"]
    try:
        yield audit
    except StoreUnavailable as exc:
        raise click.ClickException(exc.message) from None
    except SchemaUnknown as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        audit.store.close()


def _require_current_schema(store) -> None:
    current, head = read_revision(store.db), head_revision()
    if current != head:
        raise click.ClickException(f"the audit store's schema is at {current or 'none (empty database)'} and this "
                                   f"version of Drafter needs {head}: run `{UPGRADE_COMMAND}` first")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the audit store's schema to this release (safe while the service runs, and when current)."""
    with _store() as audit:
        before, after = upgrade(audit.store.db)
        if before == after:
            click.echo(f"audit store schema already at {after} (head): {audit.store.safe_url}")
        else:
            click.echo(f"audit store schema upgraded from {before or 'none'} to {after} (head): "
                       f"{audit.store.safe_url}")


@db_cli.command("current")
def db_current() -> None:
    """Show the audit store's schema revision and whether it is this release's."""
    with _store() as audit:
        current, head = read_revision(audit.store.db), head_revision()
        if current == head:
            click.echo(f"audit store schema: {current} (head): {audit.store.safe_url}")
        elif current is None or current in known_revisions():
            click.echo(f"audit store schema: {current or 'none (empty database)'}; this release needs {head}: "
                       f"run `{UPGRADE_COMMAND}`")
        else:
            raise SchemaUnknown(current)


@audit_cli.command("verify")
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(100, 100_000),
              help="Records read per query.")
def audit_verify(batch_size: int) -> None:
    """Check every audit record's hash chain; exit 1 naming the first broken record."""
    with _store() as audit:
        _require_current_schema(audit.store)
        report: ChainReport = audit.store.verify(batch_size=batch_size)
    if not report.ok:
        click.echo(str(report), err=True)
        click.get_current_context().exit(1)
    click.echo(str(report))


def _describe(retention: Retention) -> str:
    if retention.content:
        return f"content retention is on, for {retention.days} days"
    if retention.days is not None:
        return f"content retention is off; text kept earlier is removed after {retention.days} days"
    return "content retention is off: any text kept earlier is removed"


@audit_cli.command("purge")
def audit_purge() -> None:
    """Delete retained document and model text older than the policy's retention period (records stay)."""
    with _store() as audit:
        _require_current_schema(audit.store)
        cutoff = audit.retention.cutoff(dt.datetime.now(dt.UTC))
        deleted = audit.store.purge_content(cutoff)
    click.echo(f"purged the content of {deleted} audit record(s) from before {cutoff:%Y-%m-%d %H:%M:%S} UTC "
               f"({_describe(audit.retention)})")

