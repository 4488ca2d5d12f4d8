"""Start-up checks of a multistore mapping: every mapped shop exists and can take the orders mapped to it.

PrestaShop 8.2.1 (live, docs/prestashop.md) selects the shop of a webservice call with `id_shop`; an
unknown or inactive id answers with a redirect to the default shop's front page, a key not enabled for
the shop with 403. Carriers and products are associated per shop: one the shop does not list cannot be
ordered there. So are currencies: an order in a currency its shop does not list is created, at a
conversion rate of 1 (PrestaShop's statistics then count pounds as euros); the adapter refuses it
instead (`ShopCatalog.currency`). Mappings that only name shop 1 (the default) cost no call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from amzorders.shops.prestashop.client import PrestaShopClient, filter_value
from amzorders.shops.prestashop.errors import PrestaShopError
from amzorders.shops.prestashop.mapping import MappingError

if TYPE_CHECKING:
    from amzorders.shops.prestashop.catalog import ResolvedChannel, ShopCatalog


def check_shops(catalog: ShopCatalog, client: PrestaShopClient) -> None:
    """Raise `MappingError` naming the key when a mapped shop cannot take its marketplace's orders."""
    channels = list(catalog.channels.values())
    if all((c.id_shop, c.id_shop_group) == (1, 1) for c in channels):
        return
    shops = {int(row["id"]): row for row in client.list("shops", fields=["id", "id_shop_group", "active"])}
    by_shop: dict[int, list[ResolvedChannel]] = {}
    for channel in channels:
        _check_shop(channel, shops.get(channel.id_shop))
        by_shop.setdefault(channel.id_shop, []).append(channel)
    for id_shop, mapped in sorted(by_shop.items()):
        _check_associations(catalog, client.in_shop(id_shop), id_shop, mapped)


def _key(channel: ResolvedChannel, field: str) -> str:
    c = channel.channel
    return f"{c.key_prefix}marketplaces.{c.marketplace_id}.{field}"


def _check_shop(channel: ResolvedChannel, row: dict[str, Any] | None) -> None:
    if row is None:
        raise MappingError(_key(channel, "id_shop"), f"no shop {channel.id_shop} in PrestaShop")
    if str(row.get("active", "1")) != "1":
        raise MappingError(_key(channel, "id_shop"), f"shop {channel.id_shop} is not active")
    group = int(row.get("id_shop_group") or 0)
    if group != channel.id_shop_group:
        raise MappingError(
            _key(channel, "id_shop_group"),
            f"shop {channel.id_shop} is in shop group {group}, not {channel.id_shop_group}",
        )


def _check_associations(
    catalog: ShopCatalog, client: PrestaShopClient, id_shop: int, channels: list[ResolvedChannel]
) -> None:
    first = channels[0]
    try:
        carriers = {int(r["id"]) for r in client.list("carriers", fields=["id"])}
        catalog.shop_currencies[id_shop] = {int(r["id"]) for r in client.list("currencies", fields=["id"])}
        shipping = catalog.shipping_product_id
        products = (
            client.list("products", fields=["id"], filters={"id": filter_value(shipping)}) if shipping else []
        )
    except PrestaShopError as exc:
        raise MappingError(
            _key(first, "id_shop"),
            f"shop {id_shop} cannot be read with this webservice key ({exc}): enable the key for that shop "
            "(Advanced Parameters > Webservice, shop association)",
        ) from exc
    for channel in channels:
        if channel.id_currency is not None and channel.id_currency not in catalog.shop_currencies[id_shop]:
            raise MappingError(
                _key(channel, "currency"),
                f"currency {channel.id_currency} is not available in shop {id_shop}: associate it with that "
                "shop (International > Localization > Currencies, Multistore)",
            )
        wanted = {channel.channel.carrier_for(level)[0]: cid for level, cid in channel.carriers.items()}
        wanted[f"{channel.channel.key_prefix}default_carrier"] = channel.default_carrier
        for key, carrier in sorted(wanted.items()):
            if carrier not in carriers:
                raise MappingError(
                    key,
                    f"carrier {carrier} is not available in shop {id_shop}: associate it with that shop "
                    "(Shipping > Carriers, Multistore)",
                )
    if catalog.shipping_product_id and not products:
        raise MappingError(
            "shipping_product",
            f"product {catalog.shipping_product_id} ({catalog.mapping.shipping_product}) is not in shop "
            f"{id_shop}: associate it with that shop (Catalog > Products, Multistore)",
        )
