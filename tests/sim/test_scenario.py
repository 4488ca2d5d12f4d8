"""The scenario format: strict validation with one-line errors naming field and order; stable round trip."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sim_helpers import ORDER, order, scenario
from typer.testing import CliRunner

from amzorders.app.cli import app
from amzorders.sim.scenario import ScenarioError, dump_scenario, load_scenario, scenario_to_json


def test_the_issue_example_loads_into_typed_specs():
    loaded = load_scenario(scenario(faults=[_fault()]))
    spec = loaded.orders[0]
    assert spec.order_id == ORDER["order_id"]
    assert spec.created_at.isoformat() == "2026-11-01T10:00:00+00:00"
    assert [event.status for event in spec.timeline] == ["PENDING", "UNSHIPPED", "SHIPPED"]
    assert spec.items[0].unit_price == Decimal("11.90") and spec.items[0].quantity == 2
    assert spec.indexing_delay_s == 900
    assert spec.grand_total == Decimal("11.90") * 2 + Decimal("4.76") + Decimal("4.99") + Decimal("1.00")
    assert loaded.faults[0].from_.hour == 0 and loaded.faults[0].kind == "http_503"
    assert loaded.indexing_delay_s == 120


def test_dump_then_load_gives_the_same_scenario(tmp_path):
    original = load_scenario(scenario(orders=[ORDER, order("405-0000000-0000001")], faults=[_fault()]))
    path = tmp_path / "s.json"
    dump_scenario(original, path)
    assert load_scenario(path) == original
    assert load_scenario(str(path)) == original
    assert json.loads(path.read_text()) == scenario_to_json(original)


def _fault(**changes):
    data = {
        "from": "2026-11-02T00:00:00Z",
        "to": "2026-11-02T01:00:00Z",
        "operations": ["searchOrders"],
        "kind": "http_503",
        "probability": 0.5,
    }
    data.update(changes)
    return data


def _with_order(**changes):
    return scenario(orders=[{**ORDER, **changes}])


def _item(**changes):
    return _with_order(items=[{**ORDER["items"][0], **changes}])


BAD = {
    "format": (scenario(format="amzorders-scenario/2"), "format", None),
    "unknown top key": (scenario(extra=1), "extra", None),
    "end before start": (scenario(end="2026-10-01T00:00:00Z"), "end", None),
    "no sellers": (scenario(sellers=[]), "sellers", None),
    "unknown seller": (_with_order(seller_id="NOPE"), "seller_id", ORDER["order_id"]),
    "foreign marketplace": (_with_order(marketplace_id="ATVPDKIKX0DER"), "marketplace_id", ORDER["order_id"]),
    "fulfilled_by": (_with_order(fulfilled_by="SELLER"), "fulfilled_by", ORDER["order_id"]),
    "currency": (_with_order(currency="euro"), "currency", ORDER["order_id"]),
    "missing key": (
        scenario(orders=[{k: v for k, v in ORDER.items() if k != "service_level"}]),
        "service_level",
        ORDER["order_id"],
    ),
    "unknown order key": (_with_order(colour="red"), "orders[0].colour", ORDER["order_id"]),
    "float price": (_item(unit_price=11.9), "items[0].unit_price", ORDER["order_id"]),
    "negative tax": (_item(tax="-1"), "items[0].tax", ORDER["order_id"]),
    "not a number": (_item(unit_price="eleven"), "items[0].unit_price", ORDER["order_id"]),
    "quantity": (_item(quantity=0), "items[0].quantity", ORDER["order_id"]),
    "no items": (_with_order(items=[]), "items", ORDER["order_id"]),
    "empty timeline": (_with_order(timeline=[]), "timeline", ORDER["order_id"]),
    "status": (
        _with_order(timeline=[{"at": "2026-11-01T10:00:00Z", "status": "SHIPED"}]),
        "timeline[0].status",
        ORDER["order_id"],
    ),
    "naive instant": (
        _with_order(timeline=[{"at": "2026-11-01T10:00:00", "status": "PENDING"}]),
        "timeline[0].at",
        ORDER["order_id"],
    ),
    "backwards": (
        _with_order(
            timeline=[
                {"at": "2026-11-02T10:00:00Z", "status": "PENDING"},
                {"at": "2026-11-01T10:00:00Z", "status": "UNSHIPPED"},
            ]
        ),
        "timeline[1].at",
        ORDER["order_id"],
    ),
    "outside": (
        _with_order(timeline=[{"at": "2027-01-01T10:00:00Z", "status": "PENDING"}]),
        "timeline[0].at",
        ORDER["order_id"],
    ),
    "delay": (_with_order(indexing_delay_s=-5), "indexing_delay_s", ORDER["order_id"]),
    "duplicate order": (scenario(orders=[ORDER, ORDER]), "orders[1].order_id", ORDER["order_id"]),
    "recipient": (_with_order(recipient={"name": "X"}), "recipient.address_line1", ORDER["order_id"]),
    "fault kind": (scenario(faults=[_fault(kind="explode")]), "faults[0].kind", None),
    "fault operation": (scenario(faults=[_fault(operations=["getOrders"])]), "faults[0].operations[0]", None),
    "fault probability": (scenario(faults=[_fault(probability=2)]), "faults[0].probability", None),
    "slow without delay": (scenario(faults=[_fault(kind="slow")]), "faults[0].delay_s", None),
    "usage plan": (
        scenario(
            sellers=[
                {
                    "seller_id": "A1SELLER",
                    "marketplace_ids": ["A13V1IB3VIYZZH"],
                    "usage_plans": {"searchOrders": {"rate": 1, "burst": 0}},
                }
            ]
        ),
        "usage_plans.searchOrders",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_scenario_is_refused_with_one_line_naming_field_and_order(name):
    data, field, order_id = BAD[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    message = str(caught.value)
    assert "\n" not in message
    assert field in message, message
    if order_id:
        assert f"order {order_id}" in message
    assert caught.value.order_id == order_id


def test_file_problems_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    with pytest.raises(ScenarioError, match="is not JSON"):
        load_scenario(broken)


def test_cli_malformed_scenario_prints_one_clear_line_and_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_item(unit_price=11.9)))
    result = CliRunner().invoke(app, ["simulator", "validate", str(path)])
    assert result.exit_code == 2
    output = result.output.strip()
    assert "Traceback" not in output and len(output.splitlines()) == 1
    assert "items[0].unit_price" in output and ORDER["order_id"] in output


def test_cli_serve_with_a_malformed_scenario_exits_2_without_serving(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("not json")
    result = CliRunner().invoke(app, ["simulator", "serve", "--scenario", str(path), "--port", "0"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "is not JSON" in result.output


def test_cli_validate_summarises_a_good_file(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(scenario()))
    result = CliRunner().invoke(app, ["simulator", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 orders, 3 status changes" in result.output


def test_a_dumped_file_is_read_line_by_line_and_its_problems_name_the_line(tmp_path):
    path = tmp_path / "s.json"
    dump_scenario(load_scenario(scenario(orders=[ORDER, order("405-0000000-0000001")])), path)
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 4 and lines[0].endswith(b',"orders":[\n')
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(b"".join(lines[:2]))
    with pytest.raises(ScenarioError, match="truncated"):
        load_scenario(truncated)
    broken = tmp_path / "broken.json"
    broken.write_bytes(lines[0] + b'{"order_id": ,\n' + lines[3])
    with pytest.raises(ScenarioError, match="line 2"):
        load_scenario(broken)
    invalid = tmp_path / "invalid.json"
    invalid.write_bytes(lines[0] + lines[1].replace(b'"quantity":2', b'"quantity":0') + lines[3])
    with pytest.raises(ScenarioError, match=r"order 405-1234567-1234567: field 'items\[0\].quantity'"):
        load_scenario(invalid)


def test_an_empty_scenario_round_trips(tmp_path):
    path = tmp_path / "empty.json"
    empty = load_scenario(scenario(orders=[]))
    dump_scenario(empty, path)
    assert load_scenario(path) == empty
