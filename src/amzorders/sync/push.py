"""Pushing due orders to the shop: create, move status, cancel; failures retried with backoff.

A shop failure never blocks anything else: the order stays `failed` (visible, retried with exponential
backoff), a refused order is `parked` with the shop's reason, an unknown SKU is parked and retried
periodically. Creation is idempotent on both sides (the ledger holds the shop reference; every shop
returns the existing order for an Amazon id), so a crash between the shop call and the ledger write
cannot make a second order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from amzorders.amazon.models import OrderParseError
from amzorders.ledger.orders import Known, LedgerOrder, ShopOutcome
from amzorders.ledger.shop_work import ActedOn, MovedOn
from amzorders.ledger.states import ParkReason, ShopState
from amzorders.shops.port import (
    OrderDraft,
    OrderRejected,
    ShopError,
    ShopOrder,
    ShopOrderStatus,
    ShopUnavailable,
    UnknownSku,
)
from amzorders.sync.context import PassContext
from amzorders.sync.rules import DraftError, build_draft, plan_status


@dataclass
class _Batch:
    outcomes: list[ShopOutcome]
    shop_down: bool = False


def push(ctx: PassContext, *, only_ids: Sequence[int] | None = None) -> None:
    """Work through every due order of the account, a batch at a time (keyset pages, bounded memory)."""
    after_id = 0
    while True:
        due = ctx.orders.due_for_shop(
            ctx.account.name,
            ctx.clock.now(),
            after_id=after_id,
            limit=ctx.settings.push_batch_size,
            only_ids=only_ids,
        )
        if not due:
            return
        after_id = due[-1].id
        batch = _push_batch(ctx, due)
        _record_outcomes(ctx, due, batch.outcomes)
        if batch.shop_down:
            ctx.summary.problems.append("the shop is unavailable: the remaining orders wait for the next run")
            return
        if len(due) < ctx.settings.push_batch_size:
            return  # that was the last batch: no need to ask again


# Outcomes of a shop call that changed the shop: planned again when Amazon's version moved on meanwhile.
_SHOP_CHANGED = frozenset({"shop_created", "shop_status", "shop_cancelled"})


def _record_outcomes(ctx: PassContext, due: list[LedgerOrder], outcomes: list[ShopOutcome]) -> None:
    """Write the outcomes, each for the row its shop call acted on (`ActedOn`). Another pass may change
    the row during the call (a PrestaShop batch takes minutes): the import records a newer version, the
    reconciliation repairs the plan, a human parks the order. None of them knew what the call did in the
    shop (an order cancelled while being created was left "to ship" there; a park by hand was undone),
    so such an outcome is planned again from the row as it now stands; a failed or idle call leaves the
    row's new plan as it is."""
    read = {order.id: ActedOn.of(order) for order in due}
    moved = ctx.orders.record_shop_outcomes(
        [replace(o, acted_on=read[o.order_id]) for o in outcomes], at=ctx.clock.now(), also=ctx.heartbeat
    )
    for _ in range(3):  # the row moving on again meanwhile: the reconciliation catches what is left
        _record_unwritten(ctx, moved)
        again = [_replanned(ctx, m) for m in moved if m.outcome.event in _SHOP_CHANGED]
        if not again:
            return
        moved = ctx.orders.record_shop_outcomes(again, at=ctx.clock.now(), also=ctx.heartbeat)


def _record_unwritten(ctx: PassContext, moved: list[MovedOn]) -> None:
    """A failed call (or a park the shop asked for) whose row changed meanwhile: the row's new plan
    stands (it is due again), and the call is still told in the order's history."""
    unwritten = [
        replace(
            m.outcome, detail=f"{m.outcome.detail} (the order changed during the call: its new plan stands)"
        )
        for m in moved
        if m.outcome.event in ("shop_failed", "parked")
    ]
    ctx.orders.record_unwritten(unwritten, at=ctx.clock.now())


def _replanned(ctx: PassContext, moved: MovedOn) -> ShopOutcome:
    """The outcome of a call that changed the shop, for the row as it now stands. An order parked during
    the call stays parked (a human decides), with the shop's order recorded so that a retry never creates
    it twice; otherwise the rules plan the row's Amazon status against what the shop now holds, as the
    newer version (or the repair) would have had it known."""
    now, outcome = moved.now, moved.outcome
    if _parked_meanwhile(outcome.acted_on, now):
        return replace(
            outcome,
            shop_state=ShopState.PARKED,
            park_reason=now.park_reason,
            last_error=moved.last_error,
            next_attempt_at=moved.next_attempt_at,
            detail=f"{outcome.detail} (parked during the shop call: stays parked)",
            acted_on=now,
        )
    known = Known(now.status, outcome.shop_state, outcome.shop_status, None)
    plan = plan_status(
        now.status, moved.fulfilled_by, known, fba_import_at_unshipped=ctx.settings.fba_import_at_unshipped
    )
    return replace(outcome, shop_state=plan.shop_state, target_status=plan.target_status, acted_on=now)


