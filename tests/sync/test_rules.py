"""The import rules, exhaustively on small cases and by property on random timelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amzorders.amazon.models import parse_order
from amzorders.ledger.orders import Known
from amzorders.money import Money
from amzorders.shops.port import ShopOrderStatus as S
from amzorders.sync.rules import (
    Action,
    Decision,
    DraftError,
    ParkReason,
    ShopState,
    build_draft,
    decide,
    expected_shop_status,
    importable_since,
    is_importable,
    next_shop_state,
    plan_snapshot,
    plan_status,
    previous_imports,
)
from ledger.order_json import amazon_order

STATUSES = [
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
]


@pytest.mark.parametrize(
    ("status", "merchant", "fba", "fba_early"),
    [
        ("PENDING_AVAILABILITY", False, False, False),
        ("PENDING", False, False, False),
        ("UNSHIPPED", True, False, True),
        ("PARTIALLY_SHIPPED", True, True, True),
        ("SHIPPED", True, True, True),
        ("CANCELLED", False, False, False),
        ("UNFULFILLABLE", False, False, False),
    ],
)
def test_importability(status, merchant, fba, fba_early):
    assert is_importable(status, "MERCHANT") is merchant
    assert is_importable(status, "AMAZON") is fba
    assert is_importable(status, "AMAZON", fba_import_at_unshipped=True) is fba_early


def test_decisions():
    assert decide("PENDING", "MERCHANT", shop_status=None) == Decision(Action.WAIT)
    assert decide("UNSHIPPED", "MERCHANT", shop_status=None) == Decision(Action.CREATE, S.TO_SHIP)
    assert decide("UNSHIPPED", "AMAZON", shop_status=None) == Decision(Action.WAIT)
    assert decide("SHIPPED", "AMAZON", shop_status=None) == Decision(Action.CREATE, S.SHIPPED)
    assert decide("CANCELLED", "MERCHANT", shop_status=None) == Decision(Action.NEVER)
    assert decide("CANCELLED", "MERCHANT", shop_status=S.TO_SHIP) == Decision(Action.UPDATE, S.CANCELLED)
    assert decide("SHIPPED", "MERCHANT", shop_status=S.TO_SHIP) == Decision(Action.UPDATE, S.SHIPPED)
    assert decide("SHIPPED", "MERCHANT", shop_status=S.SHIPPED) == Decision(Action.NOTHING, S.SHIPPED)
    assert decide("SHIPPED", "MERCHANT", shop_status=S.CANCELLED) == Decision(Action.NOTHING, S.CANCELLED)


def test_next_shop_state_keeps_backoff_and_human_parks():
    create = Decision(Action.CREATE, S.TO_SHIP)
    assert next_shop_state(create, current=None, park_reason=None) is ShopState.TO_CREATE
    assert next_shop_state(create, current="failed", park_reason=None) is ShopState.FAILED
    assert next_shop_state(create, current="parked", park_reason=ParkReason.REJECTED) is ShopState.PARKED
    assert next_shop_state(create, current="parked", park_reason=ParkReason.DATA) is ShopState.TO_CREATE
    assert (
        next_shop_state(Decision(Action.NEVER), current="parked", park_reason="rejected")
        is ShopState.CANCELLED
    )
    assert (
        next_shop_state(Decision(Action.NOTHING, S.CANCELLED), current=None, park_reason=None)
        is ShopState.CANCELLED
    )
    assert (
        next_shop_state(Decision(Action.UPDATE, S.SHIPPED), current="created", park_reason=None)
        is ShopState.TO_UPDATE
    )


def test_expected_status_on_the_hard_cases():
    assert expected_shop_status("MERCHANT", ["PENDING"] * 20 + ["UNSHIPPED"]) is S.TO_SHIP
    assert expected_shop_status("AMAZON", ["PENDING", "UNSHIPPED"]) is None
    assert expected_shop_status("AMAZON", ["PENDING", "UNSHIPPED", "SHIPPED"]) is S.SHIPPED
    assert expected_shop_status("AMAZON", ["UNSHIPPED"], fba_import_at_unshipped=True) is S.TO_SHIP
    assert expected_shop_status("MERCHANT", ["PENDING", "CANCELLED"]) is None
    assert expected_shop_status("MERCHANT", ["UNSHIPPED", "CANCELLED"]) is S.CANCELLED
    assert expected_shop_status("AMAZON", ["UNSHIPPED", "CANCELLED"]) is None


def test_importable_since_reads_timeline_events():
    from datetime import UTC, datetime

    t = [datetime(2026, 11, d, tzinfo=UTC) for d in (1, 2, 3)]
    timeline = [(t[0], "PENDING"), (t[1], "UNSHIPPED"), (t[2], "SHIPPED")]
    assert importable_since("MERCHANT", timeline) == t[1]
    assert importable_since("AMAZON", timeline) == t[2]
    assert importable_since("MERCHANT", [(t[0], "PENDING"), (t[1], "CANCELLED")]) is None


LIFECYCLE = ["PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"]


@st.composite
def timelines(draw):
    """Amazon's lifecycle: statuses only move forward; CANCELLED ends an order that was not shipped."""
    steps = sorted(draw(st.lists(st.integers(0, len(LIFECYCLE) - 1), min_size=1, max_size=8)))
    statuses = [LIFECYCLE[i] for i in steps]
    if statuses[-1] != "SHIPPED" and draw(st.booleans()):
        statuses.append("CANCELLED")
    return draw(st.sampled_from(["MERCHANT", "AMAZON"])), statuses


