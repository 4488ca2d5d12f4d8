"""Payloads built from drafts: what the adapter posts, checked without a shop."""

from __future__ import annotations

import json
from decimal import Decimal

from ps_helpers import draft

from amzorders.shops.port import PostalAddress
from amzorders.shops.prestashop import payloads
from amzorders.shops.prestashop.validators import sanitize


def test_cart_pins_the_carrier_and_carries_the_tag():
    fields = payloads.cart_fields(
        id_customer=4,
        id_address=8,
        id_carrier=5,
        id_currency=1,
        id_lang=2,
        id_shop=1,
        id_shop_group=1,
        rows=[payloads.CartRow(8, 0, 2), payloads.CartRow(12, 31, 1)],
        tag=payloads.cart_tag("402-1-2"),
    )
    assert json.loads(fields["delivery_option"]) == {"8": "5,"}
    assert fields["gift_message"] == "Amazon order 402-1-2"
    rows = fields["associations"]["cart_rows"]
    assert [r[1]["id_product_attribute"] for r in rows] == [0, 31]
    assert all(r[1]["id_address_delivery"] == 8 for r in rows)


def test_specific_price_is_for_this_cart_only_at_six_decimals():
    fields = payloads.specific_price_fields(
        id_cart=16,
        id_shop=1,
        id_currency=2,
        id_product=8,
        id_product_attribute=0,
        price=Decimal("16.6583333"),
    )
    assert fields["id_currency"] == 2  # the cart's: 0 means "default currency, converted" (live 8.2.1)
    assert fields["price"] == Decimal("16.658333")
    assert (fields["id_cart"], fields["id_customer"], fields["id_group"], fields["from_quantity"]) == (
        16,
        0,
        0,
        1,
    )
    assert fields["reduction_type"] == "amount" and fields["from"] == "0000-00-00 00:00:00"


def test_order_total_is_a_plain_price():
    fields = payloads.order_fields(
        id_cart=1,
        id_customer=1,
        id_address=1,
        id_carrier=1,
        id_currency=1,
        id_lang=1,
        module="ps_wirepayment",
        payment_label="Amazon <EU>",
        total_paid=Decimal("1234.50"),
        total_products=Decimal("1028.75"),
    )
    assert fields["total_paid"] == fields["total_paid_real"] == "1234.50"
    assert fields["payment"] == "Amazon EU"


def test_address_passes_every_validator_and_keeps_what_was_cut():
    address = PostalAddress(
        name="Dupont2 (FR)",
        line1="x" * 140 + " rue",
        line2="<b>Bât</b> 4",
        city="Saint-Rémy" * 8,
        postal_code="13_210",
        country_code="ES",
        phone="+34 600 000 000 ext. 2",
        state_or_region="Madrid",
        company="ACME {Spain}",
    )
    fields = payloads.address_fields(
        address,
        id_customer=1,
        id_country=6,
        needs_dni=True,
        policy=payloads.AddressPolicy(),
        amazon_order_id="402-1-2",
    )
    assert sanitize.is_name(fields["firstname"]) and sanitize.is_name(fields["lastname"])
    assert sanitize.is_address(fields["address1"]) and sanitize.is_address(fields["address2"])
    assert sanitize.is_city_name(fields["city"]) and sanitize.is_postcode(fields["postcode"])
    assert sanitize.is_phone_number(fields["phone"]) and fields["phone"] == "+34 600 000 000"
    assert sanitize.is_dni_lite(fields["dni"]) and sanitize.is_generic_name(fields["company"])
    assert "Amazon order 402-1-2" in fields["other"] and "region: Madrid" in fields["other"]
    assert "Saint-Rémy" * 8 in fields["other"]


def test_buyer_names_fall_back_to_the_recipient():
    assert payloads.buyer_names(draft(buyer_name=None)) == ("Jean", "Dupont")