def _parked_meanwhile(read: ActedOn | None, now: ActedOn) -> bool:
    """Parked for a human (not for Amazon's data, re-planned on its next version) since the push read
    the row. A park the push was retrying (`retry` by hand) is not one: its call's outcome stands."""
    if now.shop_state != ShopState.PARKED or now.park_reason == ParkReason.DATA:
        return False
    return read is None or (read.shop_state, read.park_reason) != (now.shop_state, now.park_reason)


def _push_batch(ctx: PassContext, due: list[LedgerOrder]) -> _Batch:
    batch = _Batch(outcomes=[])
    creations: list[tuple[LedgerOrder, OrderDraft]] = []
    updates: list[LedgerOrder] = []
    for order in due:
        if order.shop_reference is not None:
            updates.append(order)
            continue
        if order.target_status == ShopOrderStatus.CANCELLED:  # cancelled, creation unconfirmed: look
            found = _look_up(ctx, order, batch)
            if found is not None:
                updates.append(found)
            if batch.shop_down:
                return batch
            continue
        if order.target_status is None:  # nothing to create (should not be due); settle it
            batch.outcomes.append(ShopOutcome(order.id, ShopState.WAITING, "settled"))
            continue
        try:
            draft = build_draft(
                ctx.orders.parsed(order),
                order.account,
                status=ShopOrderStatus(order.target_status),
            )
        except (DraftError, OrderParseError) as exc:
            batch.outcomes.append(_park(ctx, order, ParkReason.DATA, str(exc)))
            continue
        creations.append((order, draft))
    for order, result in _create_all(ctx, creations):
        if isinstance(result, ShopOrder):
            ctx.summary.created += 1
            batch.outcomes.append(
                ShopOutcome(
                    order.id,
                    ShopState.CANCELLED if result.status is ShopOrderStatus.CANCELLED else ShopState.CREATED,
                    "shop_created",
                    detail=result.reference,
                    shop_status=result.status,
                    shop_reference=result.reference,
                    shop_created_at=ctx.clock.now(),
                )
            )
            if result.status != order.target_status:  # the shop already had it, in another status
                batch.outcomes[-1] = replace(batch.outcomes[-1], shop_state=ShopState.TO_UPDATE)
        else:
            batch.outcomes.append(_failure(ctx, order, result))
            batch.shop_down = batch.shop_down or isinstance(result, ShopUnavailable)
    moves: list[tuple[LedgerOrder, ShopOrderStatus]] = []
    for order in updates:
        target = ShopOrderStatus(order.target_status) if order.target_status else None
        if target is None or target == order.shop_status:
            batch.outcomes.append(_settled(order))
        else:
            moves.append((order, target))
    if batch.shop_down:
        return batch
    for order, target, error in _move_all(ctx, moves):
        if error is None:
            batch.outcomes.append(_moved(ctx, order, target))
        else:
            batch.outcomes.append(_failure(ctx, order, error))
            batch.shop_down = batch.shop_down or isinstance(error, ShopUnavailable)
    return batch


def _look_up(ctx: PassContext, order: LedgerOrder, batch: _Batch) -> LedgerOrder | None:
    """An order Amazon cancelled while its creation was unconfirmed (`rules.creation_may_have_happened`):
    the shop's order, to be cancelled like any other, or None with the outcome in `batch` (not in the
    shop: settled; the lookup failed: retried with backoff)."""
    try:
        found = ctx.shop.find_by_amazon_id(order.amazon_order_id)
    except Exception as exc:
        batch.outcomes.append(_failure(ctx, order, exc))
        batch.shop_down = isinstance(exc, ShopUnavailable)
        return None
    if found is None:
        batch.outcomes.append(
            ShopOutcome(
                order.id,
                ShopState.CANCELLED,
                "settled",
                detail="cancelled on Amazon before its creation was confirmed: the shop does not have it",
            )
        )
        return None
    return replace(
        order,
        shop_reference=found.reference,
        shop_status=found.status,
        shop_created_at=order.shop_created_at or ctx.clock.now(),
    )


