"""Daily reconciliation: Amazon's orders of one day against the ledger and the shop, repaired in place.

Amazon is listed by creation day (every status), recorded through the normal path, then each order is
compared with what the shop really holds. What the normal path can fix (a missing order, a status or
a cancellation not propagated) is put back on the to-do list and pushed at once; what it cannot (an
amount that differs, an order parked for a human) is reported as unrepaired.

The scheduled run lists on spare quota only, and a day of a few thousand orders needs more pages than
the quota spares at once: such a report says how far it listed (`listed_until`), and the scheduler's
hourly `resume_reconciliation` goes on from there until the day is complete, in the same report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from amzorders.amazon.constants import FulfillmentStatus
from amzorders.amazon.models import OrderParseError, OrderSummary, parse_order_summary
from amzorders.clock import format_instant, parse_instant
from amzorders.ledger.orders import Repair
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.shops.port import ShopOrder, ShopOrderStatus
from amzorders.sync.context import PassContext
from amzorders.sync.cursor import Window
from amzorders.sync.paging import search_created
from amzorders.sync.push import push
from amzorders.sync.rules import Action, decide, next_shop_state

MISSING_IN_SHOP = "missing_in_shop"
CANCEL_NOT_PROPAGATED = "cancel_not_propagated"
STATUS_MISMATCH = "status_mismatch"
AMOUNT_MISMATCH = "amount_mismatch"
UNREADABLE = "unreadable"
LEDGER_OUT_OF_DATE = "ledger_out_of_date"


@dataclass(slots=True)
class Discrepancy:
    amazon_order_id: str
    kind: str
    detail: str
    repaired: bool = False


@dataclass(slots=True)
class ReconciliationReport:
    account: str
    day: date
    checked_at: datetime
    amazon_orders: int = 0
    in_shop: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)
    report_id: int | None = None
    error: str | None = None  # the comparison could not finish (Amazon unreachable...)
    partial: str | None = None  # why only part of the day was listed (quota kept for the incremental)
    listed_until: datetime | None = None  # the day's orders created before this are listed and compared
    timezone: str = "UTC"  # whose day: the shop's (`SyncSettings.day_timezone`)
    carried: int = 0  # discrepancies found by the runs this one resumed (not stored: the list says it all)

    @property
    def unrepaired(self) -> list[Discrepancy]:
        return [d for d in self.discrepancies if not d.repaired]

    @property
    def unrepaired_found_now(self) -> list[Discrepancy]:
        """Unrepaired and found by this run, not by the runs it resumed (alerts tell each problem once)."""
        return [d for d in self.discrepancies[self.carried :] if not d.repaired]

    @property
    def ok(self) -> bool:
        """Nothing left to fix by hand (the CLI exits non-zero otherwise)."""
        return self.error is None and not self.unrepaired

    def log_line(self) -> str:
        """The reconciliation in one line of the service's log."""
        repaired = sum(d.repaired for d in self.discrepancies)
        line = (
            f"reconcile {self.account} {self.day.isoformat()}: {'ok' if self.ok else 'not ok'}; "
            f"{self.amazon_orders} Amazon orders compared, {len(self.discrepancies)} discrepancies, "
            f"{repaired} repaired, {len(self.unrepaired)} left"
        )
        if self.unrepaired:
            shown = ", ".join(f"{d.amazon_order_id} ({d.kind})" for d in self.unrepaired[:5])
            line += f" ({shown}{', ...' if len(self.unrepaired) > 5 else ''})"
        if self.partial:
            line += f"; {self.partial}"
        if self.error:
            line += f"; error: {self.error}"
        return line

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["carried"]
        data["day"] = self.day.isoformat()
        data["checked_at"] = self.checked_at.isoformat()
        data["listed_until"] = self.listed_until.isoformat() if self.listed_until else None
        data["unrepaired"] = len(self.unrepaired)
        return data

    @classmethod
    def resumed(cls, stored: Mapping[str, Any], *, report_id: int, at: datetime) -> ReconciliationReport:
        """A stored report, to be completed by a later run at `at` (which clears the error of the run
        that stopped it, if any, before it starts: its own outcome replaces it)."""
        listed_until = stored.get("listed_until")
        discrepancies = [
            Discrepancy(d["amazon_order_id"], d["kind"], d["detail"], d.get("repaired", False))
            for d in stored.get("discrepancies", ())
        ]
        return cls(
            account=stored["account"],
            day=date.fromisoformat(stored["day"]),
            checked_at=at,
            amazon_orders=stored.get("amazon_orders", 0),
            in_shop=stored.get("in_shop", 0),
            discrepancies=discrepancies,
            report_id=report_id,
            error=stored.get("error"),
            partial=stored.get("partial"),
            listed_until=parse_instant(listed_until) if listed_until else None,
            timezone=stored.get("timezone", "UTC"),  # reports stored before days had a time zone
            carried=len(discrepancies),
        )

    @property
    def day_bounds(self) -> tuple[datetime, datetime]:
        """The day's first instant and the next day's, midnight to midnight in the shop's time zone, as
        UTC instants (23 or 25 hours apart on the days clocks change)."""
        return local_day_bounds(self.day, self.timezone)

    def resumable(self) -> bool:
        """Stopped before the end of its day (quota, Amazon failing, or the day not over when it ran) with
        its progress kept."""
        stopped = self.partial is not None or self.error is not None
        return stopped and self.listed_until is not None and self.listed_until < self.day_bounds[1]


