"""Helpers for the fake PrestaShop tests: a tiny webservice client and the order-flow steps."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from xml.sax.saxutils import escape

import httpx


def xml_body(entity: str, fields: dict, associations: dict | None = None) -> str:
    """`<prestashop><entity>...</entity></prestashop>` from plain values (the webservice wants XML)."""
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
    if associations:
        parts = []
        for name, (node, rows) in associations.items():
            items = "".join(
                f"<{node}>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in row.items()) + f"</{node}>"
                for row in rows
            )
            parts.append(f"<{name}>{items}</{name}>")
        inner += "<associations>" + "".join(parts) + "</associations>"
    return f"<prestashop><{entity}>{inner}</{entity}></prestashop>"


class Ws:
    """Just enough client for the tests: XML writes, JSON reads, raw responses kept."""

    def __init__(self, url: str, key: str) -> None:
        # Certificate loading costs ~1 s per client on a busy machine; only https needs it.
        self.http = httpx.Client(base_url=url, auth=(key, ""), timeout=10, verify=url.startswith("https"))

    def close(self) -> None:
        self.http.close()

    def post(
        self, resource: str, entity: str, fields: dict, associations: dict | None = None, params: str = ""
    ) -> httpx.Response:
        return self.http.post(f"/api/{resource}{params}", content=xml_body(entity, fields, associations))

    def create(self, resource: str, entity: str, fields: dict, associations: dict | None = None) -> int:
        response = self.post(resource, entity, fields, associations)
        assert response.status_code == 201, response.text
        return int(ET.fromstring(response.content)[0].findtext("id"))

    def get(self, resource: str, id_: int) -> dict:
        response = self.http.get(f"/api/{resource}/{id_}", params={"output_format": "JSON"})
        assert response.status_code == 200, response.text
        return next(iter(json.loads(response.text).values()))

    def get_xml(self, resource: str, id_: int) -> ET.Element:
        response = self.http.get(f"/api/{resource}/{id_}")
        assert response.status_code == 200, response.text
        return ET.fromstring(response.content)[0]

    def put_xml(self, resource: str, element: ET.Element) -> httpx.Response:
        return self.put_xml_to(resource, int(element.findtext("id")), element)

    def put_xml_to(self, resource: str, id_: int, element: ET.Element) -> httpx.Response:
        body = b"<prestashop>" + ET.tostring(element) + b"</prestashop>"
        return self.http.put(f"/api/{resource}/{id_}", content=body)

    def list(self, resource: str, **params: str) -> list[dict]:
        response = self.http.get(f"/api/{resource}", params={**params, "output_format": "JSON"})
        assert response.status_code == 200, response.text
        data = json.loads(response.text)
        return [] if data == [] else data[resource]


def new_customer(ws: Ws, email: str = "buyer@marketplace.amazon.fr", **extra: str) -> int:
    return ws.create(
        "customers",
        "customer",
        {
            "lastname": "Dupont",
            "firstname": "Jean",
            "email": email,
            "passwd": "x12345678",
            "id_lang": 1,
            "id_default_group": 3,
            "active": 1,
            **extra,
        },
        {"groups": ("group", [{"id": 3}])},
    )


def new_address(ws: Ws, id_customer: int, id_country: int = 8, **extra: str) -> int:
    return ws.create(
        "addresses",
        "address",
        {
            "id_customer": id_customer,
            "id_country": id_country,
            "alias": "Amazon",
            "lastname": "Dupont",
            "firstname": "Jean",
            "address1": "12 rue du 8 mai 1945 (2e étage)",
            "postcode": "75001",
            "city": "Paris",
            "phone": "+33 1 23 45 67 89",
            **extra,
        },
    )


def new_cart(
    ws: Ws,
    id_customer: int,
    id_address: int,
    lines: list[tuple[int, int, int]],
    id_carrier: int = 1,
    id_currency: int = 1,
) -> int:
    return ws.create(
        "carts",
        "cart",
        {
            "id_currency": id_currency,
            "id_lang": 1,
            "id_customer": id_customer,
            "id_address_delivery": id_address,
            "id_address_invoice": id_address,
            "id_carrier": id_carrier,
            "id_shop": 1,
            "id_shop_group": 1,
        },
        {
            "cart_rows": (
                "cart_row",
                [
                    {
                        "id_product": p,
                        "id_product_attribute": a,
                        "id_address_delivery": id_address,
                        "quantity": q,
                    }
                    for p, a, q in lines
                ],
            )
        },
    )


def pin_carrier(ws: Ws, id_cart: int, id_address: int, id_carrier: int) -> None:
    cart = ws.get_xml("carts", id_cart)
    cart.find("delivery_option").text = json.dumps({str(id_address): f"{id_carrier},"})
    response = ws.put_xml("carts", cart)
    assert response.status_code == 200, response.text


def cart_price(
    ws: Ws, id_cart: int, id_product: int, price_excl: Decimal, id_attribute: int = 0, id_currency: int = 0
) -> int:
    return ws.create(
        "specific_prices",
        "specific_price",
        {
            "id_cart": id_cart,
            "id_product": id_product,
            "id_product_attribute": id_attribute,
            "id_shop": 1,
            "id_shop_group": 0,
            "id_currency": id_currency,
            "id_country": 0,
            "id_group": 0,
            "id_customer": 0,
            "id_specific_price_rule": 0,
            "price": f"{price_excl:.6f}",
            "from_quantity": 1,
            "reduction": 0,
            "reduction_tax": 1,
            "reduction_type": "amount",
            "from": "0000-00-00 00:00:00",
            "to": "0000-00-00 00:00:00",
        },
    )


def order_fields(
    id_cart: int, id_customer: int, id_address: int, total: str, module: str = "ps_wirepayment", **extra: str
) -> dict:
    return {
        "id_address_delivery": id_address,
        "id_address_invoice": id_address,
        "id_cart": id_cart,
        "id_currency": 1,
        "id_lang": 1,
        "id_customer": id_customer,
        "id_carrier": 1,
        "module": module,
        "payment": "Amazon",
        "total_paid": total,
        "total_paid_real": total,
        "total_products": total,
        "total_products_wt": total,
        "conversion_rate": 1,
        **extra,
    }
