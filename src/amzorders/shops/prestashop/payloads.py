"""The XML field sets the adapter posts, built from an `OrderDraft` by pure functions (no I/O).

Field names, required flags and limits are those of the recorded 8.2.1 synopses; every value that comes
from Amazon goes through `validators.sanitize` first, so PrestaShop's validators accept it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from amzorders.shops.port import OrderDraft, PostalAddress
from amzorders.shops.prestashop.validators import sanitize

CART_TAG_PREFIX = "Amazon order "
ALIAS = "Amazon"


def cart_tag(amazon_order_id: str) -> str:
    """The text written in the cart's gift_message (and copied into the order) to find it again."""
    return CART_TAG_PREFIX + amazon_order_id


def customer_fields(
    *,
    firstname: str,
    lastname: str,
    email: str,
    id_lang: int,
    id_group: int,
    id_shop: int,
    id_shop_group: int,
) -> dict[str, Any]:
    return {
        "lastname": lastname,
        "firstname": firstname,
        "email": email,
        # Required by the webservice; nobody logs in with it (PrestaShop stores a bcrypt hash).
        "passwd": secrets.token_urlsafe(18),
        "id_lang": id_lang,
        "id_default_group": id_group,
        "id_shop": id_shop,
        "id_shop_group": id_shop_group,
        "active": 1,
        "newsletter": 0,
        "optin": 0,
        "associations": {"groups": [("group", {"id": id_group})]},
    }


def buyer_names(draft: OrderDraft) -> tuple[str, str]:
    """(firstname, lastname) for the customer: the buyer's name, else the recipient's."""
    address_name = draft.delivery_address.name if draft.delivery_address else None
    return sanitize.split_name(draft.buyer_name or address_name)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """What to write when Amazon leaves out something PrestaShop requires."""

    dni_placeholder: str = "00000000T"
    phone_placeholder: str = "0000000000"


def address_fields(
    address: PostalAddress,
    *,
    id_customer: int,
    id_country: int,
    needs_dni: bool,
    policy: AddressPolicy,
    amazon_order_id: str,
) -> dict[str, Any]:
    """A delivery address PrestaShop accepts; cut text goes to `other`, tagged with the Amazon order id."""
    firstname, lastname = sanitize.split_name(address.name)
    address1, address2, overflow = sanitize.clean_address_lines(address.line1, address.line2, address.line3)
    city, city_overflow = sanitize.clean_city(address.city)
    phone = sanitize.clean_phone(address.phone) or (policy.phone_placeholder or None)
    notes = [f"{CART_TAG_PREFIX}{amazon_order_id}"]
    if overflow:
        notes.append(f"address: {overflow}")
    if city_overflow:
        notes.append(f"city: {city_overflow}")
    if address.state_or_region:
        notes.append(f"region: {address.state_or_region}")
    return {
        "id_customer": id_customer,
        "id_country": id_country,
        "alias": ALIAS,
        "company": sanitize.clean_generic(address.company),
        "lastname": lastname,
        "firstname": firstname,
        "address1": address1,
        "address2": address2,
        "postcode": sanitize.clean_postcode(address.postal_code),
        "city": city,
        "other": sanitize.clean_message(" | ".join(notes)),
        "phone": phone,
        "dni": policy.dni_placeholder if needs_dni else None,
    }


def placeholder_address(draft: OrderDraft, country_code: str) -> PostalAddress:
    """Amazon may withhold the address (FBA, restricted data): PrestaShop still needs one per order."""
    return PostalAddress(
        name=draft.buyer_name or "Amazon Customer",
        line1="Fulfilled by Amazon" if draft.fulfilled_by == "AMAZON" else "Address withheld by Amazon",
        city="-",
        country_code=country_code,
    )


@dataclass(frozen=True, slots=True)
class CartRow:
    id_product: int
    id_product_attribute: int
    quantity: int


def cart_fields(
    *,
    id_customer: int,
    id_address: int,
    id_carrier: int,
    id_currency: int,
    id_lang: int,
    id_shop: int,
    id_shop_group: int,
    rows: list[CartRow],
    tag: str,
) -> dict[str, Any]:
    return {
        "id_currency": id_currency,
        "id_lang": id_lang,
        "id_customer": id_customer,
        "id_address_delivery": id_address,
        "id_address_invoice": id_address,
        "id_carrier": id_carrier,
        "id_shop": id_shop,
        "id_shop_group": id_shop_group,
        "gift": 0,
        "gift_message": tag,
        # Pins the carrier: validateOrder ignores the order's id_carrier and reads this.
        "delivery_option": f'{{"{id_address}":"{id_carrier},"}}',
        "associations": {
            "cart_rows": [
                (
                    "cart_row",
                    {
                        "id_product": row.id_product,
                        "id_product_attribute": row.id_product_attribute,
                        "id_address_delivery": id_address,
                        "quantity": row.quantity,
                    },
                )
                for row in rows
            ]
        },
    }


def specific_price_fields(
    *,
    id_cart: int,
    id_shop: int,
    id_currency: int,
    id_product: int,
    id_product_attribute: int,
    price: Decimal,
) -> dict[str, Any]:
    """A price valid for this cart only (id_cart), in the cart's currency, every other dimension open.

    `id_currency` must be the cart's: PrestaShop takes a price with id_currency 0 as being in the default
    currency and multiplies it by the cart currency's conversion rate (live 8.2.1: a GBP order at 0.86
    landed in "Payment error" with 12.88 where Amazon's total was 14.98)."""
    return {
        "id_shop": id_shop,
        "id_shop_group": 0,
        "id_cart": id_cart,
        "id_product": id_product,
        "id_product_attribute": id_product_attribute,
        "id_currency": id_currency,
        "id_country": 0,
        "id_group": 0,
        "id_customer": 0,
        "id_specific_price_rule": 0,
        "price": price.quantize(Decimal("0.000001")),
        "from_quantity": 1,
        "reduction": "0",
        "reduction_tax": 1,
        "reduction_type": "amount",
        "from": "0000-00-00 00:00:00",
        "to": "0000-00-00 00:00:00",
    }


def order_fields(
    *,
    id_cart: int,
    id_customer: int,
    id_address: int,
    id_carrier: int,
    id_currency: int,
    id_lang: int,
    module: str,
    payment_label: str,
    total_paid: Decimal,
    total_products: Decimal,
) -> dict[str, Any]:
    """`total_paid` is what counts (compared with the cart's total); the other totals are recomputed."""
    return {
        "id_address_delivery": id_address,
        "id_address_invoice": id_address,
        "id_cart": id_cart,
        "id_currency": id_currency,
        "id_lang": id_lang,
        "id_customer": id_customer,
        "id_carrier": id_carrier,
        "module": module,
        "payment": sanitize.clean_generic(payment_label) or "Amazon",
        "total_paid": _price(total_paid),
        "total_paid_real": _price(total_paid),
        "total_products": _price(total_products),
        "total_products_wt": _price(total_paid),
        "conversion_rate": "1",
    }


def order_history_fields(*, id_order: int, id_order_state: int) -> dict[str, Any]:
    return {"id_order": id_order, "id_order_state": id_order_state}


def _price(value: Decimal) -> str:
    """isPrice: digits and a dot, never a comma nor a minus."""
    text = format(value, "f")
    if value < 0:
        raise ValueError(f"PrestaShop prices cannot be negative: {text}")
    return text
