"""`PrestaShopShop`: the `Shop` port over the PrestaShop 8.2 webservice.

Order creation follows the sequence that works on 8.2 (shared/notes/prestashop-webservice.md §1):
customer (by e-mail) -> address -> cart (tagged, carrier pinned by `delivery_option`) -> one cart-level
specific price per line -> `POST orders` (payment module + label, total_paid = Amazon's total) -> read
the order back (the POST only echoes) -> `order_histories?sendemail=0` to the mapped state.

Shipping. PrestaShop computes the carrier cost from the carrier's ranges and the webservice cannot override
it, while Amazon's shipping charge is per order. We map every service level to a *free* carrier (an
"Amazon" carrier by default; start-up refuses a paying one) and add Amazon's shipping charge as a cart line
on a dedicated shipping product (reference `AMAZON-SHIPPING`), priced by a cart-level specific price like
any line. The order total equals Amazon's to the cent, taxes follow the shipping product's tax rule, and
the invoice shows shipping as a line. The alternatives were worse: accepting "Payment error" and patching
totals afterwards adds a payment line per state change (PrestaShop #20025), and a PHP module overriding
carrier costs cannot be tested without PrestaShop.

Exactly once. PrestaShop keeps no marketplace id, but one cart yields at most one order (a second
`POST orders` on it is refused). So every cart we create carries `Amazon order <id>` in its free-text
`gift_message` (PrestaShop copies it into the order), and right before `POST orders` we list the carts
with that tag:
- only ours: the normal case, we order it;
- an older one with an order (a crash after ordering, a lost answer): that order is the answer;
- an older one without an order (a crash between cart and order): we resume it (adding any missing
  price) and order it. Every process orders the *oldest* tagged cart, so two processes racing on one
  Amazon order converge on one cart and PrestaShop refuses the second order.
The cart we built for nothing is then deleted. Checking before building instead would cost one more
call on every order to save a few calls on the rare retry; `find_by_amazon_id` is that check, for the
engine to call when it recovers.

Multistore: an order's creation runs in its marketplace's shop (`id_shop` on every call), lookups by Amazon
id in all shops (`id_shop=all`), a state change in the order's shop, and the rounding and states of the
order's shop (module `configuration`; why: docs/prestashop.md, live 8.2.1).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from amzorders.money import Money
from amzorders.shops.port import OrderDraft, OrderRejected, ShopError, ShopOrder, ShopOrderStatus
from amzorders.shops.prestashop import errors, payloads
from amzorders.shops.prestashop.catalog import ResolvedChannel, ShopCatalog, validate_against_shop
from amzorders.shops.prestashop.client import PrestaShopClient, filter_value, sort
from amzorders.shops.prestashop.errors import CartAlreadyOrdered, PrestaShopRejected, PrestaShopUnavailable
from amzorders.shops.prestashop.followups import discard_cart, give_back_stock, write_transaction_id
from amzorders.shops.prestashop.lookups import CustomerLookup, ProductLookup
from amzorders.shops.prestashop.mapping import MappingError, PrestaShopMapping
from amzorders.shops.prestashop.plan import OrderPlan, TotalMismatch, plan_order
from amzorders.shops.prestashop.pricing import round_to
from amzorders.shops.prestashop.taxes import TaxRates

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _InShop:
    client: PrestaShopClient  # sends id_shop on every call
    products: ProductLookup
    customers: CustomerLookup


ORDER_FIELDS = [
    "id",
    "id_cart",
    "id_carrier",
    "current_state",
    "total_paid",
    "total_paid_real",
    "id_currency",
    "reference",
]


class PrestaShopShop:
    """One PrestaShop shop behind the `Shop` port."""

    def __init__(self, client: PrestaShopClient, catalog: ShopCatalog, *, name: str | None = None) -> None:
        self.client = client
        self.catalog = catalog
        self.mapping = catalog.mapping
        self.name = name or catalog.mapping.shop_name
        self.everywhere = client.in_shop("all")  # lookups by Amazon id: the order may be in any shop
        self._shops: dict[int, _InShop] = {}
        self.products = self._in(1).products  # shop 1's (one lookup per shop: products are per shop)
        self.taxes = TaxRates(client, self.mapping.tax_rates)

    @classmethod
    def connect(
        cls,
        url: str,
        api_key: str,
        mapping: PrestaShopMapping,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> PrestaShopShop:
        """Connect and validate the mapping against the shop (`MappingError` names the bad key)."""
        client = PrestaShopClient(url, api_key, transport=transport, timeout=timeout)
        try:
            return cls(client, validate_against_shop(mapping, client))
        except BaseException:
            client.close()
            raise

    def ping(self) -> str:
        """One cheap webservice read (health checks)."""
        self.client.list("orders", fields=["id"], sort_by=sort("id", descending=True), limit=1)
        return f"{self.client.base_url} answered"

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PrestaShopShop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _in(self, id_shop: int) -> _InShop:
        """The client and cached lookups of one shop (customers and products are per shop)."""
        if id_shop not in self._shops:
            client = self.client.in_shop(id_shop)
            self._shops[id_shop] = _InShop(client, ProductLookup(client, self.name), CustomerLookup(client))
        return self._shops[id_shop]

    # -- the port -------------------------------------------------------------------------------------
    def find_by_amazon_id(self, amazon_order_id: str) -> ShopOrder | None:
        carts = self._tagged_carts(amazon_order_id)
        order = self._order_on(carts) if carts else None
        return self._shop_order(order, amazon_order_id) if order else None

    def create_order(self, draft: OrderDraft) -> ShopOrder:
        try:
            channel = self.catalog.resolve(draft.account, draft.marketplace_id)
        except MappingError as exc:
            raise OrderRejected(f"order {draft.amazon_order_id}: {exc}") from exc
        side = self._in(channel.id_shop)
        plan = plan_order(draft, channel, self.catalog, side.products, self.taxes)  # no write before this
        try:
            ours, our_address = self._build_cart(draft, plan, channel)
        except PrestaShopRejected as exc:  # our sanitising missed a rule: park with the field named
            raise PrestaShopRejected(f"order {draft.amazon_order_id}: {exc}", exc.fault) from exc
        carts = self._tagged_carts(draft.amazon_order_id)  # the shop-side check right before ordering
        if len(carts) > 1:  # an earlier attempt (a crash, another process) left a cart: maybe an order
            existing = self._order_on(carts)
            if existing is not None:
                if int(existing["id_cart"]) != ours:
                    discard_cart(self.client, ours, our_address)
                return self._finish(existing, draft, plan, channel, resumed=True)
        cart = carts[0]  # the oldest tagged cart: every process orders the same one
        if int(cart["id"]) != ours:
            discard_cart(self.client, ours, our_address)
            self._ensure_prices(cart, plan)
        fields = payloads.order_fields(
            id_cart=int(cart["id"]),
            id_customer=int(cart["id_customer"]),
            id_address=int(cart["id_address_delivery"]),
            id_carrier=plan.id_carrier,
            id_currency=plan.id_currency,
            id_lang=channel.id_lang,
            module=channel.channel.payment_module,
            payment_label=channel.channel.payment_label,
            total_paid=plan.total,
            total_products=plan.total_products_excl,
        )
        raced = False
        try:
            echo = side.client.create("orders", "order", fields)
            order_id = int(echo["id"]) if str(echo.get("id", "")).isdigit() else None
        except CartAlreadyOrdered:
            order_id, raced = None, True  # another process ordered this cart first: it finishes it
        except PrestaShopRejected as exc:
            raise PrestaShopRejected(f"order {draft.amazon_order_id}: {exc}", exc.fault) from exc
        except PrestaShopUnavailable as exc:
            if exc.fault is None or not exc.fault.module_inactive:
                raise
            module, id_shop = channel.channel.payment_module, channel.id_shop
            raise errors.module_inactive(draft.amazon_order_id, module, id_shop) from exc
        order = side.client.get("orders", order_id) if order_id else self._order_on([cart])
        if order is None:
            raise ShopError(
                f"order {draft.amazon_order_id}: PrestaShop created no order on cart {cart['id']}"
            )
        return self._finish(order, draft, plan, channel, resumed=raced)

    def set_status(self, reference: str, status: ShopOrderStatus) -> None:
        order = self.everywhere.get("orders", reference)
        current = int(order.get("current_state") or 0)
        target = self._state_for(status, order)
        if target is None or target == current or self._status_of(current) == status:
            return  # already there (an FBA order in its own "shipped by Amazon" state stays in it)
        cancelled = self._status_of(current) == ShopOrderStatus.CANCELLED
        if cancelled or (
            current == self.catalog.config_of(order).error_state and status != ShopOrderStatus.CANCELLED
        ):
            label = self.catalog.state_label(current)
            raise errors.move_refused(reference, label, status.value, cancelled=cancelled)
        self._set_state(int(order["id"]), target, int(order.get("id_shop") or 1))

    # -- creation steps -------------------------------------------------------------------------------
    def _build_cart(self, draft: OrderDraft, plan: OrderPlan, channel: ResolvedChannel) -> tuple[int, int]:
        """(id_cart, id_address): customer, address, tagged cart with the carrier pinned, prices."""
        side = self._in(channel.id_shop)
        id_customer = side.customers.ensure(
            plan.customer_email,
            firstname=plan.customer_name[0],
            lastname=plan.customer_name[1],
            id_lang=channel.id_lang,
            id_group=self.mapping.customer_group,
            id_shop=channel.id_shop,
            id_shop_group=channel.id_shop_group,
        )
        address = payloads.address_fields(
            plan.address,
            id_customer=id_customer,
            id_country=plan.country.id,
            needs_dni=plan.country.needs_dni,
            policy=payloads.AddressPolicy(self.mapping.dni_placeholder, self.mapping.phone_placeholder),
            amazon_order_id=draft.amazon_order_id,
        )
        id_address = int(side.client.create("addresses", "address", address)["id"])
        cart = payloads.cart_fields(
            id_customer=id_customer,
            id_address=id_address,
            id_carrier=plan.id_carrier,
            id_currency=plan.id_currency,
            id_lang=channel.id_lang,
            id_shop=channel.id_shop,
            id_shop_group=channel.id_shop_group,
            rows=[
                payloads.CartRow(line.id_product, line.id_product_attribute, line.quantity)
                for line in plan.lines
            ],
            tag=payloads.cart_tag(draft.amazon_order_id),
        )
        id_cart = int(side.client.create("carts", "cart", cart)["id"])
        for line in plan.lines:
            self._post_price(id_cart, plan, line)
        return id_cart, id_address

    def _post_price(self, id_cart: int, plan: OrderPlan, line) -> None:
        self._in(plan.id_shop).client.create(
            "specific_prices",
            "specific_price",
            payloads.specific_price_fields(
                id_cart=id_cart,
                id_shop=plan.id_shop,
                id_currency=plan.id_currency,
                id_product=line.id_product,
                id_product_attribute=line.id_product_attribute,
                price=line.priced.price_excl,
            ),
        )

    def _ensure_prices(self, cart: dict[str, Any], plan: OrderPlan) -> None:
        """A resumed cart may miss prices (crash between cart and prices): add the missing ones.

        A price in another currency (id_currency 0, as earlier versions wrote it) counts as missing: one in
        the cart's currency outranks it in PrestaShop's choice and is not converted."""
        existing = self._in(plan.id_shop).client.list(
            "specific_prices",
            fields=["id", "id_product", "id_product_attribute", "id_currency"],
            filters={"id_cart": filter_value(int(cart["id"]))},
        )
        have = {
            (int(p["id_product"]), int(p.get("id_product_attribute") or 0))
            for p in existing
            if int(p.get("id_currency") or 0) == plan.id_currency
        }
        for line in plan.lines:
            if (line.id_product, line.id_product_attribute) not in have:
                self._post_price(int(cart["id"]), plan, line)

    def _finish(
        self,
        order: dict[str, Any],
        draft: OrderDraft,
        plan: OrderPlan,
        channel: ResolvedChannel,
        *,
        resumed: bool,
    ) -> ShopOrder:
        """Check the read-back order, move it to its mapped state, give FBA stock back."""
        state = int(order.get("current_state") or 0)
        shop_total = Decimal(str(order.get("total_paid") or "0"))
        if state == channel.config.error_state or shop_total != plan.total:
            raise TotalMismatch(
                f"order {draft.amazon_order_id}: PrestaShop order {order['id']} "
                f"({order.get('reference', '')}) "
                f"is in {self.catalog.state_label(state)} with total {shop_total} {draft.currency} where "
                f"Amazon's is {plan.total}: check the tax rules and prices of "
                f"{', '.join(line.key for line in plan.lines)} and fix the order by hand"
            )
        if str(order.get("id_carrier", plan.id_carrier)) != str(plan.id_carrier):
            log.warning(
                "PrestaShop order %s got carrier %s, not the mapped %s (delivery_option ignored?)",
                order["id"],
                order.get("id_carrier"),
                plan.id_carrier,
            )
        client = self._in(channel.id_shop).client
        if self.mapping.payment_transaction_id and not resumed:
            write_transaction_id(client, str(order.get("reference", "")), draft.amazon_order_id)
        target = channel.states[plan.state_step]
        if state in channel.config.creation_states and target != state:
            self._set_state(int(order["id"]), target, channel.id_shop)
            state = target
            if plan.fba and not channel.channel.fba_decrement_stock:
                give_back_stock(client, plan, channel.id_shop, channel.id_shop_group)
        elif not resumed and plan.fba and not channel.channel.fba_decrement_stock:
            give_back_stock(client, plan, channel.id_shop, channel.id_shop_group)
        return ShopOrder(
            reference=str(order["id"]),
            amazon_order_id=draft.amazon_order_id,
            status=self._status_of(state),
            total=Money(round_to(shop_total, plan.precision), draft.currency),
        )

    def _set_state(self, id_order: int, id_state: int, id_shop: int) -> None:
        self._in(id_shop).client.create(
            "order_histories",
            "order_history",
            payloads.order_history_fields(id_order=id_order, id_order_state=id_state),
            params={"sendemail": "0"},
        )

    # -- lookups -------------------------------------------------------------------------------------
    def _tagged_carts(self, amazon_order_id: str) -> list[dict[str, Any]]:
        return self.everywhere.list(
            "carts",
            fields=["id", "id_customer", "id_address_delivery", "gift_message"],
            filters={"gift_message": filter_value(payloads.cart_tag(amazon_order_id))},
            sort_by=sort("id"),
        )

    def _order_on(self, carts: list[dict[str, Any]]) -> dict[str, Any] | None:
        orders = self.everywhere.list(
            "orders",
            fields=ORDER_FIELDS,
            filters={"id_cart": filter_value(*(int(c["id"]) for c in carts))},
            sort_by=sort("id"),
        )
        return orders[0] if orders else None

    def _shop_order(self, order: dict[str, Any], amazon_order_id: str) -> ShopOrder:
        currency = next(
            (
                iso
                for iso, (cur, _) in self.catalog.currencies.items()
                if cur == int(order.get("id_currency") or 0)
            ),
            "EUR",
        )
        precision = self.catalog.currencies.get(currency, (0, 2))[1]
        return ShopOrder(
            reference=str(order["id"]),
            amazon_order_id=amazon_order_id,
            status=self._status_of(int(order.get("current_state") or 0)),
            total=Money(round_to(Decimal(str(order.get("total_paid") or "0")), precision), currency),
        )

    def _status_of(self, state: int) -> ShopOrderStatus:
        for channel in self.catalog.channels.values():
            steps = {step for step, sid in channel.states.items() if sid == state}
            if "cancelled" in steps:
                return ShopOrderStatus.CANCELLED
            if steps & {"shipped", "fba"}:
                return ShopOrderStatus.SHIPPED
            if "partially_shipped" in steps:
                return ShopOrderStatus.PARTIALLY_SHIPPED
        return ShopOrderStatus.TO_SHIP

    def _state_for(self, status: ShopOrderStatus, order: dict[str, Any]) -> int | None:
        """The mapped state; when accounts map differently, the channel of the order's shop and language."""
        step = {
            ShopOrderStatus.CANCELLED: "cancelled",
            ShopOrderStatus.SHIPPED: "shipped",
            ShopOrderStatus.PARTIALLY_SHIPPED: "partially_shipped",
            ShopOrderStatus.TO_SHIP: "merchant",
        }[status]
        channels = list(self.catalog.channels.values())
        same = [
            c
            for c in channels
            if str(c.id_shop) == str(order.get("id_shop", c.id_shop))
            and str(c.id_lang) == str(order.get("id_lang", c.id_lang))
        ] or channels
        choices = {c.states.get(step) for c in same}
        if len(choices) > 1:
            log.warning("channels map %s differently; using the first matching channel's state", step)
        return same[0].states.get(step) if same else None
