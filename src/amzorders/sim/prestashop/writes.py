"""POST and PUT of the fake webservice: schema validation, then the per-resource rules.

Validation order as observed: a missing required field -> 400 code 41 `parameter "x" required`; then per
field, in schema order, an empty required value (`... is empty.`), a value over `maxSize`, or a value
its validator refuses (`... is not valid`) -> 400 code 85. Empty optional values are not validated
(an empty postcode is accepted). Read-only fields are ignored on write.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from . import checkout, stock
from .errors import NotFound, WsError, invalid, required
from .payload import Payload
from .schemas import ResourceSpec
from .validators import is_valid

if TYPE_CHECKING:
    from .shop import FakePrestaShop

_SIX_DECIMALS = {"isprice", "isnegativeprice"}


def validate(spec: ResourceSpec, payload: Payload, *, partial: bool = False) -> dict:
    """The writable values of `payload` after PrestaShop's checks (raises `WsError`); `partial` (PATCH)
    skips the presence check of required fields."""
    for f in spec.fields:
        if f.required and not partial and f.name not in payload.values:
            raise required(f.name)
    values: dict = {}
    for f in spec.fields:
        if f.name not in payload.values or f.read_only:
            continue
        value = payload.values[f.name]
        texts = list(value.values()) if isinstance(value, dict) else [value]
        for text in texts:
            if f.required and text == "" and not isinstance(value, dict):
                raise invalid(spec.class_name, f.name, "is empty.")
            if f.max_size is not None and len(text) > f.max_size:
                raise invalid(
                    spec.class_name, f.name, f"length ({len(text)}) must be between 0 and {f.max_size}"
                )
            if text != "" and f.format and not is_valid(f.format, text):
                raise invalid(spec.class_name, f.name)
        if isinstance(value, str) and f.format and f.format.lower() in _SIX_DECIMALS and value != "":
            value = f"{Decimal(value):.6f}"
        values[f.name] = value
    return values


def _id_of(payload: Payload, url_id: int | None) -> int:
    """PUT needs the id in the body (code 90), equal to the URL's id when there is one (code 89)."""
    raw = payload.values.get("id")
    if not isinstance(raw, str) or not raw.strip().isdigit():
        raise WsError(400, [(90, "id is required when modifying a resource")])
    if url_id is not None and int(raw) != url_id:
        raise WsError(400, [(89, f"id is invalid: the body says {raw}, the URL {url_id}")])
    return int(raw)


def create(
    shop: FakePrestaShop, resource: str, payload: Payload, params: dict[str, str]
) -> tuple[dict, dict]:
    """Runs a POST; returns (the record to echo, the stored record)."""
    spec = shop.specs[resource]
    values = validate(spec, payload)
    if resource == "orders":
        return checkout.create_order(shop, values, payload)
    if resource == "order_histories":
        row = checkout.add_history(shop, values, send_email=params.get("sendemail") == "1")
        return row, row
    handler = _CREATE.get(resource)
    if handler is not None:
        values = handler(shop, values, payload)
    elif resource not in _GENERIC_WRITES:
        raise WsError(405, [(10, f"POST on {resource} is not modelled by the fake PrestaShop")])
    if payload.associations is not None and spec.associations:
        values["associations"] = {a.name: payload.associations.get(a.name, []) for a in spec.associations}
    row = shop.insert(resource, values)
    if resource == "combinations":
        shop.attach_combination(row)
    return row, row


def update(
    shop: FakePrestaShop, resource: str, url_id: int | None, payload: Payload, *, partial: bool = False
) -> dict:
    """PUT (every required field present) or, with `partial`, PATCH (only the fields sent; not recorded)."""
    spec = shop.specs[resource]
    id_ = _id_of(payload, url_id)
    current = shop.get(resource, id_)
    if current is None:
        raise NotFound
    values = validate(spec, payload, partial=partial)
    if not partial:
        values = {**_cleared(spec, payload), **values}
    if resource == "orders":
        return checkout.update_order(shop, current, values)
    handler = _UPDATE.get(resource)
    if handler is not None:
        values = handler(shop, current, values, payload)
    elif resource not in _GENERIC_WRITES:
        raise WsError(405, [(10, f"PUT on {resource} is not modelled by the fake PrestaShop")])
    current.update(values)
    current["date_upd"] = shop.now() if "date_upd" in spec.by_name else current.get("date_upd")
    return current


