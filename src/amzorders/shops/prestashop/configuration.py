"""PrestaShop's configuration values as the shop of a call sees them.

The webservice lists every row of the `configuration` table whatever the call's shop (8.2.1,
`Configuration::getWebserviceObjectList` has no shop restriction): the global value and, in a multistore,
one more row for each shop group or shop that overrides it. PrestaShop itself reads a value in the shop of
the request (`Configuration::get`): the shop's own row, else its group's, else the global one. An order
created in shop 2 is priced with shop 2's `PS_ROUND_TYPE` and lands in shop 2's `PS_OS_WS_PAYMENT`, so the
adapter resolves each value the same way, for each shop it creates orders in. Reading the listed rows into
one dict by name kept whichever row came last: another shop's override for every shop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from amzorders.shops.prestashop.pricing import ROUND_MODES

# Read by the adapter whatever the mapping says (the mapping's `PS_OS_*` state references are added).
ADAPTER_KEYS = frozenset(
    {"PS_OS_WS_PAYMENT", "PS_OS_OUTOFSTOCK_PAID", "PS_OS_ERROR", "PS_ROUND_TYPE", "PS_PRICE_ROUND_MODE"}
)
FIELDS = ["id", "name", "value", "id_shop", "id_shop_group"]

# PrestaShop's defaults on a fresh install, used when a key is absent.
_DEFAULTS = {
    "PS_OS_WS_PAYMENT": 11,
    "PS_OS_OUTOFSTOCK_PAID": 9,
    "PS_OS_ERROR": 8,
    "PS_ROUND_TYPE": 2,
    "PS_PRICE_ROUND_MODE": 2,
}


@dataclass(frozen=True, slots=True)
class ShopConfig:
    """The configuration one shop's orders are created and checked with."""

    id_shop: int
    values: Mapping[str, str]  # every listed key, as this shop reads it
    ws_payment_state: int  # the state of every webservice order whose total matched...
    backorder_state: int  # ...or this one when a product was out of stock
    error_state: int
    round_type: int
    round_mode: int  # PS_PRICE_ROUND_MODE: how every price step is rounded (half up by default)

    @property
    def creation_states(self) -> frozenset[int]:
        """The states `POST orders` leaves a correct order in, before the mapped one is applied."""
        return frozenset({self.ws_payment_state, self.backorder_state})


def values_in_shop(rows: Iterable[Mapping[str, Any]], id_shop: int, id_shop_group: int) -> dict[str, str]:
    """Each key's value as `Configuration::get` reads it in shop `id_shop` of group `id_shop_group`: the
    shop's row, else the group's, else the global row (no shop, no group). Other shops' rows are ignored."""
    best: dict[str, tuple[int, str]] = {}
    for row in rows:
        row_shop, row_group = _id(row.get("id_shop")), _id(row.get("id_shop_group"))
        if row_shop:
            rank = 2 if row_shop == id_shop else -1
        elif row_group:
            rank = 1 if row_group == id_shop_group else -1
        else:
            rank = 0
        name = str(row.get("name") or "")
        if rank >= 0 and name and rank >= best.get(name, (-1, ""))[0]:
            best[name] = (rank, "" if row.get("value") is None else str(row.get("value")))
    return {name: value for name, (_, value) in best.items()}


def shop_config(rows: Iterable[Mapping[str, Any]], id_shop: int, id_shop_group: int) -> ShopConfig:
    values = values_in_shop(rows, id_shop, id_shop_group)
    return ShopConfig(
        id_shop=id_shop,
        values=values,
        ws_payment_state=_int(values, "PS_OS_WS_PAYMENT"),
        backorder_state=_int(values, "PS_OS_OUTOFSTOCK_PAID"),
        error_state=_int(values, "PS_OS_ERROR"),
        round_type=_int(values, "PS_ROUND_TYPE"),
        round_mode=_round_mode(values),
    )


def _round_mode(values: Mapping[str, str]) -> int:
    mode = _int(values, "PS_PRICE_ROUND_MODE")
    return mode if mode in ROUND_MODES else _DEFAULTS["PS_PRICE_ROUND_MODE"]


def _id(value: Any) -> int:
    """A row's `id_shop` or `id_shop_group`: NULL (listed as "" or absent) and 0 both mean none."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else 0


def _int(values: Mapping[str, str], name: str) -> int:
    text = values.get(name, "").strip()
    return int(text) if text.isdigit() else _DEFAULTS[name]
