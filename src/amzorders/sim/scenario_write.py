"""Writing scenario files: compact JSON, one order per line, byte-stable for a given scenario.

The public entry points are `dump_scenario` and `scenario_to_json` in `scenario`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from .scenario import (
    FORMAT,
    RECIPIENT_FIELDS,
    FaultSpec,
    OrderSpec,
    Scenario,
    SellerSpec,
    iso_z,
    paused_gc,
)

_BUYER_FIELDS = ("name", "email", "company_name")


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    """See `amzorders.sim.scenario.scenario_to_json`."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "start": iso_z(scenario.start),
        "end": iso_z(scenario.end),
        "indexing_delay_s": _num(scenario.indexing_delay_s),
        "sellers": [_seller_json(seller) for seller in scenario.sellers],
        "orders": [order_to_json(order) for order in scenario.orders],
    }
    if scenario.faults:
        data["faults"] = [_fault_json(fault) for fault in scenario.faults]
    return data


def write_scenario(scenario: Scenario, path: str | Path) -> None:
    """See `amzorders.sim.scenario.dump_scenario`."""
    data = scenario_json(replace(scenario, orders=()))
    del data["orders"]
    head = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    last = len(scenario.orders) - 1
    with Path(path).open("w", encoding="utf-8", newline="\n") as out, paused_gc():
        out.write(head[:-1] + ',"orders":[\n')
        for position, order in enumerate(scenario.orders):
            out.write(dumps(order_to_json(order)))
            out.write(",\n" if position < last else "\n")
        out.write("]}\n")


def order_to_json(order: OrderSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": order.order_id,
        "seller_id": order.seller_id,
        "marketplace_id": order.marketplace_id,
        "fulfilled_by": order.fulfilled_by,
        "service_level": order.service_level,
        "currency": order.currency,
    }
    if order.programs:
        data["programs"] = list(order.programs)
    if order.buyer is not None:
        data["buyer"] = {k: getattr(order.buyer, k) for k in _BUYER_FIELDS if getattr(order.buyer, k)}
    if order.recipient is not None:
        keys = RECIPIENT_FIELDS
        data["recipient"] = {k: getattr(order.recipient, k) for k in keys if getattr(order.recipient, k)}
    data["items"] = [
        {
            "order_item_id": item.order_item_id,
            "sku": item.sku,
            "asin": item.asin,
            "title": item.title,
            "quantity": item.quantity,
            "unit_price": format(item.unit_price, "f"),
            "tax": format(item.tax, "f"),
        }
        for item in order.items
    ]
    if order.shipping_price or order.shipping_tax:
        data["shipping_price"] = format(order.shipping_price, "f")
        data["shipping_tax"] = format(order.shipping_tax, "f")
    data["timeline"] = [{"at": iso_z(e.at), "status": e.status} for e in order.timeline]
    if order.indexing_delay_s is not None:
        data["indexing_delay_s"] = _num(order.indexing_delay_s)
    return data


def _seller_json(seller: SellerSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"seller_id": seller.seller_id, "marketplace_ids": list(seller.marketplace_ids)}
    if seller.usage_plans:
        data["usage_plans"] = {
            op: {"rate": plan.rate, "burst": plan.burst} for op, plan in sorted(seller.usage_plans.items())
        }
    return data


def _fault_json(fault: FaultSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "from": iso_z(fault.from_),
        "to": iso_z(fault.to),
        "operations": list(fault.operations),
        "kind": fault.kind,
        "probability": fault.probability,
    }
    if fault.delay_s is not None:
        data["delay_s"] = _num(fault.delay_s)
    return data


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
