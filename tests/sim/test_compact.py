"""Orders held compactly (`CompactOrders`, `OrderIndex`): exact round trip, same renderings, small memory."""

from __future__ import annotations

import random
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st
from sim_helpers import FR, ORDER, SELLER, make_world, order, scenario

from amzorders.sim.compact import CompactOrders
from amzorders.sim.generate import generate
from amzorders.sim.index import OrderIndex
from amzorders.sim.render import PAID_STATUSES, render_order_json
from amzorders.sim.scenario import load_scenario

ODD_ORDERS = [
    order(
        "405-0000000-0000001",
        [("2026-11-01T10:00:00.250001Z", "PENDING"), ("2026-11-01T10:05:00.999999+00:00", "UNSHIPPED")],
        buyer={"name": 'Zoë "the" \\ O\'Brien\u2028', "company_name": "Ünïcode GmbH"},
        recipient={
            **ORDER["recipient"],
            "address_line2": "Bât. B\x01",
            "company_name": "Ünïcode GmbH",
            "state_or_region": "Rhône",
        },
        programs=["AMAZON_BUSINESS", "PRIME"],
        indexing_delay_s=61.5,
    ),
    order("405-0000000-0000002", buyer={}, shipping_price="0.00", shipping_tax="0"),
    order("405-0000000-0000003", fulfilled_by="AMAZON", shipping_price="0", shipping_tax="1.5"),
    {
        k: v
        for k, v in order("405-0000000-0000004").items()
        if k not in ("buyer", "recipient", "shipping_price")
    },
    order(
        "405-0000000-0000005",
        items=[
            {**ORDER["items"][0], "order_item_id": "1", "unit_price": "1E+1", "tax": "0.1000"},
            {**ORDER["items"][0], "order_item_id": "2", "quantity": 7, "title": "Tasse\t\u00e9"},
        ],
    ),
]


def _odd() -> list:
    return list(load_scenario(scenario(orders=ODD_ORDERS)).orders)


def test_every_order_comes_back_exactly_as_it_went_in():
    specs = [*_odd(), *generate(orders_per_day=60, days=4, seed=5).orders]
    orders = CompactOrders(specs)
    assert len(orders) == len(specs)
    assert list(orders) == specs
    assert orders[0] == specs[0] and orders[-1] == specs[-1] and orders[3:5] == specs[3:5]
    assert orders == tuple(specs)


def test_orders_are_found_by_id():
    specs = generate(orders_per_day=50, days=3, seed=2).orders
    orders = CompactOrders(specs)
    assert all(orders.position(spec.order_id) == n for n, spec in enumerate(specs))
    assert orders.position("999-0000000-0000000") is None
    assert CompactOrders([]).position(specs[0].order_id) is None


def test_rendering_from_the_kept_record_is_rendering_the_order():
    specs = [*_odd(), *generate(orders_per_day=30, days=10, seed=11).orders]
    orders = CompactOrders(specs)
    for position, spec in enumerate(specs):
        paid = False
        for version, event in enumerate(spec.timeline):
            paid = paid or event.status in PAID_STATUSES
            for mask in (0, 1, 2, 4, 8, 15):
                assert orders.render(position, version, mask) == render_order_json(spec, version, paid, mask)


def test_a_generated_month_takes_a_few_hundred_bytes_an_order():
    specs = generate(orders_per_day=1000, days=3, seed=1).orders
    tracemalloc.start()
    try:
        orders = CompactOrders(specs)
        held = tracemalloc.get_traced_memory()[0]
        OrderIndex(orders, 120.0, ["A1SIMSELLER"])
        indexed = tracemalloc.get_traced_memory()[0] - held
    finally:
        tracemalloc.stop()
    # As dataclasses the same orders take ~1,400 bytes each, and the index took ~1,300 more.
    assert held / len(specs) < 300
    assert indexed / len(specs) < 150


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    count=st.integers(0, 60),
    page_size=st.integers(1, 7),
    by_created=st.booleans(),
)
def test_pages_follow_time_then_order_id_whatever_the_order_of_the_file(seed, count, page_size, by_created):
    rng = random.Random(seed)
    orders = []
    for n in range(count):
        second = rng.randrange(6)
        timeline = [(f"2026-11-02T10:00:0{second}Z", "PENDING")]
        if rng.random() < 0.5:
            timeline.append((f"2026-11-02T10:00:{second + rng.randrange(1, 4):02d}Z", "UNSHIPPED"))
        orders.append(order(f"405-{rng.randrange(10**7):07d}-{n:07d}", timeline))
    rng.shuffle(orders)
    unlimited = {"searchOrders": {"rate": 100, "burst": 1000}}
    sellers = [{"seller_id": SELLER, "marketplace_ids": [FR], "usage_plans": unlimited}]
    data = scenario(orders=orders, sellers=sellers, indexing_delay_s=0)
    _, _, client = make_world(data, "2026-11-03T00:00:00Z")
    name = "createdAfter" if by_created else "lastUpdatedAfter"
    got = [
        o["orderId"]
        for o in client.all_orders(**{name: "2026-11-02T10:00:02Z"}, maxResultsPerPage=str(page_size))
    ]
    keys = sorted(
        (o["timeline"][0 if by_created else -1]["at"], o["order_id"])
        for o in orders
        if o["timeline"][0 if by_created else -1]["at"] >= "2026-11-02T10:00:02Z"
    )
    assert got == [order_id for _, order_id in keys]