# Formats whose field PrestaShop stores as a number: a field cleared by a PUT reads back "0", not "".
_NUMERIC_FORMATS = frozenset(
    f.lower()
    for f in (
        "isBool", "isFloat", "isInt", "isNegativePrice", "isNullOrUnsignedId", "isPositiveInt", "isPrice",
        "isUnsignedFloat", "isUnsignedId", "isUnsignedInt",
    )
)  # fmt: skip


def _cleared(spec, payload: Payload) -> dict:
    """A PUT replaces the object: `WebserviceRequest::saveEntityFromXml` sets every optional field the
    body leaves out to null, which PrestaShop then stores as 0 or "" (a stock row PUT without its
    `location` loses it). Only PATCH keeps what it does not send."""
    return {
        f.name: "0" if (f.format or "").lower() in _NUMERIC_FORMATS else ""
        for f in spec.fields
        if not (f.read_only or f.required or f.multilang or f.name == "id") and f.name not in payload.values
    }


def delete(shop: FakePrestaShop, resource: str, id_: int) -> None:
    if resource not in ("carts", "specific_prices", "addresses", "customers", "customer_messages"):
        raise WsError(405, [(10, f"DELETE on {resource} is not modelled by the fake PrestaShop")])
    if shop.tables[resource].pop(id_, None) is None:
        raise NotFound


# ---- customers -----------------------------------------------------------------------------------
def _hash_password(plain: str) -> str:
    """Not bcrypt, but shaped like one: the webservice stores a hash, never the posted text."""
    return "$2y$10$" + hashlib.sha256(plain.encode()).hexdigest()[:53]


def _email_taken(
    shop: FakePrestaShop, email: str, except_id: int | None = None, id_shop: str | None = None
) -> bool:
    """E-mails are unique per shop (live 8.2.1: the same e-mail got a customer in shop 1 and in shop 2)."""
    return any(
        c["email"].casefold() == email.casefold()
        and c["deleted"] != "1"
        and c["id"] != except_id
        and (id_shop is None or str(c.get("id_shop") or "1") == id_shop)
        for c in shop.tables["customers"].values()
    )


def _email_used() -> WsError:
    return WsError(
        500, [(140, "The email is already used, please choose another one"), (46, "Unable to save resource")]
    )


def _create_customer(shop: FakePrestaShop, values: dict, payload: Payload) -> dict:
    if _email_taken(shop, values["email"], id_shop=str(values.get("id_shop") or "1")):
        raise _email_used()
    group = values.get("id_default_group") or shop.configuration("PS_CUSTOMER_GROUP") or "3"
    values = {
        "id_default_group": group,
        "id_lang": shop.configuration("PS_LANG_DEFAULT") or "1",
        "active": "1",
        "id_shop": "1",
        "id_shop_group": "1",
        "newsletter_date_add": "0000-00-00 00:00:00",
        "birthday": "0000-00-00",
        "reset_password_validity": "0000-00-00 00:00:00",
        **values,
        "passwd": _hash_password(values["passwd"]),
        "secure_key": secrets.token_hex(16),
        "last_passwd_gen": shop.now(),
    }
    if payload.associations is None:
        values["associations"] = {"groups": [{"id": group}]}
    return values


def _update_customer(shop: FakePrestaShop, current: dict, values: dict, payload: Payload) -> dict:
    if "email" in values and _email_taken(shop, values["email"], except_id=current["id"]):
        raise _email_used()
    if values.get("passwd") not in (None, current["passwd"]):
        values["passwd"] = _hash_password(values["passwd"])
    return values


# ---- addresses -----------------------------------------------------------------------------------
def _check_address(shop: FakePrestaShop, merged: dict) -> None:
    country = shop.get("countries", int(merged.get("id_country") or 0))
    if country is None:  # not recorded: the fake refuses an unknown country rather than guess
        raise invalid("Address", "id_country")
    if country["need_identification_number"] == "1" and not merged.get("dni"):
        raise invalid("Address", "dni", "is empty.")


def _create_address(shop: FakePrestaShop, values: dict, payload: Payload) -> dict:
    _check_address(shop, values)
    return values


def _update_address(shop: FakePrestaShop, current: dict, values: dict, payload: Payload) -> dict:
    _check_address(shop, {**current, **values})
    return values


