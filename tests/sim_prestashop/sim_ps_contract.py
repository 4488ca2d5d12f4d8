"""Replays the recorded exchanges of shared/prestashop-ws/captures against a webservice.

Each capture gets a setup that makes its preconditions true through the webservice only (so the same
replay can run against a real shop), and the ids of the recording are replaced by those of the setup.
Comparison: status, content type, the webservice headers, error codes and messages, and the shape of
the body (XML element and attribute names, JSON keys and value types), never ids, dates or amounts.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sim_ps_helpers import Ws, new_address, new_cart, new_customer, order_fields

MUG = 8


@dataclass
class Prepared:
    """Replacements for the recorded request: element values and path ids."""

    elements: dict[str, str] = field(default_factory=dict)
    path_ids: dict[str, str] = field(default_factory=dict)

    def rewrite(self, method: str, path: str, body: str | None) -> tuple[str, str | None]:
        for old, new in self.path_ids.items():
            path = re.sub(rf"/{old}(?=$|\?)", f"/{new}", path)
        if body:
            for name, value in self.elements.items():
                body = re.sub(rf"<{name}>[^<]*</{name}>", f"<{name}>{value}</{name}>", body)
        return path, body


def unique_email(tag: str) -> str:
    return f"{tag}.{uuid.uuid4().hex[:10]}@marketplace.amazon.fr"


def _buyer(ws: Ws, quantity: int = 1) -> tuple[int, int, int]:
    customer = new_customer(ws, unique_email("cap"))
    address = new_address(ws, customer)
    return customer, address, new_cart(ws, customer, address, [(MUG, 0, quantity)])


def _order_ids(customer: int, address: int, cart: int) -> dict[str, str]:
    return {
        "id_customer": str(customer),
        "id_address_delivery": str(address),
        "id_address_invoice": str(address),
        "id_cart": str(cart),
    }


def _place(ws: Ws, total: str = "14.28") -> int:
    customer, address, cart = _buyer(ws)
    response = ws.post("orders", "order", order_fields(cart, customer, address, total))
    assert response.status_code == 201, response.text
    return int(ET.fromstring(response.content)[0].findtext("id"))


def _nothing(ws: Ws) -> Prepared:
    return Prepared()


def _fresh_cart(ws: Ws) -> Prepared:
    return Prepared(elements=_order_ids(*_buyer(ws)))


def _ordered_cart(ws: Ws) -> Prepared:
    customer, address, cart = _buyer(ws)
    assert ws.post("orders", "order", order_fields(cart, customer, address, "14.28")).status_code == 201
    return Prepared(elements=_order_ids(customer, address, cart))


def _placed_order(ws: Ws) -> Prepared:
    order = _place(ws)
    return Prepared(elements={"id_order": str(order)}, path_ids={"14": str(order)})


def _two_orders(ws: Ws) -> Prepared:
    _place(ws, "14.28")
    _place(ws, "9.99")
    return Prepared()


def _existing_customer(ws: Ws) -> Prepared:
    return Prepared(elements={"id_customer": str(new_customer(ws, unique_email("es")))})


def _email_in_use(ws: Ws) -> Prepared:
    email = unique_email("used")
    new_customer(ws, email)
    return Prepared(elements={"email": email})


def _new_email(ws: Ws) -> Prepared:
    return Prepared(elements={"email": unique_email("new")})


SETUPS: dict[str, Callable[[Ws], Prepared]] = {
    "get_customers_filter_email_empty": _nothing,
    "get_customers_filter_email_empty_xml": _nothing,
    "get_order_404": _nothing,
    "get_order_after_post": _placed_order,
    "get_order_after_post_json": _placed_order,
    "get_orders_last_json": _two_orders,
    "post_address_400_dni_required_ES": _existing_customer,
    "post_customer_400_invalid_name": _new_email,
    "post_customer_500_email_used": _email_in_use,
    "post_customer_500_json_body": _nothing,
    "post_order_201_echo": _fresh_cart,
    "post_order_201_total_mismatch": _fresh_cart,
    "post_order_400_invalid_price": _fresh_cart,
    "post_order_400_missing_required": _fresh_cart,
    "post_order_500_duplicate_cart": _ordered_cart,
    "post_order_500_module_not_installed": _fresh_cart,
    "post_order_500_module_not_payment": _fresh_cart,
    "post_order_history_201": _placed_order,
}


# ---- comparison -----------------------------------------------------------------------------------
def content_type(headers: dict[str, str]) -> str:
    """Normalised: lower case, no spaces, missing == empty."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get("content-type", "").replace(" ", "").lower()


