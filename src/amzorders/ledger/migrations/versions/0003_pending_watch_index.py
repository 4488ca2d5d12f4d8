"""the status index also carries status_since and next_check_at (the pending watch reads it alone)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = ["account", "status", "created_time"]
_NEW = [*_OLD, "status_since", "next_check_at"]


def upgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders")
    op.create_index("ix_orders_status", "orders", _NEW)


def downgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders")
    op.create_index("ix_orders_status", "orders", _OLD)
