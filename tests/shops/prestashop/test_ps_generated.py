"""Generated Amazon orders (the simulator's mix: six marketplaces, three currencies, FBA, Prime, business,
multi-line) through the real rules into the fake PrestaShop: every total equals Amazon's to the cent."""

from __future__ import annotations

from decimal import Decimal

from amzorders.amazon.constants import MARKETPLACES, IncludedData
from amzorders.amazon.models import parse_order
from amzorders.shops.port import ShopOrderStatus
from amzorders.shops.prestashop import MarketplaceMapping, PrestaShopMapping, PrestaShopShop
from amzorders.sim.generate import generate
from amzorders.sim.render import data_mask, render_order
from amzorders.sync.rules import build_draft

IMPORTABLE = {"UNSHIPPED": ShopOrderStatus.TO_SHIP, "SHIPPED": ShopOrderStatus.SHIPPED}


def generated_drafts(orders: int, seed: int) -> list:
    mask = data_mask([value.value for value in IncludedData])
    drafts = []
    for spec in generate(orders_per_day=orders, days=1, seed=seed).orders:
        last = len(spec.timeline) - 1
        if spec.timeline[last].status in IMPORTABLE:
            drafts.append(build_draft(parse_order(render_order(spec, last, True, mask)), "sim"))
    return drafts


def test_generated_orders_land_with_amazons_totals(fake_server, fake_shop):
    drafts = generated_drafts(60, seed=11)
    assert {d.currency for d in drafts} >= {"EUR", "USD"} and any(d.fulfilled_by == "AMAZON" for d in drafts)
    for sku in sorted({line.sku for d in drafts for line in d.lines}):
        if not fake_shop.products(reference=sku):
            fake_shop.add_product(sku, sku, Decimal("10.00"), quantity=100_000)
    # No tax_rates in the mapping: the adapter reads the shop's tax rules, as on a real shop (group 1 taxes
    # European countries at 20 % and the US not at all, whatever Amazon charged: 19 % in Germany...).
    mapping = PrestaShopMapping(
        shop_name="sim",
        marketplaces={mp: MarketplaceMapping(language=1) for mp in MARKETPLACES.values()},
    )
    with PrestaShopShop.connect(fake_server.url, fake_shop.api_key, mapping) as shop:
        created = {d.amazon_order_id: shop.create_order(d) for d in drafts}
    assert len(fake_shop.orders()) == len(drafts)
    for draft in drafts:
        stored = fake_shop.order(int(created[draft.amazon_order_id].reference))
        assert Decimal(stored["total_paid"]) == draft.total.rounded().amount, draft.amazon_order_id
        shipped = draft.fulfilled_by == "AMAZON" or draft.status == ShopOrderStatus.SHIPPED
        assert stored["current_state"] == ("4" if shipped else "11"), draft.amazon_order_id
