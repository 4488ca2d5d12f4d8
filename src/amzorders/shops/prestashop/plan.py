"""Everything decided about one order before the first write: products, prices, carrier, state, address.

Planning reads only cached or read-only data (products by SKU, tax rates), so an order that cannot work
(unknown SKU, no tax rate, a total PrestaShop's rounding cannot reach) is refused before anything is
created in the shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from amzorders.shops.port import OrderDraft, OrderRejected, PostalAddress
from amzorders.shops.prestashop import payloads
from amzorders.shops.prestashop.catalog import Country, ResolvedChannel, ShopCatalog
from amzorders.shops.prestashop.lookups import ProductLookup
from amzorders.shops.prestashop.mapping import MappingError
from amzorders.shops.prestashop.pricing import ROUND_TOTAL, PricedLine, order_total, price_line, round_to
from amzorders.shops.prestashop.taxes import TaxRates
from amzorders.shops.prestashop.validators import sanitize


class TotalMismatch(OrderRejected):
    """PrestaShop's total cannot equal, or did not equal, Amazon's (the order is in "Payment error")."""


@dataclass(frozen=True, slots=True)
class PlanLine:
    key: str  # SKU, or the shipping product's reference
    id_product: int
    id_product_attribute: int
    quantity: int
    priced: PricedLine
    is_shipping: bool = False


@dataclass(frozen=True, slots=True)
class OrderPlan:
    lines: tuple[PlanLine, ...]
    total: Decimal  # Amazon's grand total at the currency's precision
    total_products_excl: Decimal
    id_carrier: int
    id_currency: int
    id_shop: int
    country: Country
    address: PostalAddress
    customer_email: str
    customer_name: tuple[str, str]
    state_step: str
    fba: bool
    precision: int = 2


def plan_order(
    draft: OrderDraft,
    channel: ResolvedChannel,
    catalog: ShopCatalog,
    products: ProductLookup,
    taxes: TaxRates,
) -> OrderPlan:
    oid = draft.amazon_order_id
    try:
        id_currency, precision = catalog.currency(channel, draft.currency)
    except MappingError as exc:
        raise OrderRejected(f"order {oid}: {exc}") from exc
    address = draft.delivery_address
    if address is None:
        fallback = channel.channel.market.country
        if fallback is None:
            raise OrderRejected(
                f"order {oid}: Amazon gave no delivery address; set "
                f"marketplaces.{draft.marketplace_id}.country "
                "to import such orders with a placeholder address"
            )
        address = payloads.placeholder_address(draft, fallback)
    country_code = address.country_code
    country = catalog.country(country_code)
    if country is None:
        raise OrderRejected(f"order {oid}: the shop has no country {country_code}: add it in PrestaShop")
    if not country.active:
        raise OrderRejected(
            f"order {oid}: the delivery country {country.iso_code} is not active in shop "
            f"{catalog.mapping.shop_name}: PrestaShop refuses orders delivered there; activate it "
            "(International > Locations > Countries), then retry the order"
        )

    # Lines of the same product and combination merge: a cart holds one row (and one price) per product.
    grouped: dict[tuple[int, int], list] = {}
    for line in draft.lines:
        ref = products.find(line.sku, channel.channel.product_match)
        grouped.setdefault((ref.id_product, ref.id_product_attribute), []).append((line, ref))
    drafts: list[RowDraft] = []
    for (id_product, id_attribute), entries in grouped.items():
        samples = [((line.unit_price * line.quantity).amount, line.tax.amount) for line, _ in entries]
        drafts.append(
            RowDraft(
                key="+".join(sorted({line.sku for line, _ in entries})),
                id_product=id_product,
                id_attribute=id_attribute,
                quantity=sum(line.quantity for line, _ in entries),
                target=sum((line.total_with_tax.amount for line, _ in entries), Decimal(0)),
                rate=taxes.rate(entries[0][1].id_tax_rules_group, country.id, country.iso_code, samples),
            )
        )
    shipping = (draft.shipping + draft.shipping_tax).amount
    if shipping != 0:
        if catalog.shipping_product_id is None:
            raise OrderRejected(
                f"order {oid}: Amazon charged shipping {shipping} {draft.currency} but no "
                "shipping_product is configured to carry it"
            )
        samples = [(draft.shipping.amount, draft.shipping_tax.amount)]
        drafts.append(
            RowDraft(
                key=catalog.mapping.shipping_product,
                id_product=catalog.shipping_product_id,
                id_attribute=0,
                quantity=1,
                target=shipping,
                rate=taxes.rate(catalog.shipping_tax_group, country.id, country.iso_code, samples),
                is_shipping=True,
            )
        )
    fold_promotions(drafts, round_to(draft.total.amount, precision), precision)
    # the channel's shop's settings: PrestaShop prices the cart there
    round_type, mode = channel.config.round_type, channel.config.round_mode
    planned = [_line(oid, d, round_type, precision, mode) for d in drafts if d.target or not d.is_shipping]

    total = round_to(draft.total.amount, precision)
    predicted = order_total([p.priced for p in planned], round_type, precision, mode)
    if predicted != total:
        inexact = [p.key for p in planned if not p.priced.exact]
        why = (
            f"PrestaShop's rounding (PS_ROUND_TYPE={round_type}, PS_PRICE_ROUND_MODE={mode}) cannot reach "
            "the amounts "
            f"of {', '.join(inexact)}"
            if inexact and round_type != ROUND_TOTAL
            else "Amazon's total is above the sum of its lines and shipping (a fee the draft does not carry?)"
        )
        raise TotalMismatch(
            f"order {oid}: PrestaShop would compute {predicted} {draft.currency} where Amazon's total is "
            f"{total}: {why}. Not created (it would land in Payment error)"
        )

    email = (
        sanitize.clean_email(draft.buyer_email)
        if channel.channel.customer_strategy == "per_buyer_email"
        else None
    )
    if email is None:
        email, name = channel.channel.global_customer_email, ("Amazon", "Customer")
    else:
        name = payloads.buyer_names(draft)
    return OrderPlan(
        lines=tuple(planned),
        total=total,
        total_products_excl=sum(
            (round_to(p.priced.price_excl * p.quantity, precision) for p in planned), Decimal(0)
        ),
        id_carrier=channel.carrier_for(draft.service_level),
        id_currency=id_currency,
        id_shop=channel.id_shop,
        country=country,
        address=address,
        customer_email=email,
        customer_name=name,
        state_step=channel.channel.import_state(draft)[0].rsplit(".", 1)[-1],
        fba=draft.fulfilled_by == "AMAZON",
        precision=precision,
    )


@dataclass
class RowDraft:
    """A cart row before pricing: Amazon's amount including tax and the shop's rate."""

    key: str
    id_product: int
    id_attribute: int
    quantity: int
    target: Decimal
    rate: Decimal | None
    is_shipping: bool = False


def fold_promotions(rows: list[RowDraft], total: Decimal, precision: int) -> None:
    """Make the rows add up to Amazon's total when promotions lowered it.

    The draft carries promotions only as a total below its lines. A discount equal to the shipping
    charge is a free-shipping promotion: shipping goes to zero. Otherwise the discount is spread over the
    rows in proportion to their amounts, so each line shows what the buyer actually paid: each row's
    share rounded down to the cent, then the cents left one each to the rows whose share lost the most
    in rounding (largest remainders). A share then never exceeds its row: a remainder put whole on the
    largest row made it negative when every row was a few cents (5 rows of 0.03, 77 % off). A total above
    the rows is left for the total check to refuse.
    """
    discount = sum((r.target for r in rows), Decimal(0)) - total
    if discount <= 0:
        return
    shipping = [r for r in rows if r.is_shipping]
    if shipping and shipping[0].target == discount:
        shipping[0].target = Decimal(0)
        return
    gross = sum((r.target for r in rows), Decimal(0))
    if discount > gross:
        return
    cent = Decimal(1).scaleb(-precision)
    exact = [discount * r.target / gross for r in rows]  # each at most its row: discount <= gross
    shares = [e.quantize(cent, rounding=ROUND_DOWN) for e in exact]
    left = int((discount - sum(shares, Decimal(0))) / cent)  # fewer than the rows: one cent each at most
    by_remainder = sorted(
        range(len(rows)), key=lambda i: (exact[i] - shares[i], rows[i].target), reverse=True
    )
    for i in by_remainder[:left]:  # a row whose share lost a part of a cent has that cent of room
        shares[i] += cent
    for row, share in zip(rows, shares, strict=True):
        row.target -= share


def _line(oid: str, row: RowDraft, round_type: int, precision: int, mode: int) -> PlanLine:
    if row.rate is None:
        raise OrderRejected(
            f"order {oid}: no tax rate known for {row.key}: give the webservice key read access to "
            "tax_rules and taxes, or set prestashop.tax_rates"
        )
    if row.target < 0:
        raise OrderRejected(
            f"order {oid}: {row.key} has a negative amount {row.target}, which PrestaShop cannot price"
        )
    priced = price_line(row.key, row.target, row.quantity, row.rate, round_type, precision, mode)
    return PlanLine(row.key, row.id_product, row.id_attribute, row.quantity, priced, row.is_shipping)