def local_day(instant: datetime, timezone: str) -> date:
    """The day `instant` falls on in `timezone` (an IANA name)."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def local_yesterday(now: datetime, timezone: str) -> date:
    """The day before `now`'s in `timezone`: what the daily reconciliation checks."""
    return local_day(now, timezone) - timedelta(days=1)


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """`day`'s first instant and the next day's in `timezone` (an IANA name), as UTC instants."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def reconcile(ctx: PassContext, report: ReconciliationReport, *, spare_quota: bool = False) -> None:
    """List Amazon's orders created on the report's day from where it stands (`listed_until`), compare,
    repair.

    An explicit run lists the rest of the day at once and waits for quota as long as it takes. On spare
    quota (the scheduler's runs) the day is listed in pieces of about a page each, cut where the ledger's
    own orders say a page ends, and each piece is compared as soon as it is complete; a run that would
    wait for quota stops between pages, and `listed_until` keeps where the next run goes on
    (`SyncEngine.resume_reconciliation`). Orders of a piece left half-listed are recorded through the
    normal path but compared only when their piece is listed again, so that no order counts twice."""
    day_start, day_end = report.day_bounds
    end = min(day_end, ctx.clock.now() - ctx.settings.visibility_delay)
    start = max(report.listed_until or day_start, day_start)
    report.listed_until = start  # kept if the run stops: the next one goes on from here
    ctx.summary.window = (start, end)
    max_wait_s = ctx.settings.spare_quota_max_wait_s if spare_quota else None
    previous: set[str] = set()  # the last piece's orders: a bound Amazon treats as inclusive lists them twice
    for piece in _pieces(ctx, start, end, cut=spare_quota):
        listed = _Listed(skip=previous)
        complete = search_created(ctx, piece.after, piece.before, on_page=listed.add, max_wait_s=max_wait_s)
        if not complete:
            report.partial = (
                f"listed up to {format_instant(report.listed_until)} "
                f"({report.amazon_orders} order(s)): searchOrders quota kept for the incremental import; "
                "the rest is listed on spare quota later"
            )
            return
        _compare_listed(ctx, listed, report)
        report.listed_until, previous = piece.before, set(listed.seen)
    report.listed_until = max(report.listed_until, end)
    report.partial = None
    if end < day_end:  # a day not over yet (or within Amazon's visibility delay of its end)
        report.partial = (
            f"listed up to {format_instant(end)} ({report.amazon_orders} order(s)): the day was not over; "
            "the rest is listed once it is"
        )


@dataclass(slots=True)
class _Listed:
    """The orders one piece of the day listed (parsed for the comparison; unreadable ones reported)."""

    skip: set[str] = field(default_factory=set)
    seen: dict[str, OrderSummary] = field(default_factory=dict)
    unreadable: list[Discrepancy] = field(default_factory=list)

    def add(self, raw_orders: list[dict]) -> None:
        for raw in raw_orders:
            try:
                order = parse_order_summary(raw)
            except OrderParseError as exc:
                self.unreadable.append(Discrepancy(exc.order_id or "?", UNREADABLE, str(exc)))
                continue
            if order.order_id not in self.skip:
                self.seen[order.order_id] = order


def _pieces(ctx: PassContext, start: datetime, end: datetime, *, cut: bool) -> Iterator[Window]:
    """[start, end) whole, or (`cut`) in pieces holding about a page of the ledger's orders each: a run
    stopped by quota then loses at most the piece it was in, instead of the whole day's listing."""
    if not cut:
        yield Window(start, end)
        return
    rows = max(1, ctx.settings.max_results_per_page - _ROOM_FOR_THE_UNKNOWN)
    after = start
    while after < end:
        boundary = ctx.orders.creation_boundary(ctx.account.name, after, end, rows)
        before = end if boundary is None else max(boundary, after + _SHORTEST_PIECE)
        yield Window(after, before)
        after = before


# The ledger knows nearly every order: a piece of `max_results_per_page` minus these fits in one call
# unless Amazon has more of them than the ledger (what a reconciliation is for), and then takes two.
# Spare quota is what limits a reconciliation (5,000 orders a day: ~35 calls a day), so pieces are cut
# near full pages, not at the import's `PAGE_FILL`.
_ROOM_FOR_THE_UNKNOWN = 5
_SHORTEST_PIECE = timedelta(seconds=1)  # more than a page created in one second: it pages through them


def _compare_listed(ctx: PassContext, listed: _Listed, report: ReconciliationReport) -> None:
    """Compare one listed piece with the ledger and the shop, repair what the normal path can."""
    seen = listed.seen
    report.discrepancies.extend(listed.unreadable)
    report.amazon_orders += len(seen) + len(listed.unreadable)
    ledger = ctx.orders.shop_standing(ctx.account.name, list(seen))
    repairs: list[Repair] = []
    found: list[tuple[Discrepancy, int]] = []
    in_shop = _shop_orders(ctx.shop, list(seen))
    for amazon in seen.values():
        shop_order = in_shop.get(amazon.order_id)
        report.in_shop += shop_order is not None
        row = ledger.get(amazon.order_id)
        for discrepancy, repair in _compare(amazon, shop_order, row):
            report.discrepancies.append(discrepancy)
            if repair is not None and row is not None:
                repairs.append(Repair(row.id, *repair, compared_version=amazon.last_updated_time))
                found.append((discrepancy, row.id))
    applied = ctx.orders.apply_repairs(repairs, at=ctx.clock.now(), also=ctx.heartbeat)
    if applied:
        push(ctx, only_ids=sorted(applied))
    for discrepancy, row_id in found:
        if row_id in applied:
            discrepancy.repaired = _consistent(ctx, seen[discrepancy.amazon_order_id])
        else:  # the import recorded a newer version meanwhile: its plan stands, the push carries it out
            discrepancy.detail += "; Amazon's order changed meanwhile: its newer version is imported instead"
            discrepancy.repaired = True


def _shop_orders(shop, amazon_order_ids: list[str]) -> dict[str, ShopOrder]:
    """The shop's orders for these ids: one batch query when the shop offers it (built-in store)."""
    find_many = getattr(shop, "find_by_amazon_ids", None)
    if find_many is not None:
        return find_many(amazon_order_ids)
    found = ((order_id, shop.find_by_amazon_id(order_id)) for order_id in amazon_order_ids)
    return {order_id: order for order_id, order in found if order is not None}


def _compare(amazon: OrderSummary, shop_order: ShopOrder | None, row):
    """Discrepancies of one order, each with the repair that fixes it (None: needs a human)."""
    shop_status = shop_order.status if shop_order is not None else None
    decision = decide(amazon.fulfillment_status, amazon.fulfilled_by, shop_status=shop_status)
    parked = (
        row is not None and row.shop_state == ShopState.PARKED and row.park_reason != ParkReason.UNKNOWN_SKU
    )
    why_parked = f"; parked: {row.last_error}" if parked else ""
    reference = shop_order.reference if shop_order is not None else None

    def repair(reason: str):
        if parked or row is None:
            return None
        state = next_shop_state(decision, current=None, park_reason=None)
        return (state, decision.target, reason, reference, shop_status)

    if shop_order is None:
        if row is not None and row.shop_state == ShopState.PREVIOUS:
            return  # the previous importer's (switch-over): its orders are not visible to amzorders
        if decision.action is Action.CREATE:
            detail = f"Amazon {amazon.fulfillment_status}, not in the shop{why_parked}"
            yield Discrepancy(amazon.order_id, MISSING_IN_SHOP, detail), repair("missing in the shop")
        return
    if decision.action is Action.UPDATE:
        if decision.target is ShopOrderStatus.CANCELLED:
            detail = f"cancelled on Amazon, {shop_status} in the shop"
            yield Discrepancy(amazon.order_id, CANCEL_NOT_PROPAGATED, detail), repair("cancel not propagated")
        else:
            detail = f"Amazon {amazon.fulfillment_status}, shop {shop_status}"
            yield Discrepancy(amazon.order_id, STATUS_MISMATCH, detail), repair("status mismatch")
    elif row is not None and (row.shop_reference != reference or row.shop_status != shop_status):
        # The shop is right but the ledger lost track (e.g. a crash after creation): realign silently.
        yield (
            Discrepancy(amazon.order_id, LEDGER_OUT_OF_DATE, f"shop {reference} {shop_status}"),
            repair("ledger realigned"),
        )
    if (
        amazon.fulfillment_status != FulfillmentStatus.CANCELLED
        and amazon.grand_total is not None
        and amazon.grand_total.currency == shop_order.total.currency
        and not amazon.grand_total.same_to_the_cent(shop_order.total)
    ):
        detail = f"Amazon {amazon.grand_total}, shop {shop_order.total}"
        yield Discrepancy(amazon.order_id, AMOUNT_MISMATCH, detail), None


def _consistent(ctx: PassContext, amazon: OrderSummary) -> bool:
    shop_order = ctx.shop.find_by_amazon_id(amazon.order_id)
    shop_status = shop_order.status if shop_order is not None else None
    decision = decide(amazon.fulfillment_status, amazon.fulfilled_by, shop_status=shop_status)
    return decision.action not in (Action.CREATE, Action.UPDATE)