def xml_shape(text: str) -> list[str]:
    out: list[str] = []

    def walk(element: ET.Element, depth: int) -> None:
        out.append("  " * depth + element.tag + repr(sorted(element.attrib)))
        for child in element:
            walk(child, depth + 1)

    walk(ET.fromstring(text.encode()), 0)
    return out


def json_shape(value: object) -> object:
    if isinstance(value, dict):
        return {k: json_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_shape(v) for v in value[:1]]
    return type(value).__name__


def error_list(text: str, ctype: str) -> list[tuple[int, str]] | None:
    if "json" in ctype:
        data = json.loads(text)
        if isinstance(data, dict) and "errors" in data:
            return [(int(e["code"]), e["message"]) for e in data["errors"]]
        return None
    if "xml" in ctype and "<errors>" in text:
        root = ET.fromstring(text.encode())
        return [(int(e.findtext("code")), e.findtext("message")) for e in root.iter("error")]
    return None


def differences(recorded: dict, actual: httpx.Response) -> list[str]:
    """What differs between the recorded response and `actual`, beyond ids, dates and amounts."""
    problems = []
    rec_headers = {k.lower(): v for k, v in recorded["headers"].items()}
    act_headers = {k.lower(): v for k, v in actual.headers.items()}
    if recorded["status"] != actual.status_code:
        problems.append(f"status {actual.status_code}, recorded {recorded['status']}")
    rec_type, act_type = content_type(recorded["headers"]), content_type(dict(actual.headers))
    if rec_type != act_type:
        problems.append(f"content type {act_type!r}, recorded {rec_type!r}")
    for name in ("psws-version", "x-powered-by"):
        if rec_headers.get(name) != act_headers.get(name):
            problems.append(f"header {name} {act_headers.get(name)!r}, recorded {rec_headers.get(name)!r}")
    if ("content-sha1" in rec_headers) != ("content-sha1" in act_headers):
        problems.append("Content-Sha1 presence differs")
    body = recorded["body"]
    rec_errors, act_errors = error_list(body, rec_type), error_list(actual.text, act_type)
    if rec_errors is not None or act_errors is not None:
        rec_codes = [c for c, _ in rec_errors or []]
        act_codes = [c for c, _ in act_errors or []]
        if rec_codes != act_codes:
            problems.append(f"error codes {act_codes}, recorded {rec_codes}")
        elif rec_errors and act_errors:
            for (code, rec_msg), (_, act_msg) in zip(rec_errors, act_errors, strict=True):
                if code not in (3, 127) and rec_msg != act_msg:
                    problems.append(f"error {code} message {act_msg!r}, recorded {rec_msg!r}")
    elif "json" in rec_type and body:
        if json_shape(json.loads(body)) != json_shape(json.loads(actual.text)):
            problems.append(f"JSON shape differs:\n{actual.text}\nrecorded\n{body}")
    elif "xml" in rec_type and body:
        if xml_shape(body) != xml_shape(actual.text):
            problems.append(f"XML shape differs:\n{actual.text}\nrecorded\n{body}")
    elif body != actual.text:
        problems.append(f"body {actual.text!r}, recorded {body!r}")
    return problems