def _create_all(ctx: PassContext, creations: list[tuple[LedgerOrder, OrderDraft]]):
    """Create in one shop call when the shop offers a batch method, else one by one; isolate failures."""
    if not creations:
        return []
    create_many = getattr(ctx.shop, "create_orders", None)
    if create_many is not None and len(creations) > 1:
        try:
            created = create_many([draft for _, draft in creations])
            return list(zip((order for order, _ in creations), created, strict=True))
        except ShopUnavailable as exc:
            return [(order, exc) for order, _ in creations]
        except Exception:
            pass
    results = []
    for order, draft in creations:
        try:
            results.append((order, ctx.shop.create_order(draft)))
        except Exception as exc:
            results.append((order, exc))
            if isinstance(exc, ShopUnavailable):
                break  # the others were not tried: they stay due, the next run probes again
    return results


def _move_all(ctx: PassContext, moves: list[tuple[LedgerOrder, ShopOrderStatus]]):
    """Set statuses in one shop call when the shop offers a batch method, else one by one."""
    if not moves:
        return []
    set_many = getattr(ctx.shop, "set_statuses", None)
    if set_many is not None and len(moves) > 1:
        try:
            errors = set_many([(order.shop_reference, target) for order, target in moves])
            return [(order, target, errors.get(order.shop_reference)) for order, target in moves]
        except ShopUnavailable as exc:
            return [(order, target, exc) for order, target in moves]
        except Exception:
            pass
    results = []
    for order, target in moves:
        try:
            ctx.shop.set_status(order.shop_reference, target)
            results.append((order, target, None))
        except Exception as exc:
            results.append((order, target, exc))
            if isinstance(exc, ShopUnavailable):
                break  # the others were not tried: they stay due
    return results


def _settled(order: LedgerOrder) -> ShopOutcome:
    state = ShopState.CANCELLED if order.shop_status == ShopOrderStatus.CANCELLED else ShopState.CREATED
    return ShopOutcome(
        order.id,
        state,
        "settled",
        shop_status=order.shop_status,
        shop_reference=order.shop_reference,
        shop_created_at=order.shop_created_at,
    )


def _moved(ctx: PassContext, order: LedgerOrder, target: ShopOrderStatus) -> ShopOutcome:
    cancelled = target is ShopOrderStatus.CANCELLED
    if cancelled:
        ctx.summary.cancelled += 1
    else:
        ctx.summary.updated += 1
    return ShopOutcome(
        order.id,
        ShopState.CANCELLED if cancelled else ShopState.CREATED,
        "shop_cancelled" if cancelled else "shop_status",
        detail=f"{order.shop_status} -> {target}",
        shop_status=target,
        shop_reference=order.shop_reference,
        shop_created_at=order.shop_created_at,
    )


def _failure(ctx: PassContext, order: LedgerOrder, exc: BaseException) -> ShopOutcome:
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, UnknownSku):
        return _park(ctx, order, ParkReason.UNKNOWN_SKU, message, retry_in=ctx.settings.unknown_sku_retry)
    if isinstance(exc, OrderRejected) or (isinstance(exc, ShopError) and not exc.retryable):
        return _park(ctx, order, ParkReason.REJECTED, message)
    attempts = order.attempts + 1
    ctx.summary.failed += 1
    ctx.summary.problems.append(f"order {order.amazon_order_id}: {message} (attempt {attempts})")
    return ShopOutcome(
        order.id,
        ShopState.FAILED,
        "shop_failed",
        detail=message,
        shop_status=order.shop_status,
        shop_reference=order.shop_reference,
        shop_created_at=order.shop_created_at,
        attempts=attempts,
        next_attempt_at=ctx.clock.now() + ctx.settings.retry_delay(attempts),
        last_error=message,
    )


def _park(
    ctx: PassContext, order: LedgerOrder, reason: ParkReason, message: str, *, retry_in=None
) -> ShopOutcome:
    ctx.summary.parked += 1
    ctx.summary.problems.append(f"order {order.amazon_order_id} parked ({reason}): {message}")
    return ShopOutcome(
        order.id,
        ShopState.PARKED,
        "parked",
        detail=message,
        shop_status=order.shop_status,
        shop_reference=order.shop_reference,
        shop_created_at=order.shop_created_at,
        attempts=order.attempts + 1,
        next_attempt_at=ctx.clock.now() + retry_in if retry_in is not None else None,
        last_error=message,
        park_reason=reason,
    )
