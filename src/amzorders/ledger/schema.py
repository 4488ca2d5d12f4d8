"""Ledger tables (SQLAlchemy Core). Alembic migrations under `migrations/` create exactly these.

Instants are stored as timezone-aware timestamps; the same schema runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

from amzorders.clock import ensure_utc

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


# --- Types ---------------------------------------------------------------------------------------------


class Instant(TypeDecorator):
    """A timezone-aware UTC instant on both engines.

    SQLite has no time zones: values are stored as naive UTC text (which sorts correctly) and come back
    aware. PostgreSQL stores `timestamptz`; values come back converted to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect):
        """On SQLite, write the naive UTC text directly, in the format SQLAlchemy's DateTime writes
        (microseconds always present, so stored values compare and sort as text)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value):
            if value is None:
                return None
            if value.__class__ is datetime and value.tzinfo is UTC:
                # The common case (every clock and parser here gives UTC): the text up to the offset.
                return value.isoformat(" ", "microseconds")[:26]
            if not isinstance(value, datetime):
                raise TypeError(f"an Instant must be a datetime, got {type(value).__name__} {value!r}")
            return ensure_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype):
        """On SQLite, parse the stored naive UTC text with `fromisoformat` (several times faster than the
        generic regex parse on the hot read paths); anything unusual takes the generic path."""
        generic = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or generic is None:
            return generic
        fromisoformat = datetime.fromisoformat

        def process(value):
            if value.__class__ is str:
                try:
                    parsed = fromisoformat(value)
                except ValueError:
                    return generic(value)
                if parsed.tzinfo is None:
                    return parsed.replace(tzinfo=UTC)
            return generic(value)

        return process


class Amount(TypeDecorator):
    """An exact Decimal amount: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC is a float)."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"Amount columns take Decimal, got {type(value).__name__}")
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Accounts, cursors ---------------------------------------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seller_id", String(64), nullable=False),
    Column("created_at", Instant, nullable=False),
)

account_marketplaces = Table(
    "account_marketplaces",
    metadata,
    Column("account", String(64), ForeignKey("accounts.name", ondelete="CASCADE"), primary_key=True),
    Column("marketplace_id", String(32), primary_key=True),
)

# The incremental pass's position on Amazon's lastUpdatedTime clock, per account and marketplace group.
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("account", String(64), ForeignKey("accounts.name", ondelete="CASCADE"), primary_key=True),
    Column("marketplace_group", String(512), primary_key=True),
    Column("position", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

# The late-index sweep's position (same clock, an hour behind): kept apart so that "the cursor" of an
# account stays the incremental one for whoever reads `sync_cursors` (lag metrics, dashboard).
sweep_cursors = Table(
    "sweep_cursors",
    metadata,
    Column("account", String(64), ForeignKey("accounts.name", ondelete="CASCADE"), primary_key=True),
    Column("marketplace_group", String(512), primary_key=True),
    Column("position", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

# What the import learned about a marketplace group, kept across processes (a cron job started per run
# behaves as a long-lived service): the stretch of lastUpdatedTime it read at least `late_sweep_lag` after
# Amazon could have indexed it (the late-index sweep jumps over it; written with the cursor that settled
# it), the rows per second of lastUpdatedTime it saw (how it sizes windows; approximate by nature), and
# since when it reads only up to the sweep's lag (`passes._edge_delay`).
sync_memory = Table(
    "sync_memory",
    metadata,
    Column("account", String(64), ForeignKey("accounts.name", ondelete="CASCADE"), primary_key=True),
    Column("marketplace_group", String(512), primary_key=True),
    Column("settled_start", Instant),
    Column("settled_end", Instant),
    Column("density", Float),
    Column("sweep_density", Float),
    Column("lagged_since", Instant),
    Column("updated_at", Instant, nullable=False),
)

# --- Orders --------------------------------------------------------------------------------------------

# Every Amazon order ever seen: its latest snapshot and where it stands with the shop.
# shop_state: waiting | to_create | created | to_update | failed | parked | cancelled | previous
orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), ForeignKey("accounts.name", ondelete="CASCADE"), nullable=False),
    Column("amazon_order_id", String(64), nullable=False),
    Column("marketplace_id", String(32), nullable=True),
    Column("fulfilled_by", String(16), nullable=True),
    Column("status", String(32), nullable=False),  # Amazon's fulfillmentStatus of the latest snapshot
    Column("created_time", Instant, nullable=True),  # null only for an unreadable order
    Column("last_updated_time", Instant, nullable=True),
    Column("first_seen_at", Instant, nullable=False),
    Column("last_seen_at", Instant, nullable=False),
    Column("status_since", Instant, nullable=False),  # when we first saw the current status
    Column("last_checked_at", Instant, nullable=True),  # last getOrder by the pending watch
    Column("next_check_at", Instant, nullable=True),  # when the pending watch may read it again
    Column("importable_at", Instant, nullable=True),  # first time we saw it importable
    Column("snapshot", Text, nullable=False),  # latest Amazon JSON (PII purged after the retention)
    Column("pii_purged", Boolean, nullable=False, default=False),
    Column("shop_state", String(16), nullable=False),
    Column("target_status", String(32), nullable=True),  # ShopOrderStatus the shop should show
    Column("shop_status", String(32), nullable=True),  # ShopOrderStatus the shop shows (last we set)
    Column("shop_reference", String(64), nullable=True),
    Column("shop_created_at", Instant, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Instant, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("park_reason", String(16), nullable=True),  # data | rejected | unknown_sku
    UniqueConstraint("account", "amazon_order_id"),
    Index("ix_orders_work", "account", "shop_state", "next_attempt_at"),
    # status_since and next_check_at ride along for the pending watch's query (`pending_to_watch`): it
    # filters every PENDING order on them, from the index alone instead of reading each ~2 KB row.
    Index("ix_orders_status", "account", "status", "created_time", "status_since", "next_check_at"),
    Index("ix_orders_created", "account", "created_time"),
)

# Append-only history per order: what we saw and what we did.
order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", Instant, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=True),
    Column("detail", Text, nullable=True),
)

