"""A 500-order simulated day into the fake PrestaShop over HTTP: every total to the cent, exactly once."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from ps_day import simulated_day
from ps_helpers import test_mapping

from amzorders.shops.port import ShopError, UnknownSku
from amzorders.shops.prestashop import PrestaShopShop

FAULTS = [
    ("POST", "customers", False),
    ("POST", "addresses", False),
    ("POST", "carts", True),
    ("POST", "specific_prices", False),
    ("GET", "carts", False),
    ("POST", "orders", False),
    ("POST", "orders", True),
    ("GET", "orders", False),
    ("POST", "order_histories", True),
]


WORKERS = 4  # four importer processes sharing the day (the fake's answers are latency-bound)


def _import(url, key, mapping, drafts, fail, *, done=frozenset()) -> tuple[dict, dict, list]:
    """One importer process: returns (created references, parked reasons, crashed order ids).

    Like the engine after a kill -9, a rerun retries creation for every order not known as done, and
    only checks the others (`done`) with find_by_amazon_id.
    """
    created, parked, crashed = {}, {}, []
    with PrestaShopShop.connect(url, key, mapping) as shop:
        for n, order in enumerate(drafts):
            fail(n)
            try:
                found = (
                    shop.find_by_amazon_id(order.amazon_order_id) if order.amazon_order_id in done else None
                )
                created[order.amazon_order_id] = (found or shop.create_order(order)).reference
            except UnknownSku as exc:
                parked[order.amazon_order_id] = str(exc)
            except ShopError:
                crashed.append(order.amazon_order_id)
    return created, parked, crashed


def test_a_500_order_day_with_crashes_and_a_rerun(fake_server, fake_shop):
    drafts = simulated_day(500, unknown_every=100)
    rng = random.Random(3)
    mapping = test_mapping(states={"merchant": "Payment accepted", "prime": "Processing in progress"})
    url, key = fake_server.url, fake_shop.api_key

    def crash_now_and_then(n: int) -> None:
        if n % 20 == 10:  # a process dies somewhere in this order's creation
            method, resource, after = rng.choice(FAULTS)
            fake_shop.fail_next(method, resource, 500, after=after)

    shares = [drafts[w::WORKERS] for w in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        runs = list(pool.map(lambda part: _import(url, key, mapping, part, crash_now_and_then), shares))
    parked = {k: v for _, p, _ in runs for k, v in p.items()}
    assert len(parked) == 5 and all(reason.startswith("unknown SKU NEW-") for reason in parked.values())
    assert "unknown SKU NEW-99 in shop fake-ps" in parked.values()
    assert any(crashed for _, _, crashed in runs)  # the faults did hit

    # New processes rerun the whole day (a kill -9 loses which orders were done) after the merchant
    # created the missing products; the shares are shuffled so other processes resume others' carts.
    for order in drafts:
        for line in order.lines:
            if line.sku.startswith("NEW-"):
                fake_shop.add_product(line.sku, "New product", Decimal("12.00"))
    shares = [drafts[w::WORKERS][::-1] for w in (1, 2, 3, 0)]
    done = frozenset(k for created, _, _ in runs for k in created)
    assert len(done) == len(drafts) - len(parked) - sum(len(c) for _, _, c in runs)
    with ThreadPoolExecutor(WORKERS) as pool:
        reruns = list(
            pool.map(lambda part: _import(url, key, mapping, part, lambda n: None, done=done), shares)
        )
    references = {k: v for created, _, _ in reruns for k, v in created.items()}
    assert all(not parked and not crashed for _, parked, crashed in reruns)
    for created, _, _ in runs:  # what the first run reported is what the rerun found
        assert all(references[k] == v for k, v in created.items())

    orders = {str(o["id"]): o for o in fake_shop.orders()}
    assert len(orders) == len(drafts) == len(set(references.values()))
    assert max(Counter(o["id_cart"] for o in orders.values()).values()) == 1
    for order in drafts:
        stored = orders[references[order.amazon_order_id]]
        assert Decimal(stored["total_paid"]) == order.total.amount, order.amazon_order_id
        expected = "4" if order.fulfilled_by == "AMAZON" else ("3" if order.is_prime else "2")
        assert stored["current_state"] == expected, order.amazon_order_id
        assert len(fake_shop.order_payments(stored["id"])) == 1