@given(timelines(), st.booleans(), st.data())
def test_any_observation_of_a_timeline_converges_to_the_ground_truth(timeline, fba_early, data):
    """The engine sees only some versions of an order (it polls); applying `decide` to what it sees must
    end where the whole timeline says: same status, one creation at most, never a PENDING creation."""
    fulfilled_by, statuses = timeline
    # Observed: any subsequence that includes the latest version (the cursor always catches up to it).
    keep = data.draw(st.lists(st.booleans(), min_size=len(statuses) - 1, max_size=len(statuses) - 1))
    observed = [s for s, k in zip(statuses, keep, strict=False) if k] + [statuses[-1]]
    shop_status, creations = None, 0
    for status in observed:
        decision = decide(status, fulfilled_by, shop_status=shop_status, fba_import_at_unshipped=fba_early)
        if decision.action is Action.CREATE:
            assert status not in ("PENDING", "PENDING_AVAILABILITY", "CANCELLED")
            creations += 1
            shop_status = decision.target
        elif decision.action is Action.UPDATE:
            assert shop_status is not None
            shop_status = decision.target
    assert creations <= 1
    expected = expected_shop_status(fulfilled_by, statuses, fba_import_at_unshipped=fba_early)
    if expected is S.CANCELLED:
        assert shop_status in (None, S.CANCELLED)  # cancelled before we saw it importable: never created
    else:
        assert shop_status is expected


cents = st.integers(min_value=0, max_value=100_000).map(lambda c: str(Decimal(c) / 100))
line = st.tuples(st.text("ABCDEF0123", min_size=1, max_size=8), st.integers(0, 5), cents, cents).map(
    lambda t: t if t[1] else (t[0], 0, t[2], "0")  # a cancelled item (quantity 0) carries no tax
)


@given(st.lists(line, min_size=1, max_size=5), cents, cents, st.sampled_from(["EUR", "GBP", "JPY"]))
def test_draft_amounts_add_up_to_amazons_grand_total_to_the_cent(items, ship, ship_tax, currency):
    raw = amazon_order(items=tuple(items), shipping=(ship, ship_tax), currency=currency)
    order = parse_order(raw)
    if all(quantity == 0 for _, quantity, _, _ in items):
        with pytest.raises(DraftError, match="no item with a quantity"):
            build_draft(order, "main")
        return
    draft = build_draft(order, "main")
    assert draft.total == Money.from_amazon(raw["proceeds"]["grandTotal"])
    lines = sum((ln.total_with_tax for ln in draft.lines), Money.zero(currency))
    assert (lines + draft.shipping + draft.shipping_tax).same_to_the_cent(draft.total)
    assert draft.status is S.TO_SHIP
    assert all(ln.quantity > 0 for ln in draft.lines)


def test_draft_carries_buyer_address_and_identity():
    draft = build_draft(parse_order(amazon_order(status="SHIPPED", fulfilled_by="AMAZON")), "main")
    assert draft.status is S.SHIPPED and draft.fulfilled_by == "AMAZON"
    assert draft.delivery_address.city == "Paris"
    assert draft.buyer_email == "402-1234567-1234567@marketplace.amazon.fr"
    assert draft.lines[0].unit_price == Money.of("9.99", "EUR")
    assert draft.lines[0].tax == Money.of("4.00", "EUR")
    assert draft.shipping == Money.of("4.90", "EUR") and draft.shipping_tax == Money.of("0.98", "EUR")
    assert draft.total == Money.of("29.86", "EUR")


