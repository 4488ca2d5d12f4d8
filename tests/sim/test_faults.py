"""Scenario faults, in-process: every kind, its window, its operations, and deterministic draws."""

from __future__ import annotations

import httpx
import pytest
from sim_helpers import make_world, scenario

AFTER = {"lastUpdatedAfter": "2026-11-01T00:00:00Z"}
OID = "405-1234567-1234567"


def _world(kind: str, probability: float = 1.0, operations=("searchOrders",), seed: int = 0, **extra):
    fault = {
        "from": "2026-11-05T00:00:00Z",
        "to": "2026-11-05T01:00:00Z",
        "operations": list(operations),
        "kind": kind,
        "probability": probability,
        **extra,
    }
    return make_world(scenario(faults=[fault]), "2026-11-05T00:00:00Z", seed=seed)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("http_500", 500, "InternalFailure"), ("http_503", 503, "ServiceUnavailable")],
)
def test_server_errors_with_amazons_body(kind, status, code, model):
    _, _, client = _world(kind)
    response = client.search(**AFTER)
    assert response.status_code == status and response.json()["errors"][0]["code"] == code
    assert response.headers["x-amzn-RequestId"]
    model.check_response(response)
    assert client.get(OID).status_code == 200  # only the listed operations fail


def test_throttle_fault_is_429_whatever_the_bucket_and_spares_it():
    marketplace, clock, client = _world("throttle")
    assert [client.search(**AFTER).status_code for _ in range(25)] == [429] * 25
    assert client.search(**AFTER).json()["errors"][0]["code"] == "QuotaExceeded"
    clock.advance(3600)
    assert [client.search(**AFTER).status_code for _ in range(21)] == [200] * 20 + [429]
    assert marketplace.stats.throttled == 27


def test_token_rejected_is_a_403_on_a_valid_token():
    _, _, client = _world("token_rejected", operations=["getOrder"])
    response = client.get(OID)
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "Unauthorized"
    assert client.search(**AFTER).status_code == 200


def test_timeout_raises_read_timeout_after_the_clients_timeout_on_the_clock():
    marketplace, clock, client = _world("timeout")
    before = clock.now()
    with pytest.raises(httpx.ReadTimeout):
        client.search(**AFTER)
    assert (clock.now() - before).total_seconds() == 30  # the client's read timeout
    assert marketplace.stats.responses[("searchOrders", "timeout")] == 1


def test_reset_drops_the_connection():
    marketplace, _, client = _world("reset")
    with pytest.raises(httpx.RemoteProtocolError):
        client.search(**AFTER)
    assert marketplace.stats.responses[("searchOrders", "reset")] == 1
    assert marketplace.stats.faults == {"reset": 1}


def test_malformed_json_is_a_200_whose_body_does_not_parse():
    _, _, client = _world("malformed_json")
    response = client.search(**AFTER)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_slow_answers_late_on_the_clock_or_times_out():
    _, clock, client = _world("slow", delay_s=12)
    before = clock.now()
    assert client.search(**AFTER).status_code == 200
    assert (clock.now() - before).total_seconds() == 12
    _, clock, client = _world("slow", delay_s=45)
    with pytest.raises(httpx.ReadTimeout):
        client.search(**AFTER)


def test_faults_apply_only_inside_their_window():
    _, clock, client = _world("http_503")
    assert client.search(**AFTER).status_code == 503
    clock.advance(3600)  # "to" is exclusive
    assert client.search(**AFTER).status_code == 200


def _codes(seed: int, n: int = 40) -> list[int]:
    sellers = [{"seller_id": "A1SELLER", "marketplace_ids": ["A13V1IB3VIYZZH"],
                "usage_plans": {"searchOrders": {"rate": 1, "burst": 100}}}]  # fmt: skip
    fault = {
        "from": "2026-11-05T00:00:00Z",
        "to": "2026-11-05T01:00:00Z",
        "operations": ["searchOrders"],
        "kind": "http_500",
        "probability": 0.5,
    }
    _, _, client = make_world(scenario(sellers=sellers, faults=[fault]), "2026-11-05T00:00:00Z", seed=seed)
    return [client.search(**AFTER).status_code for _ in range(n)]


def test_fault_draws_are_seeded_and_deterministic():
    first = _codes(seed=7)
    assert first == _codes(seed=7)
    assert 8 <= first.count(500) <= 32
    assert set(first) == {200, 500}
    assert _codes(seed=8) != first
