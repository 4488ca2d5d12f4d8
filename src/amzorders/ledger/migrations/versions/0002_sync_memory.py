"""sync memory: what the import learned about a marketplace group, kept across processes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_memory",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("marketplace_group", sa.String(length=512), nullable=False),
        sa.Column("settled_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("density", sa.Float(), nullable=True),
        sa.Column("sweep_density", sa.Float(), nullable=True),
        sa.Column("lagged_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"], ["accounts.name"], name=op.f("fk_sync_memory_account_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account", "marketplace_group", name=op.f("pk_sync_memory")),
    )


def downgrade() -> None:
    op.drop_table("sync_memory")