# --- Runs, reports, locks ------------------------------------------------------------------------------

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("account", String(64), nullable=False),
    Column("started_at", Instant, nullable=False),
    Column("finished_at", Instant, nullable=True),
    Column("window_start", Instant, nullable=True),
    Column("window_end", Instant, nullable=True),
    Column("pages", Integer, nullable=False, default=0),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("orders_seen", Integer, nullable=False, default=0),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("cancelled", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("parked", Integer, nullable=False, default=0),
    Column("outcome", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Index("ix_runs_account_started", "account", "started_at"),
)

reconciliation_reports = Table(
    "reconciliation_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("problems", Integer, nullable=False),
    Column("unrepaired", Integer, nullable=False),
    Column("report", Text, nullable=False),  # JSON
    Index("ix_reconciliation_reports_account_day", "account", "day"),
)

# One row per held lock ("<account>/<scope>": one pass of one account); a crashed holder's lock expires.
account_locks = Table(
    "account_locks",
    metadata,
    Column("account", String(64), primary_key=True),  # the lock key
    Column("holder", String(64), nullable=False),
    Column("acquired_at", Instant, nullable=False),
    Column("expires_at", Instant, nullable=False),
)

# --- The built-in store (amzorders.shops.builtin) --------------------------------------------------------

store_customers = Table(
    "store_customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shop", String(64), nullable=False),
    Column("email", String(255), nullable=True),
    Column("name", String(255), nullable=True),
    Column("created_at", Instant, nullable=False),
    UniqueConstraint("shop", "email"),
)

store_addresses = Table(
    "store_addresses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", Integer, ForeignKey("store_customers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("company", String(255), nullable=True),
    Column("line1", String(255), nullable=False),
    Column("line2", String(255), nullable=True),
    Column("line3", String(255), nullable=True),
    Column("city", String(128), nullable=False),
    Column("postal_code", String(32), nullable=True),
    Column("state_or_region", String(128), nullable=True),
    Column("country_code", String(2), nullable=False),
    Column("phone", String(64), nullable=True),
)

store_orders = Table(
    "store_orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shop", String(64), nullable=False),
    Column("reference", String(64), nullable=False, unique=True),
    Column("amazon_order_id", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("marketplace_id", String(32), nullable=False),
    Column("customer_id", Integer, ForeignKey("store_customers.id"), nullable=False),
    Column("address_id", Integer, ForeignKey("store_addresses.id"), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("purchased_at", Instant, nullable=False),
    Column("fulfilled_by", String(16), nullable=False),
    Column("service_level", String(32), nullable=True),
    Column("programs", String(255), nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("products_total", Amount, nullable=False),  # lines, tax excluded
    Column("tax_total", Amount, nullable=False),  # lines' tax
    Column("shipping", Amount, nullable=False),
    Column("shipping_tax", Amount, nullable=False),
    Column("total", Amount, nullable=False),  # Amazon's grand total
    Column("created_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    UniqueConstraint("shop", "amazon_order_id"),  # one shop order per Amazon order, ever
    Index("ix_store_orders_shop_created", "shop", "created_at"),
)

store_order_lines = Table(
    "store_order_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "order_id", Integer, ForeignKey("store_orders.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("asin", String(16), nullable=True),
    Column("title", String(500), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount, nullable=False),
    Column("tax", Amount, nullable=False),
    Column("amazon_item_id", String(64), nullable=True),
)

store_status_history = Table(
    "store_status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "order_id", Integer, ForeignKey("store_orders.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("status", String(32), nullable=False),
    Column("at", Instant, nullable=False),
)
