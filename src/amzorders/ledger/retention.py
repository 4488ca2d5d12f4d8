"""PII retention: buyer and recipient data leave the ledger's snapshots once an order is old enough.

The ledger keeps each order's last Amazon snapshot to create and repair shop orders; past the configured
retention (`sync.pii_retention_days`) only the business facts are needed, so the personal parts go and an
event says when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, insert, or_, select

from amzorders import jsoncodec
from amzorders.ledger.batch import update_by_id
from amzorders.ledger.schema import order_events, orders

PII_KEYS = ("buyer", "recipient")


class PiiRetention:
    engine: Engine

    def purge_pii(self, created_before: datetime, *, batch_size: int = 500) -> int:
        """Remove buyer and recipient data from snapshots of orders created before the cutoff.

        The rows are locked as they are read (PostgreSQL; SQLite's writers take turns): a newer version
        written meanwhile would otherwise be overwritten with the older snapshot, purged."""
        purged = 0
        c = orders.c
        while True:
            with self.engine.begin() as conn:
                rows = conn.execute(
                    select(c.id, c.snapshot)
                    .where(c.pii_purged.is_(False), _created_before(created_before))
                    .order_by(c.id)
                    .limit(batch_size)
                    .with_for_update()
                ).all()
                if not rows:
                    return purged
                cleaned = [
                    {"_id": row.id, "snapshot": without_pii(row.snapshot), "pii_purged": True} for row in rows
                ]
                conn.execute(update_by_id(("snapshot", "pii_purged"), guard_last_updated=False), cleaned)
                conn.execute(
                    insert(order_events),
                    [
                        {
                            "order_id": row.id,
                            "at": created_before,
                            "kind": "pii_purged",
                            "status": None,
                            "detail": None,
                        }
                        for row in rows
                    ],
                )
                purged += len(rows)


def _created_before(cutoff: datetime):
    """Created before the cutoff; an order Amazon sent unreadable has no creation time in the ledger (its
    snapshot may still name the buyer): first seen before it."""
    c = orders.c
    return or_(c.created_time < cutoff, and_(c.created_time.is_(None), c.first_seen_at < cutoff))


def without_pii(snapshot: str) -> str:
    """The snapshot's JSON without its personal parts ("{}" for text that is not JSON)."""
    try:
        data = jsoncodec.loads(snapshot)
    except ValueError:
        return "{}"
    if isinstance(data, dict):
        for key in PII_KEYS:
            data.pop(key, None)
    return jsoncodec.dumps(data)
