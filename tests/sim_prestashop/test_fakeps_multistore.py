"""Multistore as a live PrestaShop 8.2.1 showed it (a second shop in group 1, nothing shared), now modelled
by the fake: `id_shop` selects the shop of a call, orders and customers are listed per shop, a customer
e-mail is unique per shop, products are listed where they are associated, an unknown shop redirects."""

from __future__ import annotations

from sim_ps_helpers import new_customer


def test_customers_are_per_shop_and_listed_for_the_shop_of_the_call(ws, shop):
    second = shop.add_shop("Second")
    email = "same@marketplace.amazon.fr"
    first_id = new_customer(ws, email)
    second_id = new_customer(ws, email, id_shop=str(second))  # live: customers 510 (shop 1), 514 (shop 2)
    by_email = {"display": "[id,id_shop]", "filter[email]": f"[{email}]"}
    assert [c["id"] for c in ws.list("customers", **by_email)] == [first_id]
    assert [c["id"] for c in ws.list("customers", **by_email, id_shop=str(second))] == [second_id]
    assert len(ws.list("customers", **by_email, id_shop="all")) == 2
    same_shop = ws.post(
        "customers", "customer", {"lastname": "D", "firstname": "J", "email": email, "passwd": "x" * 9}
    )
    assert same_shop.status_code == 500  # "The email is already used" within one shop


def test_products_are_listed_where_they_are_associated_and_unknown_shops_redirect(ws, shop):
    second = shop.add_shop("Second")
    shop.not_in_shop.add(("products", 8, second))
    assert {p["id"] for p in ws.list("products", display="[id]", **{"filter[id]": "[8]"})} == {8}
    assert ws.list("products", display="[id]", id_shop=str(second), **{"filter[id]": "[8]"}) == []
    answer = ws.http.get("/api/orders", params={"id_shop": "7", "output_format": "JSON"})
    assert answer.status_code == 302  # live: 302 to the default shop's index.php


def test_configuration_is_listed_for_every_shop_and_read_in_the_shop_of_the_call(ws, shop):
    second = shop.add_shop("Second")
    shop.set_configuration("PS_ROUND_TYPE", "1", id_shop=second, id_shop_group=1)
    shop.set_configuration("PS_OS_SHIPPING", "5", id_shop_group=1)  # the whole group: both shops
    fields = {"display": "[name,value,id_shop]", "filter[name]": "[PS_ROUND_TYPE]"}
    for context in ("1", str(second)):  # PrestaShop lists configuration rows without a shop restriction
        listed = ws.list("configurations", **fields, id_shop=context)
        assert sorted((row["value"], row["id_shop"]) for row in listed) == [
            ("1", str(second)),
            ("2", ""),  # live 8.2.1: NULL is listed as ""
        ]
    read = {}
    for context in ("1", str(second)):
        shop.context_shop = context
        read[context] = (shop.configuration("PS_ROUND_TYPE"), shop.configuration("PS_OS_SHIPPING"))
    assert read == {"1": ("2", "5"), str(second): ("1", "5")}


def test_a_shop_group_sharing_stock_keeps_one_stock_for_its_shops_listed_in_every_context(ws, shop):
    group = shop.add_shop_group("Shared", share_stock=True)
    third, fourth = shop.add_shop("Third", group), shop.add_shop("Fourth", group)
    fields = {"display": "[id_shop,id_shop_group,quantity]", "filter[id_product]": "[8]"}
    for context in ("1", str(third), "all"):  # live: the same rows whatever the call's shop
        rows = ws.list("stock_availables", **fields, id_shop=context)
        assert sorted((row["id_shop"], row["id_shop_group"]) for row in rows) == [
            ("0", str(group)),
            ("1", "0"),
        ]
    shop.move_stock(8, 0, -2, id_shop=third)  # an order of shop 3 takes from the group's row
    assert shop.stock(8, id_shop=fourth) == shop.stock(8) - 2


def test_currencies_are_listed_where_they_are_associated(ws, shop):
    second = shop.add_shop("Second")
    shop.not_in_shop.add(("currencies", 2, second))
    listed = {context: {c["iso_code"] for c in ws.list("currencies", display="[iso_code]", id_shop=context)}
              for context in ("1", str(second))}  # fmt: skip
    assert listed == {"1": {"EUR", "GBP", "USD"}, str(second): {"EUR", "USD"}}  # live 8.2.1 alike
