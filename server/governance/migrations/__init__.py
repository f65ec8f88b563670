"""Alembic migrations of the audit store; run through server.governance.migrate (`flask db upgrade`)."""
