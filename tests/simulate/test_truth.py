"""The ground truth: what the shop must hold, from the scenario's timelines and the engine's rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from amzorders.shops.port import ShopOrderStatus
from amzorders.sim.scenario import load_scenario
from amzorders.simulate.builder import START, ScenarioBuilder
from amzorders.simulate.truth import Presence, expected_order, expected_orders

T0 = START + timedelta(hours=10)


def _scenario(fulfilled_by: str, *statuses: tuple[float, str]) -> dict:
    """One order of two mugs (11.90 each, tax 4.76, shipping 4.99 + 1.00); statuses at hours after T0."""
    b = ScenarioBuilder(days=30, quantity=2)
    b.order(fulfilled_by, [(T0 - START + timedelta(hours=h), s) for h, s in statuses])
    return b.build()


def _truth(fulfilled_by: str, *statuses: tuple[float, str], **kw):
    scenario = load_scenario(_scenario(fulfilled_by, *statuses))
    return expected_order(scenario.orders[0], **kw)


def test_a_merchant_order_is_required_from_unshipped_and_ends_in_its_last_status() -> None:
    truth = _truth("MERCHANT", (0, "PENDING"), (2, "UNSHIPPED"), (30, "SHIPPED"))
    assert truth.presence is Presence.REQUIRED
    assert truth.importable_at == T0 + timedelta(hours=2)
    assert truth.status is ShopOrderStatus.SHIPPED
    assert truth.total == Decimal("11.90") * 2 + Decimal("4.76") + Decimal("4.99") + Decimal("1.00")
    assert truth.currency == "EUR"


def test_a_merchant_order_first_seen_shipped_is_importable_when_shipped() -> None:
    truth = _truth("MERCHANT", (0, "PENDING"), (5, "SHIPPED"))
    assert truth.importable_at == T0 + timedelta(hours=5)
    assert truth.status is ShopOrderStatus.SHIPPED


@pytest.mark.parametrize(
    "timeline",
    [
        ((0, "PENDING"),),
        ((0, "PENDING"), (1, "CANCELLED")),
        ((0, "PENDING_AVAILABILITY"), (3, "PENDING")),
    ],
)
def test_an_order_never_importable_must_never_be_in_the_shop(timeline) -> None:
    truth = _truth("MERCHANT", *timeline)
    assert truth.presence is Presence.FORBIDDEN
    assert truth.importable_at is None
    assert truth.status is None


def test_an_order_cancelled_after_it_was_importable_may_be_absent_or_cancelled() -> None:
    truth = _truth("MERCHANT", (0, "PENDING"), (1, "UNSHIPPED"), (9, "CANCELLED"))
    assert truth.presence is Presence.OPTIONAL
    assert truth.status is ShopOrderStatus.CANCELLED
    assert truth.importable_at == T0 + timedelta(hours=1)
    assert truth.final_amazon_status == "CANCELLED"


def test_an_fba_order_waits_for_shipping_unless_configured_otherwise() -> None:
    timeline = ((0, "PENDING"), (1, "UNSHIPPED"), (50, "SHIPPED"))
    assert _truth("AMAZON", *timeline).importable_at == T0 + timedelta(hours=50)
    early = _truth("AMAZON", *timeline, fba_import_at_unshipped=True)
    assert early.importable_at == T0 + timedelta(hours=1)
    assert early.status is ShopOrderStatus.SHIPPED
    unshipped_only = _truth("AMAZON", (0, "PENDING"), (1, "UNSHIPPED"))
    assert unshipped_only.presence is Presence.FORBIDDEN


def test_events_after_the_horizon_do_not_count() -> None:
    timeline = ((0, "PENDING"), (2, "UNSHIPPED"), (30, "SHIPPED"))
    truth = _truth("MERCHANT", *timeline, horizon=T0 + timedelta(hours=10))
    assert truth.status is ShopOrderStatus.TO_SHIP
    assert _truth("MERCHANT", *timeline, horizon=T0 + timedelta(hours=1)).presence is Presence.FORBIDDEN


def test_expected_orders_covers_every_order_lazily() -> None:
    scenario = load_scenario(_scenario("MERCHANT", (0, "PENDING"), (1, "UNSHIPPED")))
    truths = expected_orders(scenario)
    assert not isinstance(truths, list)
    assert [t.order_id for t in truths] == [scenario.orders[0].order_id]
