"""Alembic's environment for the audit store. server.governance.migrate hands it an open connection (in a
transaction that already holds the migration lock); there is no alembic.ini and no offline (--sql) mode."""
from alembic import context

from server.governance.schema import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the audit store's migrations run through `flask --app server.wsgi db upgrade`")

context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