def test_a_draft_that_cannot_be_built_names_the_order_and_field():
    with pytest.raises(DraftError, match=r"402-1234567-1234567: has no price yet"):
        build_draft(parse_order(amazon_order(priced=False)), "main")
    raw = amazon_order()
    del raw["orderItems"][0]["product"]["sellerSku"]
    with pytest.raises(DraftError, match=r"orderItems\[0\]\.product\.sellerSku"):
        build_draft(parse_order(raw), "main")
    negative = amazon_order()
    negative["proceeds"]["grandTotal"]["amount"] = "-10.00"
    with pytest.raises(DraftError, match=r"'proceeds\.grandTotal' is negative \(-10\.00 EUR\)"):
        build_draft(parse_order(negative), "main")


def test_pending_watch_spaces_out_its_reads():
    from datetime import timedelta

    from amzorders.sync.pending import recheck_interval
    from amzorders.sync.settings import SyncSettings

    settings = SyncSettings()
    assert recheck_interval(timedelta(hours=1), settings) == timedelta(hours=1)
    assert recheck_interval(timedelta(hours=6), settings) == timedelta(hours=1, minutes=30)
    assert recheck_interval(timedelta(days=20), settings) == timedelta(hours=2)
    # while search keeps up, the watch is only the net under a missed update: it reads rarely
    assert recheck_interval(timedelta(hours=6), settings, relaxed=True) == timedelta(hours=1, minutes=30)
    assert recheck_interval(timedelta(days=20), settings, relaxed=True) == timedelta(hours=8)


SWITCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@given(
    created_offset_min=st.integers(min_value=-3000, max_value=3000),
    status=st.sampled_from(["PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED"]),
    fulfilled_by=st.sampled_from(["MERCHANT", "AMAZON"]),
    known=st.sampled_from(
        [None, Known("PENDING", "waiting", None, None), Known("UNSHIPPED", "previous", None, None)]
    ),
)
def test_a_switch_only_ever_leaves_to_the_previous_importer_a_first_seen_order_created_before_it(
    created_offset_min, status, fulfilled_by, known
):
    """The switch from a previous importer never creates what would not be created, and holds back only
    what that importer may have created already: orders created before it and first seen importable.
    Such an order stays the previous importer's; cancelled later, it asks a human to cancel it there,
    shipped later by Amazon, to mark it shipped there."""
    created = SWITCH + timedelta(minutes=created_offset_min)
    order = parse_order(amazon_order("405-1-1", status=status, fulfilled_by=fulfilled_by, created=created))
    plain = plan_snapshot(order, known)
    switched = plan_snapshot(order, known, switch_over_at=SWITCH)
    previous = known is not None and known.shop_state == "previous"
    if previous and plain.target_status is not None:
        assert plain.shop_state == "previous"  # until a human asks for it (`retry`)
    if previous and status == "CANCELLED":
        assert switched.shop_state == "cancelled"
        assert switched.attention.startswith(
            "order 405-1-1: cancelled on Amazon; it was left to the previous"
        )
        return
    if previous and fulfilled_by == "AMAZON" and status in ("PARTIALLY_SHIPPED", "SHIPPED"):
        # that importer would have moved its shop order; it no longer runs
        assert switched.shop_state == "previous"
        assert switched.attention.startswith("order 405-1-1: shipped by Amazon; it was left to the previous")
        return
    assert switched.attention is None
    held = known is None and created < SWITCH and plain.shop_state == "to_create"
    if not held:
        assert switched == plain
        return
    assert switched.shop_state == "previous"
    assert (switched.target_status, switched.importable) == (plain.target_status, plain.importable)
    assert "first seen ready to import: left to it" in switched.note
    assert "`amzorders orders retry 405-1-1` creates it" in switched.note


