"""Configuration values as each shop reads them (`Configuration::get`: the shop's row, else its group's,
else the global one), from the rows the webservice lists for every shop at once."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from amzorders.shops.prestashop.configuration import shop_config, values_in_shop


def _row(name: str, value: str, id_shop: str = "", id_shop_group: str = "") -> dict[str, str]:
    return {"name": name, "value": value, "id_shop": id_shop, "id_shop_group": id_shop_group}


ROWS = [
    _row("PS_ROUND_TYPE", "2"),
    _row("PS_ROUND_TYPE", "1", id_shop="2", id_shop_group="1"),  # shop 2's own
    _row("PS_OS_SHIPPING", "4", id_shop="0", id_shop_group="0"),  # global, written with zeros
    _row("PS_OS_SHIPPING", "5", id_shop_group="2"),  # every shop of group 2
    _row("PS_OS_ERROR", "8"),
]


def test_a_shop_reads_its_own_row_then_its_groups_then_the_global_one():
    assert values_in_shop(ROWS, 1, 1) == {"PS_ROUND_TYPE": "2", "PS_OS_SHIPPING": "4", "PS_OS_ERROR": "8"}
    assert values_in_shop(ROWS, 2, 1) == {"PS_ROUND_TYPE": "1", "PS_OS_SHIPPING": "4", "PS_OS_ERROR": "8"}
    assert values_in_shop(ROWS, 3, 2) == {"PS_ROUND_TYPE": "2", "PS_OS_SHIPPING": "5", "PS_OS_ERROR": "8"}


def test_the_adapters_values_come_from_the_shop_and_default_to_a_fresh_install():
    second = shop_config([*ROWS, _row("PS_OS_WS_PAYMENT", "2", id_shop="2")], 2, 1)
    assert (second.round_type, second.ws_payment_state, second.error_state) == (1, 2, 8)
    assert second.creation_states == {2, 9}  # PS_OS_OUTOFSTOCK_PAID absent: PrestaShop's 9
    first = shop_config(ROWS, 1, 1)
    assert (first.round_type, first.ws_payment_state) == (2, 11)


_levels = st.sampled_from([("", ""), ("0", "0"), ("", "1"), ("", "2"), ("1", "1"), ("2", "1"), ("3", "2")])


def _level(row: tuple) -> tuple[str, int, int]:
    """PrestaShop keeps one row per key and level: a shop, a group (no shop), or global ("" or 0)."""
    name, (id_shop, id_group), _ = row
    return name, int(id_shop or 0), 0 if id_shop.strip("0") else int(id_group or 0)


@given(
    rows=st.lists(st.tuples(st.sampled_from(["A", "B"]), _levels, st.integers(0, 99)), unique_by=_level),
    seed=st.integers(0, 1_000),
    shop=st.sampled_from([(1, 1), (2, 1), (3, 2), (4, 2)]),
)
def test_the_value_a_shop_reads_is_its_most_specific_row_whatever_the_listing_order(rows, seed, shop):
    listed = [_row(name, str(value), *level) for name, level, value in rows]
    shuffled = random.Random(seed).sample(listed, len(listed))
    id_shop, id_group = shop
    got = values_in_shop(shuffled, id_shop, id_group)
    assert got == values_in_shop(listed, id_shop, id_group)
    for name in ("A", "B"):
        mine = [r for r in listed if r["name"] == name]
        own = [r["value"] for r in mine if r["id_shop"] == str(id_shop)]
        group = [
            r["value"] for r in mine if r["id_shop"] in ("", "0") and r["id_shop_group"] == str(id_group)
        ]
        everyone = [r["value"] for r in mine if r["id_shop"] in ("", "0") and r["id_shop_group"] in ("", "0")]
        expected = (own or group or everyone or [None])[0]
        assert got.get(name) == expected
