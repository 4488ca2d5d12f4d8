"""Multistore as a live PrestaShop 8.2.1 showed it (docs/prestashop.md, "Multistore").

- The shop of a call is its `id_shop` query parameter (`all`: every shop), else the URL's shop (1 here).
  An id that is no active shop is answered with a 302 to the default shop's front page.
- Orders and customers are listed for the context shop only (shop groups sharing nothing, as installed);
  carts are not. A single object is read by id in any context.
- Carriers, products and currencies are listed only when associated with the context shop. An order in
  a currency its shop is not associated with is created, at a conversion rate of 1.
- A customer e-mail is unique per shop: the same buyer gets one customer per shop.
- `POST orders`: the order takes the cart's shop, its rows the context shop; cart prices of another shop
  than the context's are ignored (a shop-2 order posted in shop 1's context: "Payment error", 14.28 for
  Amazon's 20.27, its shipping row at 0).
- A module is enabled per shop: one disabled for the shop of the call cannot take its orders.
- Configuration: a shop or a shop group may override a global value with a row of its own. Every row is
  listed whatever the context (NULL ids as ""); PrestaShop reads a value in the context shop: its row,
  else its group's, else the global one (an order's rounding and states follow its shop).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import stock

if TYPE_CHECKING:
    from .shop import FakePrestaShop

SCOPED = ("orders", "customers")  # filtered by the context shop's id_shop
ASSOCIATED = ("products", "carriers", "currencies")  # filtered by association with the context shop


def add_shop(shop: FakePrestaShop, name: str, id_shop_group: int = 1) -> int:
    """A second shop; every product and carrier is associated with it (copied from shop 1)."""
    row = shop.insert(
        "shops",
        {
            "id_shop_group": str(id_shop_group),
            "id_category": "2",
            "active": "1",
            "deleted": "0",
            "name": name,
        },
    )
    stock.copy_for(shop, int(row["id"]))
    return int(row["id"])


def add_shop_group(shop: FakePrestaShop, name: str, *, share_stock: bool = False) -> int:
    """A shop group (customers and orders not shared); `share_stock`: its shops share one stock."""
    group = max(shop.shop_group_names) + 1
    shop.shop_group_names[group] = name
    if share_stock:
        shop.stock_sharing_groups.add(group)
    return group


def associated(shop: FakePrestaShop, resource: str, id_: int) -> bool:
    """Is the object associated with the context shop (every one is, unless `not_in_shop` says)?"""
    return (resource, id_, int(context_id(shop))) not in shop.not_in_shop


def known_context(shop: FakePrestaShop, value: str) -> bool:
    if value == "all":
        return True
    row = shop.get("shops", int(value)) if value.isdigit() else None
    return row is not None and row.get("active") == "1" and row.get("deleted") != "1"


def context_id(shop: FakePrestaShop) -> str:
    """The shop id PrestaShop's context uses (the default shop for `all`)."""
    return "1" if shop.context_shop == "all" else shop.context_shop


def visible(shop: FakePrestaShop, resource: str, records: list[dict]) -> list[dict]:
    context = shop.context_shop
    if context == "all":
        return records
    if resource in SCOPED:
        return [r for r in records if str(r.get("id_shop") or "1") == context]
    if resource in ASSOCIATED:
        return [r for r in records if associated(shop, resource, int(r["id"]))]
    return records


def configuration(shop: FakePrestaShop, name: str) -> str | None:
    """`Configuration::get(name)` in the context shop."""
    id_shop = int(context_id(shop))
    id_group = int((shop.get("shops", id_shop) or {}).get("id_shop_group") or 1)
    for level in ((id_shop, None), (None, id_group), (None, None)):
        row = configuration_row(shop, name, *level)
        if row is not None:
            return row["value"]
    return None


def configuration_row(
    shop: FakePrestaShop, name: str, id_shop: int | None, id_group: int | None
) -> dict | None:
    """The row of `name` set at exactly this level: a shop, a group (no shop), or global (neither)."""
    for row in shop.tables["configurations"].values():
        if row["name"] != name:
            continue
        row_shop = int(row.get("id_shop") or 0) or None
        row_group = None if row_shop else int(row.get("id_shop_group") or 0) or None
        if id_shop is not None:
            if row_shop == id_shop:
                return row
        elif row_shop is None and row_group == id_group:
            return row
    return None


def module_active(shop: FakePrestaShop, name: str) -> bool:
    """Is the installed module `name` active, and enabled for the shop of the call?"""
    return shop.payment_modules[name] and (name, int(context_id(shop))) not in shop.modules_off_in_shop