_STATUSES = ["PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "UNFULFILLABLE"]
_PAIRS = [(channel, status) for channel in ("MERCHANT", "AMAZON") for status in _STATUSES]


@given(
    created_offset_min=st.integers(min_value=-3000, max_value=3000),
    status=st.sampled_from([*_STATUSES, "CANCELLED"]),
    fulfilled_by=st.sampled_from(["MERCHANT", "AMAZON"]),
    known=st.sampled_from([None, Known("PENDING", "waiting", None, None)]),
    took=st.frozensets(st.sampled_from(_PAIRS)),
)
def test_a_switch_leaves_to_the_previous_importer_what_it_imported_as_its_settings_say(
    created_offset_min, status, fulfilled_by, known, took
):
    """With the statuses the previous importer created orders in (a module importing FBA orders before
    they ship, or PENDING ones), exactly the orders created before the switch and first seen in one of
    them are left to it, whatever amzorders itself would import: never created twice, never held back
    otherwise."""
    created = SWITCH + timedelta(minutes=created_offset_min)
    order = parse_order(amazon_order("405-1-1", status=status, fulfilled_by=fulfilled_by, created=created))
    plain = plan_snapshot(order, known)
    switched = plan_snapshot(order, known, switch_over_at=SWITCH, previous_took=took)
    if known is None and created < SWITCH and (fulfilled_by, status) in took:
        assert switched.shop_state == "previous"
        assert (switched.target_status, switched.importable) == (plain.target_status, plain.importable)
        assert f"first seen {status} ({fulfilled_by}), a status it imported: left to it" in switched.note
    else:
        assert switched == plain


def test_the_previous_importers_statuses_are_read_as_its_settings_list_them():
    assert previous_imports(["unshipped", "AMAZON:pending"]) == {
        ("MERCHANT", "UNSHIPPED"),
        ("AMAZON", "UNSHIPPED"),
        ("AMAZON", "PENDING"),
    }
    for bad in ("CANCELLED", "FBA:SHIPPED", "SENT"):
        with pytest.raises(ValueError, match=f"'{bad}' is not a status, optionally with its channel"):
            previous_imports(["SHIPPED", bad])


_NOT_IN_THE_SHOP = [
    Known(status, state, None, reason)
    for status in ("PENDING", "UNSHIPPED", "SHIPPED")
    for state, reason in [
        ("waiting", None),
        ("to_create", None),
        ("to_update", None),
        ("failed", None),
        ("parked", ParkReason.DATA),
        ("parked", ParkReason.UNKNOWN_SKU),
        ("parked", ParkReason.REJECTED),
        ("previous", None),
        ("cancelled", None),
    ]
]


@given(known=st.sampled_from(_NOT_IN_THE_SHOP), fulfilled_by=st.sampled_from(["MERCHANT", "AMAZON"]))
def test_a_cancellation_of_an_order_whose_creation_may_have_reached_the_shop_is_looked_up_there(
    known, fulfilled_by
):
    """Cancelled on Amazon while the ledger knows no shop order: "never create it" only when no creation
    can have reached the shop. A creation under way (to_create), failed (a lost answer), refused after
    the shop made it (parked: rejected), or a lookup already planned must be cancelled in the shop if it is
    there: the push looks it up (to_update, target cancelled)."""
    plan = plan_status("CANCELLED", fulfilled_by, known)
    may_be_there = known.shop_state in ("to_create", "failed", "to_update") or (
        known.shop_state == "parked" and known.park_reason == ParkReason.REJECTED
    )
    if may_be_there:
        assert (plan.shop_state, plan.target_status) == (ShopState.TO_UPDATE, S.CANCELLED)
    else:
        assert (plan.shop_state, plan.target_status) == (ShopState.CANCELLED, None)
    assert not plan.importable


def test_an_order_in_a_status_amzorders_does_not_know_waits_and_says_so():
    """A status Amazon adds one day (kept, not refused, by the parser) leaves the order waiting: the run
    says it, and the order's last error, instead of leaving it silently out of every count."""
    raw = amazon_order()
    raw["fulfillment"]["fulfillmentStatus"] = "ON_HOLD"
    plan = plan_snapshot(parse_order(raw), None)
    assert plan.shop_state is ShopState.WAITING and plan.target_status is None
    assert plan.attention == (
        f"order {raw['orderId']}: Amazon status 'ON_HOLD' is unknown to amzorders: the order waits, neither "
        "created nor cancelled, until Amazon moves it to a known status"
    )
    assert plan_snapshot(parse_order(amazon_order()), None).attention is None
