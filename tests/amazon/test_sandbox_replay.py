"""The client against Amazon's own sandbox cases (the model's `x-amzn-api-sandbox` static examples).

A stand-in for the SP-API sandbox answers a request only when every parameter the case lists has exactly
the value the client sent (arrays comma-separated, as Swagger 2's default `csv`), else 400 like the
sandbox. The examples are loaded from shared/sp-api-models, never retyped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest
from amazon_scenarios import model_path, sim_credentials

from amzorders.amazon.client import OrdersClient, SearchQuery
from amzorders.amazon.errors import InvalidInput
from amzorders.amazon.governor import MemoryBucketStore, QuotaGovernor
from amzorders.clock import SimClock, parse_instant

ENDPOINT = "https://sandbox.sellingpartnerapi-eu.amazon.com"


def sandbox_cases(operation_id: str) -> list[tuple[int, dict, dict]]:
    with open(model_path()) as file:
        model = json.load(file)
    cases = []
    for methods in model["paths"].values():
        for operation in methods.values():
            if not isinstance(operation, dict) or operation.get("operationId") != operation_id:
                continue
            for status, response in operation["responses"].items():
                for case in response.get("x-amzn-api-sandbox", {}).get("static", []):
                    parameters = {name: spec["value"] for name, spec in case["request"]["parameters"].items()}
                    cases.append((int(status), parameters, case["response"]))
    return cases


class Sandbox(httpx.BaseTransport):
    def __init__(self, operation_id: str) -> None:
        self.cases = sandbox_cases(operation_id)
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return httpx.Response(200, json={"access_token": "Atza|sandbox", "expires_in": 3600})
        self.requests.append(request)
        sent = dict(request.url.params)
        if "/orders/2026-01-01/orders/" in request.url.path:
            sent["orderId"] = unquote(request.url.path.rsplit("/", 1)[1])
        for status, parameters, body in self.cases:
            if all(sent.get(name) == _wire(value) for name, value in parameters.items()):
                return httpx.Response(status, json=body, headers={"x-amzn-RateLimit-Limit": "0.0056"})
        return httpx.Response(400, json={"errors": [{"code": "InvalidInput", "message": "no sandbox case"}]})


def _wire(value) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


@pytest.fixture
def client_for():
    clients = []

    def build(sandbox: Sandbox) -> OrdersClient:
        clock = SimClock(datetime(2026, 11, 1, tzinfo=UTC))
        client = OrdersClient(
            seller_id="A1SANDBOX",
            credentials=sim_credentials(),
            endpoint=ENDPOINT,
            token_url="https://api.amazon.com/auth/o2/token",
            governor=QuotaGovernor(MemoryBucketStore(), clock),
            clock=clock,
            transport=sandbox,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.mark.parametrize("case", [0, 2], ids=["JP-first-page", "BR-single-page"])
def test_search_orders_sends_what_the_sandbox_cases_expect(client_for, case):
    sandbox = Sandbox("searchOrders")
    status, parameters, body = sandbox.cases[case]
    client = client_for(sandbox)
    query = SearchQuery(
        marketplace_ids=tuple(parameters["marketplaceIds"]),
        created_after=parse_instant(parameters["createdAfter"]),
        included_data=tuple(parameters["includedData"]),
    )
    page = next(client.search_orders(query))
    assert status == 200
    assert page.orders == body["orders"]
    assert page.next_token == (body.get("pagination") or {}).get("nextToken")
    assert page.created_before == parse_instant(body["createdBefore"])
    request = sandbox.requests[0]
    assert request.headers["x-amz-access-token"] == "Atza|sandbox"
    assert request.url.host == "sandbox.sellingpartnerapi-eu.amazon.com"


def test_get_order_sends_what_the_sandbox_cases_expect(client_for):
    sandbox = Sandbox("getOrder")
    client = client_for(sandbox)
    answered = 0
    for status, parameters, body in sandbox.cases:
        if status != 200:
            continue
        order = client.get_order(parameters["orderId"], included_data=tuple(parameters["includedData"]))
        assert order == body["order"]
        answered += 1
    assert answered == 3


def test_the_sandbox_400_case_is_invalid_input_with_amazons_details(client_for):
    sandbox = Sandbox("getOrder")
    client = client_for(sandbox)
    with pytest.raises(InvalidInput) as caught:
        client.get_order("TEST_CASE_400", included_data=())
    body = next(response for status, _, response in sandbox.cases if status == 400)
    error = body["errors"][0]
    assert caught.value.code == error["code"]
    assert caught.value.message.startswith(error["message"])
    assert client.stats.retries == 0
