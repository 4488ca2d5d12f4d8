"""Helpers for simulator tests: scenario builders, an authenticated in-process client, the official schema.

A uniquely named module (not conftest) so test files can import it under pytest's default import mode.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from amzorders.clock import SimClock
from amzorders.sim.scenario import load_scenario
from amzorders.sim.transport import BASE_URL, TOKEN_URL, SimTransport
from amzorders.sim.world import Marketplace

SELLER = "A1SELLER"
FR = "A13V1IB3VIYZZH"
DE = "A1PA6795UKMFR9"
SEARCH = "/orders/2026-01-01/orders"

ORDER: dict[str, Any] = {
    "order_id": "405-1234567-1234567",
    "seller_id": SELLER,
    "marketplace_id": FR,
    "fulfilled_by": "MERCHANT",
    "service_level": "STANDARD",
    "programs": ["PRIME"],
    "currency": "EUR",
    "buyer": {"name": "Jeanne Martin", "email": "x1@marketplace.amazon.fr"},
    "recipient": {
        "name": "Jeanne Martin",
        "address_line1": "3 rue des Lilas",
        "city": "Lyon",
        "postal_code": "69003",
        "country_code": "FR",
        "phone": "+33 4 00 00 00 00",
    },
    "items": [
        {
            "order_item_id": "10001",
            "sku": "MUG-01",
            "asin": "B0EXAMPLE1",
            "title": "Mug",
            "quantity": 2,
            "unit_price": "11.90",
            "tax": "4.76",
        }
    ],
    "shipping_price": "4.99",
    "shipping_tax": "1.00",
    "timeline": [
        {"at": "2026-11-01T10:00:00Z", "status": "PENDING"},
        {"at": "2026-11-03T09:00:00Z", "status": "UNSHIPPED"},
        {"at": "2026-11-04T12:00:00Z", "status": "SHIPPED"},
    ],
    "indexing_delay_s": 900,
}


def order(
    order_id: str = "405-1234567-1234567", timeline: list[tuple[str, str]] | None = None, **overrides
) -> dict:
    """A scenario order (the issue's example by default) with another id, timeline or fields."""
    data = copy.deepcopy(ORDER)
    data["order_id"] = order_id
    data.pop("indexing_delay_s")
    if timeline is not None:
        data["timeline"] = [{"at": at, "status": status} for at, status in timeline]
    data.update(overrides)
    return data


def scenario(orders: list[dict] | None = None, **overrides) -> dict:
    data = {
        "format": "amzorders-scenario/1",
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
        "indexing_delay_s": 120,
        "sellers": [{"seller_id": SELLER, "marketplace_ids": [FR, DE]}],
        "orders": [copy.deepcopy(ORDER)] if orders is None else orders,
    }
    data.update(overrides)
    return data


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class SimClient:
    """An httpx client on the in-process transport, holding a seller's access token."""

    def __init__(self, marketplace: Marketplace, seller_id: str = SELLER, validate: bool = True) -> None:
        self.marketplace = marketplace
        self.validate = validate  # every searchOrders/getOrder answer is checked against the official model
        self.http = httpx.Client(transport=SimTransport(marketplace), base_url=BASE_URL, timeout=30)
        self.seller_id = seller_id
        self.auto_refresh = True  # get a new access token when the (virtual) hour is nearly over
        self.token = self.access_token(seller_id)

    def access_token(self, seller_id: str) -> str:
        response = self.http.post(
            TOKEN_URL,
            data={
                "grant_type": "refresh_token",
                "refresh_token": f"Atzr|sim-{seller_id}",
                "client_id": "amzorders-sim",
                "client_secret": "sim-secret",
            },
        )
        assert response.status_code == 200, response.text
        self.token_time = self.marketplace.clock.now()
        return response.json()["access_token"]

    def _headers(self) -> dict[str, str]:
        if self.auto_refresh and (self.marketplace.clock.now() - self.token_time).total_seconds() > 3000:
            self.token = self.access_token(self.seller_id)
        return {"x-amz-access-token": self.token}

    def search(self, **params: Any) -> httpx.Response:
        return self._checked(self.http.get(SEARCH, params=csv(params), headers=self._headers()))

    def get(self, order_id: str, **params: Any) -> httpx.Response:
        return self._checked(
            self.http.get(f"{SEARCH}/{order_id}", params=csv(params), headers=self._headers())
        )

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if self.validate and response.headers.get("content-type") == "application/json":
            try:
                response.json()
            except ValueError:
                return response  # the malformed_json fault
            shared_validator().check_response(response)
        return response

    def all_orders(self, **params: Any) -> list[dict]:
        """Every page of a search (asserting 200s)."""
        orders: list[dict] = []
        token = None
        while True:
            response = self.search(**params, **({"paginationToken": token} if token else {}))
            assert response.status_code == 200, response.text
            body = response.json()
            orders += body["orders"]
            token = body.get("pagination", {}).get("nextToken")
            if not token:
                return orders


_VALIDATOR: list[ModelValidator] = []


def shared_validator() -> ModelValidator:
    if not _VALIDATOR:
        _VALIDATOR.append(ModelValidator(load_model()))
    return _VALIDATOR[0]


def csv(params: dict[str, Any]) -> dict[str, str]:
    """Array parameters the way SP-API sends them: comma separated."""
    return {name: ",".join(v) if isinstance(v, list | tuple) else v for name, v in params.items()}


def make_world(data: dict, now: str, seed: int = 0) -> tuple[Marketplace, SimClock, SimClient]:
    clock = SimClock(at(now))
    marketplace = Marketplace(load_scenario(data), clock, seed=seed)
    return marketplace, clock, SimClient(marketplace)


MODEL_PATH = Path(__file__).resolve().parents[3] / "shared" / "sp-api-models" / "orders_2026-01-01.json"


def load_model() -> dict:
    if not MODEL_PATH.exists():
        pytest.fail(f"{MODEL_PATH} is missing: the shared/ folder must sit beside the project's root")
    with MODEL_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


class ModelValidator:
    """Validates bodies against a definition of the official Swagger 2.0 model (JSON Schema draft 4)."""

    def __init__(self, model: dict) -> None:
        self.model = model
        self._validators: dict[str, Draft4Validator] = {}

    def errors(self, definition: str, body: Any) -> list[str]:
        validator = self._validators.get(definition)
        if validator is None:
            schema = {"definitions": self.model["definitions"], "$ref": f"#/definitions/{definition}"}
            validator = self._validators[definition] = Draft4Validator(schema)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]

    def check(self, definition: str, body: Any) -> None:
        problems = self.errors(definition, body)
        assert not problems, problems[:5]

    def check_response(self, response: httpx.Response) -> None:
        """The body of any simulator response to an Orders operation validates against its schema."""
        body = response.json()
        if response.status_code == 200:
            self.check("GetOrderResponse" if "order" in body else "SearchOrdersResponse", body)
        else:
            self.check("ErrorList", body)
