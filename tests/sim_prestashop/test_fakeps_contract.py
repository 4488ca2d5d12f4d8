"""Contract: every recorded exchange of the real PrestaShop 8.2.1 replays the same against the fake.

With PRESTASHOP_URL and PRESTASHOP_KEY set, the same replay also runs against that real shop
(`-m prestashop_live`); it needs a shop with the demo product 8 and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sim_ps_contract import SETUPS, differences, xml_shape
from sim_ps_helpers import Ws

from amzorders.sim.prestashop import FakePrestaShop, serve_fake_prestashop
from amzorders.sim.prestashop.schemas import data_dir

RECORDINGS = data_dir()  # shared/prestashop-ws
CAPTURES = sorted((RECORDINGS / "captures").glob("*.json"))


@pytest.fixture(params=["fake", pytest.param("live", marks=pytest.mark.prestashop_live)])
def target(request) -> Iterator[Ws]:
    if request.param == "live":
        url, key = os.environ.get("PRESTASHOP_URL"), os.environ.get("PRESTASHOP_KEY")
        if not (url and key):
            pytest.skip("PRESTASHOP_URL and PRESTASHOP_KEY are not set: no real shop to check")
        client = Ws(url.rstrip("/"), key)
        yield client
        client.close()
        return
    shop = FakePrestaShop()
    server = serve_fake_prestashop(shop)
    client = Ws(server.url, shop.api_key)
    yield client
    client.close()
    server.stop()
    assert shop.internal_errors == []


def test_every_capture_has_a_setup():
    assert {p.stem for p in CAPTURES} == set(SETUPS)
    assert len(CAPTURES) == 18


@pytest.mark.parametrize("capture", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_capture_replays_identically(target: Ws, capture: Path):
    recorded = json.loads(capture.read_text())
    prepared = SETUPS[capture.stem](target)
    method = recorded["request"]["method"]
    path, body = prepared.rewrite(method, recorded["request"]["path"], recorded["request"]["body"])

    actual = target.http.request(method, path, content=body.encode() if body is not None else None)

    assert differences(recorded["response"], actual) == []


def test_wrong_key_answers_like_the_recorded_401(server):
    recorded = (RECORDINGS / "samples" / "err_401_badkey.xml").read_text()
    response = httpx.get(
        server.url + "/api/orders", auth=("WRONGKEY0123456789ABCDEFGHIJKLMN", ""), verify=False
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "text/xml;charset=utf-8"
    assert xml_shape(response.text) == xml_shape(recorded)
    assert "<code><![CDATA[20]]></code>" in response.text and "<code><![CDATA[21]]></code>" in response.text


def test_order_sample_and_cart_sample_have_the_same_shape_as_the_fake(ws, shop):
    from sim_ps_helpers import new_address, new_cart, new_customer, order_fields

    customer = new_customer(ws)
    address = new_address(ws, customer)
    cart = new_cart(ws, customer, address, [(8, 0, 2)])
    ws.post("orders", "order", order_fields(cart, customer, address, "28.56"))
    order_id = shop.orders()[-1]["id"]
    samples = RECORDINGS / "samples"

    order_xml = ws.http.get(f"/api/orders/{order_id}").text
    cart_xml = ws.http.get(f"/api/carts/{cart}").text

    assert xml_shape(order_xml) == xml_shape((samples / "order_7.xml").read_text())
    assert xml_shape(cart_xml) == xml_shape((samples / "cart_7.xml").read_text())


def _response(status: int, content_type: str, body: str, **headers: str) -> httpx.Response:
    base = {"X-Powered-By": "PrestaShop Webservice", "PSWS-Version": "8.2.1", "Content-Type": content_type}
    return httpx.Response(status, headers={**base, **headers}, text=body)


@pytest.mark.parametrize(
    ("capture", "status", "ctype", "body", "problem"),
    [
        (
            "post_order_400_missing_required",
            400,
            "text/xml;charset=utf-8",
            "<prestashop><errors><error><code>85</code><message>x</message></error></errors></prestashop>",
            "error codes [85], recorded [41]",
        ),
        ("post_order_500_duplicate_cart", 500, "text/xml;charset=utf-8", "", "content type"),
        ("get_customers_filter_email_empty", 200, "application/json", '{"customers":[]}', "JSON shape"),
        ("get_order_404", 200, "", "", "status 200, recorded 404"),
        (
            "get_customers_filter_email_empty_xml",
            200,
            "text/xml;charset=utf-8",
            "<prestashop><customer/></prestashop>",
            "XML shape",
        ),
    ],
)
def test_the_comparison_catches_drift(capture, status, ctype, body, problem):
    recorded = json.loads((RECORDINGS / "captures" / f"{capture}.json").read_text())["response"]

    found = differences(recorded, _response(status, ctype, body, **{"Content-Sha1": "x"}))

    assert any(problem in p for p in found), found
