"""Stock as a live PrestaShop 8.2.1 keeps it in a multistore (docs/prestashop.md, "Shop groups").

- One `stock_available` row per product, combination and *owner*: a shop owns its stock (`id_shop` n,
  `id_shop_group` 0) unless its shop group shares stock, then the group does (`id_shop` 0, the group's id).
- An order takes its stock from the owner of its shop (a shop-3 order in a sharing group 2: the group's
  row, never shop 1's).
- The webservice lists every owner's rows whatever the call's shop.
- A new shop gets a copy of shop 1's quantities (a sharing group's rows are created once, as
  `StockAvailable::setQuantity` would).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shop import FakePrestaShop

Owner = tuple[str, str]  # (id_shop, id_shop_group) as stored


def owner(shop: FakePrestaShop, id_shop: int) -> Owner:
    row = shop.get("shops", id_shop) or {}
    group = int(row.get("id_shop_group") or 1)
    return ("0", str(group)) if group in shop.stock_sharing_groups else (str(id_shop), "0")


def owners(shop: FakePrestaShop) -> list[Owner]:
    """Every owner of stock, shop 1's first."""
    found = [owner(shop, id_shop) for id_shop in sorted(shop.tables["shops"]) or [1]]
    return list(dict.fromkeys([owner(shop, 1), *found]))


def row(shop: FakePrestaShop, id_product: int, id_attribute: int, of: Owner) -> dict | None:
    return next(
        (
            s
            for s in shop.tables["stock_availables"].values()
            if s["id_product"] == str(id_product)
            and s["id_product_attribute"] == str(id_attribute)
            and (s["id_shop"], s["id_shop_group"]) == of
        ),
        None,
    )


def add(shop: FakePrestaShop, id_product: int, id_attribute: int, quantity: int) -> None:
    """A product's or combination's stock, `quantity` for every owner (the product lists shop 1's row)."""
    for index, (id_shop, id_group) in enumerate(owners(shop)):
        added = shop.insert(
            "stock_availables",
            {
                "id_product": str(id_product),
                "id_product_attribute": str(id_attribute),
                "id_shop": id_shop,
                "id_shop_group": id_group,
                "quantity": str(quantity),
                "depends_on_stock": "0",
                "out_of_stock": "2",
            },
        )
        if index == 0:
            shop.tables["products"][id_product]["associations"]["stock_availables"].append(
                {"id": str(added["id"]), "id_product_attribute": str(id_attribute)}
            )


def copy_for(shop: FakePrestaShop, id_shop: int) -> None:
    """The stock of a new shop: shop 1's quantities, unless its owner (a sharing group) has rows already."""
    new, first = owner(shop, id_shop), owner(shop, 1)
    rows = list(shop.tables["stock_availables"].values())
    if new == first or any((s["id_shop"], s["id_shop_group"]) == new for s in rows):
        return
    for s in rows:
        if (s["id_shop"], s["id_shop_group"]) == first:
            shop.insert("stock_availables", {**s, "id_shop": new[0], "id_shop_group": new[1]})


def move(shop: FakePrestaShop, id_product: int, id_attribute: int, delta: int, of: Owner) -> None:
    found = row(shop, id_product, id_attribute, of)
    if found is not None:
        found["quantity"] = str(int(found["quantity"]) + delta)
    refresh(shop, id_product, of)


def refresh(shop: FakePrestaShop, id_product: int, of: Owner) -> None:
    """The product-level row (attribute 0) of a product with combinations is their sum; the product's own
    `quantity` is shop 1's."""
    product = shop.tables["products"][id_product]
    combos = [int(c["id"]) for c in product["associations"]["combinations"]]
    total = row(shop, id_product, 0, of)
    if combos and total is not None:
        total["quantity"] = str(
            sum(int((row(shop, id_product, c, of) or {}).get("quantity", 0)) for c in combos)
        )
    if of == owner(shop, 1):
        product["quantity"] = total["quantity"] if total else "0"
