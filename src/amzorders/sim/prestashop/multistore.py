"""Multistore as a live PrestaShop 8.2.1 showed it (docs/prestashop.md, "Multistore").

- The shop of a call is its `id_shop` query parameter (`all`: every shop), else the URL's shop (1 here).
  An id that is no active shop is answered with a 302 to the default shop's front page.
- Orders and customers are listed for the context shop only (shop groups sharing nothing, as installed);
  carts are not. A single object is read by id in any context.
- Carriers and products are listed only when associated with the context shop.
- A customer e-mail is unique per shop: the same buyer gets one customer per shop.
- `POST orders`: the order takes the cart's shop, its rows the context shop; cart prices of another shop
  than the context's are ignored (a shop-2 order posted in shop 1's context: "Payment error", 14.28 for
  Amazon's 20.27, its shipping row at 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shop import FakePrestaShop

SCOPED = ("orders", "customers")  # filtered by the context shop's id_shop
ASSOCIATED = ("products", "carriers")  # filtered by association with the context shop


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
    return int(row["id"])


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
        return [r for r in records if (resource, int(r["id"]), int(context)) not in shop.not_in_shop]
    return records
