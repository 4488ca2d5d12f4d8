"""Ledger tables (SQLAlchemy Core). Alembic migrations under `migrations/` create exactly these.

Instants are stored as timezone-aware timestamps; the same schema runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per (seller account, SP-API operation): the quota governor's token bucket, shared by every
# process (cron runs, the server, simulations) that uses this database.
quota_buckets = Table(
    "quota_buckets",
    metadata,
    Column("seller_id", String(64), primary_key=True),
    Column("operation", String(64), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("rate", Float, nullable=False),  # tokens per second
    Column("burst", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("blocked_until", DateTime(timezone=True), nullable=True),  # backoff after an unexpected 429
)
