"""Alembic environment: always run programmatically by `amzorders.ledger.db.migrate` on its connection."""

from __future__ import annotations

from alembic import context

from amzorders.ledger.schema import metadata

# Any 64-bit constant: serialises concurrent migrations on PostgreSQL (SQLite uses BEGIN IMMEDIATE).
_MIGRATION_LOCK = 0x616D7A6F72646572

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("amzorders migrations run through amzorders.ledger.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    context.run_migrations()