# ---- carts ---------------------------------------------------------------------------------------
def _cart_rows(shop: FakePrestaShop, payload: Payload, address: str) -> list[dict] | None:
    """Checks the cart rows (not recorded: the fake refuses unknown products and combinations)."""
    if payload.associations is None or "cart_rows" not in payload.associations:
        return None
    rows = []
    for row in payload.associations["cart_rows"]:
        for name in ("id_product", "id_product_attribute", "quantity"):
            if not row.get(name, "").strip().isdigit():
                raise WsError(
                    400,
                    [
                        (
                            85,
                            f'Validation error: "Property Cart->cart_rows: {name} '
                            f'{row.get(name, "")!r} is not valid"',
                        )
                    ],
                )
        product = shop.get("products", int(row["id_product"]))
        if product is None:
            raise WsError(
                400,
                [
                    (
                        85,
                        f'Validation error: "Property Cart->cart_rows: product '
                        f'{row["id_product"]} does not exist"',
                    )
                ],
            )
        combos = {c["id"] for c in product["associations"]["combinations"]}
        attr = row["id_product_attribute"]
        if (attr != "0" and attr not in combos) or (attr == "0" and combos):
            raise WsError(
                400,
                [
                    (
                        85,
                        f'Validation error: "Property Cart->cart_rows: product {product["id"]} '
                        f'needs one of its combinations {sorted(combos)}, not {attr}"',
                    )
                ],
            )
        rows.append(
            {
                "id_product": row["id_product"],
                "id_product_attribute": attr,
                "id_address_delivery": row.get("id_address_delivery") or address,
                "id_customization": row.get("id_customization") or "0",
                "quantity": row["quantity"],
            }
        )
    return rows


def _check_delivery_option(values: dict) -> None:
    option = values.get("delivery_option", "")
    if option:
        try:
            json.loads(option)
        except ValueError:
            raise invalid("Cart", "delivery_option") from None


def _create_cart(shop: FakePrestaShop, values: dict, payload: Payload) -> dict:
    _check_delivery_option(values)
    customer = shop.get("customers", int(values.get("id_customer") or 0))
    if not values.get("secure_key") and customer is not None:
        values["secure_key"] = customer["secure_key"]
    values.setdefault("id_shop_group", "1")
    values.setdefault("id_shop", "1")
    rows = _cart_rows(shop, payload, values.get("id_address_delivery", "0"))
    payload.associations = None  # rows are stored below, checked
    values["associations"] = {"cart_rows": rows or []}
    return values


def _update_cart(shop: FakePrestaShop, current: dict, values: dict, payload: Payload) -> dict:
    _check_delivery_option(values)
    rows = _cart_rows(shop, payload, values.get("id_address_delivery", current["id_address_delivery"]))
    if rows is not None:
        values["associations"] = {"cart_rows": rows}
    return values


def _create_combination(shop: FakePrestaShop, values: dict, payload: Payload) -> dict:
    if shop.get("products", int(values.get("id_product") or 0)) is None:
        raise invalid("Combination", "id_product")
    for name, default in (("price", "0.000000"), ("quantity", "0"), ("default_on", "0")):
        values[name] = values.get(name) or default
    return values


# ---- specific prices, stock, order carriers and payments ----------------------------------------------
def _create_specific_price(shop: FakePrestaShop, values: dict, payload: Payload) -> dict:
    if shop.get("products", int(values["id_product"])) is None:
        raise invalid("SpecificPrice", "id_product")
    values.setdefault("id_product_attribute", "0")
    values.setdefault("id_shop_group", "0")
    values.setdefault("id_specific_price_rule", "0")
    return values


def _update_stock(shop: FakePrestaShop, current: dict, values: dict, payload: Payload) -> dict:
    current.update(values)
    stock.refresh(shop, int(current["id_product"]), (current["id_shop"], current["id_shop_group"]))
    return values


def _update_order_carrier(shop: FakePrestaShop, current: dict, values: dict, payload: Payload) -> dict:
    order = shop.get("orders", int(values.get("id_order", current["id_order"])))
    if order is not None and "tracking_number" in values:
        order["shipping_number"] = values["tracking_number"]
        order["date_upd"] = shop.now()
    return values


_CREATE = {
    "customers": _create_customer,
    "addresses": _create_address,
    "carts": _create_cart,
    "specific_prices": _create_specific_price,
    "combinations": _create_combination,
}
_UPDATE = {
    "customers": _update_customer,
    "addresses": _update_address,
    "carts": _update_cart,
    "stock_availables": _update_stock,
    "order_carriers": _update_order_carrier,
}
_GENERIC_WRITES = {"order_payments", "customer_threads", "customer_messages", "configurations", "guests"}
