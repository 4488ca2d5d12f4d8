"""The data of a fresh PrestaShop 8.2.1 install with demo data, as the notes record it.

Ids are those of the notes §1 (languages en=1 fr=2, EUR=1, France=8, Spain=6, tax rules group 1 = FR
20 % with a rule per European country and none for the US, carriers 1-4, customer group 3, product 8
"Mug Today is a good day"). Order states are read at run time from `samples/order_states_full.xml`.
GBP and USD are extra currencies (the fresh install has only EUR); the demo product list is abridged to
the products the tests and scenarios use. Every seeded country is active: a fresh install for France
activates only FR and US, a merchant selling on Amazon Europe activates the others
(`FakePrestaShop.set_country_active` turns one off).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import TYPE_CHECKING

from .schemas import data_dir

if TYPE_CHECKING:
    from .shop import FakePrestaShop

# (id, iso, English name, French name, zone, call prefix, need_identification_number, zip format)
COUNTRIES = (
    (1, "DE", "Germany", "Allemagne", 1, 49, 0, "NNNNN"),
    (6, "ES", "Spain", "Espagne", 1, 34, 1, "NNNNN"),
    (8, "FR", "France", "France", 1, 33, 0, "NNNNN"),
    (10, "IT", "Italy", "Italie", 1, 39, 0, "NNNNN"),
    (17, "GB", "United Kingdom", "Royaume-Uni", 1, 44, 0, ""),
    (21, "US", "United States", "États-Unis", 2, 1, 0, "NNNNN"),
)

CURRENCIES = (
    (1, "EUR", "Euro", "€", "978", "1.000000"),
    (2, "GBP", "British Pound", "£", "826", "0.860000"),
    (3, "USD", "US Dollar", "$", "840", "1.080000"),
)

CONFIGURATION = {
    "PS_LANG_DEFAULT": "1",
    "PS_CURRENCY_DEFAULT": "1",
    "PS_COUNTRY_DEFAULT": "8",
    "PS_SHOP_DEFAULT": "1",
    "PS_CUSTOMER_GROUP": "3",
    "PS_GUEST_GROUP": "2",
    "PS_UNIDENTIFIED_GROUP": "1",
    "PS_CARRIER_DEFAULT": "1",
    "PS_TAX": "1",
    "PS_ROUND_TYPE": "2",
    "PS_PRICE_ROUND_MODE": "2",
    "PS_PRICE_DISPLAY_PRECISION": "2",
    "PS_SHIPPING_HANDLING": "2",
    "PS_STOCK_MANAGEMENT": "1",
    "PS_ORDER_OUT_OF_STOCK": "0",
    "PS_MAIL_METHOD": "3",
    "PS_WEBSERVICE": "1",
    "PS_OS_CHEQUE": "1",
    "PS_OS_PAYMENT": "2",
    "PS_OS_PREPARATION": "3",
    "PS_OS_SHIPPING": "4",
    "PS_OS_DELIVERED": "5",
    "PS_OS_CANCELED": "6",
    "PS_OS_REFUND": "7",
    "PS_OS_ERROR": "8",
    "PS_OS_OUTOFSTOCK": "9",
    "PS_OS_OUTOFSTOCK_PAID": "9",
    "PS_OS_BANKWIRE": "10",
    "PS_OS_WS_PAYMENT": "11",
    "PS_OS_OUTOFSTOCK_UNPAID": "12",
    "PS_OS_COD_VALIDATION": "13",
}

# (reference, name, price excl. tax, stock): the demo catalogue, ids 1.. in this order.
DEMO_PRODUCTS = (
    ("demo_1", "Hummingbird printed t-shirt", "23.90", 2400),
    ("demo_3", "Hummingbird printed sweater", "35.90", 1200),
    ("demo_6", "The best is yet to come' Framed poster", "29.00", 900),
    ("demo_5", "The adventure begins Framed poster", "29.00", 900),
    ("demo_7", "Today is a good day Framed poster", "29.00", 900),
    ("demo_11", "Mug The best is yet to come", "11.90", 300),
    ("demo_12", "Mug The adventure begins", "11.90", 300),
    ("demo_13", "Mug Today is a good day", "11.90", 300),
    ("demo_15", "Mountain fox cushion", "18.90", 900),
    ("demo_16", "Brown bear cushion", "18.90", 900),
    ("demo_17", "Hummingbird cushion", "18.90", 900),
)


def load_sample_records(relative: str) -> list[dict]:
    """Records from a recorded collection response (field text, multilingual fields as {lang: text})."""
    root = ET.parse(data_dir() / relative).getroot()
    records = []
    for entity in root[0]:
        record: dict = {}
        for child in entity:
            if child.find("language") is not None:
                record[child.tag] = {int(lang.get("id", "0")): lang.text or "" for lang in child}
            else:
                record[child.tag] = child.text or ""
        record["id"] = int(record["id"])
        records.append(record)
    return records


def _both(text: str) -> dict[int, str]:
    return {1: text, 2: text}


def seed_install(shop: FakePrestaShop) -> None:
    """Everything but the demo catalogue: languages, countries, currencies, states, carriers, modules."""
    for iso, name, locale in ((("en", "English (English)", "en-US")), ("fr", "Français (French)", "fr-FR")):
        shop.insert(
            "languages",
            {
                "name": name,
                "iso_code": iso,
                "locale": locale,
                "language_code": locale.lower(),
                "active": "1",
                "is_rtl": "0",
            },
        )
    shop.insert(
        "shops",
        {"id_shop_group": "1", "id_category": "2", "active": "1", "deleted": "0", "name": "AmazonTestShop"},
    )
    shop.insert("zones", {"name": "Europe", "active": "1"}, id=1)
    shop.insert("zones", {"name": "North America", "active": "1"}, id=2)
    for id_, iso, en, fr, zone, prefix, dni, zip_format in COUNTRIES:
        shop.insert(
            "countries",
            {
                "id_zone": str(zone),
                "id_currency": "0",
                "call_prefix": str(prefix),
                "iso_code": iso,
                "active": "1",
                "contains_states": "1" if iso == "US" else "0",
                "need_identification_number": str(dni),
                "need_zip_code": "1",
                "zip_code_format": zip_format,
                "display_tax_label": "1",
                "name": {1: en, 2: fr},
            },
            id=id_,
        )
    for id_, iso, name, symbol, numeric, rate in CURRENCIES:
        shop.insert(
            "currencies",
            {
                "names": _both(name),
                "name": name,
                "symbol": _both(symbol),
                "iso_code": iso,
                "numeric_iso_code": numeric,
                "precision": "2",
                "conversion_rate": rate,
                "deleted": "0",
                "active": "1",
                "unofficial": "0",
                "modified": "0",
                "pattern": _both(""),
            },
            id=id_,
        )
    for id_, name in ((1, "Visitor"), (2, "Guest"), (3, "Customer")):
        shop.insert(
            "groups",
            {"reduction": "0.00", "price_display_method": "0", "show_prices": "1", "name": _both(name)},
            id=id_,
        )
    shop.insert("tax_rule_groups", {"name": "FR Taux standard (20%)", "active": "1", "deleted": "0"}, id=1)
    shop.insert("taxes", {"rate": "20.000", "active": "1", "deleted": "0"}, id=1)
    # As on the real install (country FR): group 1 has a rule for each European country, none for the
    # United States, where PrestaShop therefore charges no tax.
    for id_, _iso, _en, _fr, zone, *_ in COUNTRIES:
        if zone == 1:
            shop.add_tax_rule(1, id_, 1)
    for name, value in CONFIGURATION.items():  # global rows: no shop, no group (listed as "", live 8.2.1)
        shop.insert("configurations", {"name": name, "value": value, "id_shop": "", "id_shop_group": ""})
    for record in load_sample_records("samples/order_states_full.xml"):
        shop.insert("order_states", record, id=record["id"])
    for module in ("ps_wirepayment", "ps_checkpayment", "ps_cashondelivery"):
        shop.add_payment_module(module)
    _seed_carriers(shop)


def seed_demo_products(shop: FakePrestaShop) -> None:
    for reference, name, price, stock in DEMO_PRODUCTS:
        shop.add_product(reference, name, Decimal(price), quantity=stock)


def _seed_carriers(shop: FakePrestaShop) -> None:
    """1 Click and collect (free), 2 My carrier (5 + 2 handling excl. tax), 3 and 4 inactive."""
    click = shop.add_carrier("Click and collect")
    shop.tables["carriers"][click]["delay"] = _both("Pick up in-store")
    mine = shop.add_carrier("My carrier", price=Decimal(5))
    shop.tables["carriers"][mine].update(shipping_handling="1", delay=_both("Delivery next day!"))
    shop.add_carrier("My cheap carrier", price=Decimal(3), active=False)
    shop.add_carrier("My light carrier", price=Decimal(4), active=False)
