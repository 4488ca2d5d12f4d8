"""initial ledger, quota buckets and built-in store

Revision ID: 0001
Revises:
Create Date: 2026-11-27 00:13:07.219765
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Exact decimals: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC affinity would make them floats).
AMOUNT = sa.Numeric(18, 4).with_variant(sa.String(40), "sqlite")


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_locks",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_account_locks")),
    )
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seller_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_accounts")),
    )
    op.create_table(
        "quota_buckets",
        sa.Column("seller_id", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("burst", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seller_id", "operation", name=op.f("pk_quota_buckets")),
    )
    op.create_table(
        "reconciliation_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("unrepaired", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_reports")),
    )
    op.create_index(
        op.f("ix_reconciliation_reports_account_day"),
        "reconciliation_reports",
        ["account", "day"],
        unique=False,
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("orders_seen", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("parked", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_account_started"), "runs", ["account", "started_at"], unique=False)

    op.create_table(
        "store_customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shop", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_customers")),
        sa.UniqueConstraint("shop", "email", name=op.f("uq_store_customers_shop_email")),
    )
    op.create_table(
        "account_marketplaces",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"],
            ["accounts.name"],
            name=op.f("fk_account_marketplaces_account_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account", "marketplace_id", name=op.f("pk_account_marketplaces")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("amazon_order_id", sa.String(length=64), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=True),
        sa.Column("fulfilled_by", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_updated_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("importable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("pii_purged", sa.Boolean(), nullable=False),
        sa.Column("shop_state", sa.String(length=16), nullable=False),
        sa.Column("target_status", sa.String(length=32), nullable=True),
        sa.Column("shop_status", sa.String(length=32), nullable=True),
        sa.Column("shop_reference", sa.String(length=64), nullable=True),
        sa.Column("shop_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("park_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["account"], ["accounts.name"], name=op.f("fk_orders_account_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("account", "amazon_order_id", name=op.f("uq_orders_account_amazon_order_id")),
    )
    op.create_index(op.f("ix_orders_created"), "orders", ["account", "created_time"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["account", "status", "created_time"], unique=False)
    op.create_index(
        op.f("ix_orders_work"), "orders", ["account", "shop_state", "next_attempt_at"], unique=False
    )

    op.create_table(
        "store_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("line1", sa.String(length=255), nullable=False),
        sa.Column("line2", sa.String(length=255), nullable=True),
        sa.Column("line3", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=128), nullable=False),
        sa.Column("postal_code", sa.String(length=32), nullable=True),
        sa.Column("state_or_region", sa.String(length=128), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["store_customers.id"],
            name=op.f("fk_store_addresses_customer_id_store_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_addresses")),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("marketplace_group", sa.String(length=512), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"], ["accounts.name"], name=op.f("fk_sync_cursors_account_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account", "marketplace_group", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sweep_cursors",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("marketplace_group", sa.String(length=512), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"], ["accounts.name"], name=op.f("fk_sweep_cursors_account_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account", "marketplace_group", name=op.f("pk_sweep_cursors")),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_events_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index(op.f("ix_order_events_order_id"), "order_events", ["order_id"], unique=False)

    op.create_table(
        "store_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shop", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amazon_order_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("purchased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_by", sa.String(length=16), nullable=False),
        sa.Column("service_level", sa.String(length=32), nullable=True),
        sa.Column("programs", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("products_total", AMOUNT, nullable=False),
        sa.Column("tax_total", AMOUNT, nullable=False),
        sa.Column("shipping", AMOUNT, nullable=False),
        sa.Column("shipping_tax", AMOUNT, nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"], ["store_addresses.id"], name=op.f("fk_store_orders_address_id_store_addresses")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["store_customers.id"], name=op.f("fk_store_orders_customer_id_store_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_orders")),
        sa.UniqueConstraint("reference", name=op.f("uq_store_orders_reference")),
        sa.UniqueConstraint("shop", "amazon_order_id", name=op.f("uq_store_orders_shop_amazon_order_id")),
    )
    op.create_index(
        op.f("ix_store_orders_shop_created"), "store_orders", ["shop", "created_at"], unique=False
    )

    op.create_table(
        "store_order_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("asin", sa.String(length=16), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("tax", AMOUNT, nullable=False),
        sa.Column("amazon_item_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_order_lines_order_id_store_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_order_lines")),
    )
    op.create_index(op.f("ix_store_order_lines_order_id"), "store_order_lines", ["order_id"], unique=False)

    op.create_table(
        "store_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_store_status_history_order_id_store_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_status_history")),
    )
    op.create_index(
        op.f("ix_store_status_history_order_id"), "store_status_history", ["order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("store_status_history")
    op.drop_table("store_order_lines")
    op.drop_table("store_orders")
    op.drop_table("order_events")
    op.drop_table("sweep_cursors")
    op.drop_table("sync_cursors")
    op.drop_table("store_addresses")
    op.drop_table("orders")
    op.drop_table("account_marketplaces")
    op.drop_table("store_customers")
    op.drop_table("runs")
    op.drop_table("reconciliation_reports")
    op.drop_table("quota_buckets")
    op.drop_table("accounts")
    op.drop_table("account_locks")
