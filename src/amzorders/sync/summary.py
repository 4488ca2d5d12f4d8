"""`RunSummary`: what one pass did, recorded in the ledger's `runs` table and returned to the caller.

The engine fills it; the operator (app/operations.py) hands the same object to the CLI, the cron URLs and
the dashboard, after classifying an Amazon error as `refused` or `unavailable`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from amzorders.clock import format_instant

# What `as_json` reports, in this order (the instants go between `outcome` and the counts).
_COUNTS = ("pages", "api_calls", "orders_seen", "created", "updated", "cancelled", "failed", "parked")

# What a log line counts (zeros left out).
_LOGGED_COUNTS = (
    ("orders_seen", "seen"),
    ("created", "created"),
    ("updated", "updated"),
    ("cancelled", "cancelled"),
    ("failed", "failed"),
    ("parked", "parked"),
)


@dataclass(slots=True)
class RunSummary:
    kind: str  # incremental | pending_watch | recheck | doublecheck | push | reconcile
    account: str
    started_at: datetime
    finished_at: datetime | None = None
    window: tuple[datetime, datetime] | None = None
    pages: int = 0
    api_calls: int = 0
    orders_seen: int = 0
    new_orders: int = 0
    changed_orders: int = 0
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    failed: int = 0
    parked: int = 0
    outcome: str = "ok"  # ok | busy | error; the operator may turn an error into refused | unavailable
    error: str | None = None
    problems: list[str] = field(default_factory=list)  # per-order issues (unreadable JSON, shop refusals)
    # How the run paced itself (quota pressure, a pause, a safety net postponed): logged, not an error.
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def duration_s(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def log_line(self) -> str:
        """The run in one line of the service's log: what it did, what went wrong, how long it took."""
        counts = ", ".join(
            f"{getattr(self, name)} {label}" for name, label in _LOGGED_COUNTS if getattr(self, name)
        )
        line = f"{self.kind} {self.account}: {self.outcome}; {counts or 'nothing new'}; "
        line += f"{self.api_calls} API calls; {self.duration_s:.1f} s"
        if self.error:
            line += f"; error: {self.error}"
        if self.problems:
            more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
            line += "; " + "; ".join(self.problems[:3]) + more
        return line

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = self.duration_s
        return data

    def as_json(self) -> dict[str, Any]:
        """The run as `--json` and the cron URLs report it: counts and instants, without the window and
        the per-order problems (those are in the ledger's `runs` row)."""
        return {
            "kind": self.kind,
            "account": self.account,
            "outcome": self.outcome,
            "started_at": format_instant(self.started_at),
            "finished_at": format_instant(self.finished_at or self.started_at),
            **{name: getattr(self, name) for name in _COUNTS},
            "error": self.error,
        }

    def ledger_values(self) -> dict[str, Any]:
        """The columns of the `runs` row."""
        window_start, window_end = self.window if self.window else (None, None)
        error = self.error
        if self.problems:
            listed = "; ".join(self.problems[:20])
            error = f"{error}; {listed}" if error else listed
        return {
            "kind": self.kind,
            "account": self.account,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "window_start": window_start,
            "window_end": window_end,
            "pages": self.pages,
            "api_calls": self.api_calls,
            "orders_seen": self.orders_seen,
            "created": self.created,
            "updated": self.updated,
            "cancelled": self.cancelled,
            "failed": self.failed,
            "parked": self.parked,
            "outcome": self.outcome,
            "error": error,
        }
