"""`/health`: can this deployment do its job right now? Database, Amazon (or the simulator), each shop."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from amzorders.app.wiring import Runtime


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str
    latency_ms: float

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, "latency_ms": round(self.latency_ms, 1)}


def _timed(probe) -> Check:
    start = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # any failure is the answer: unreachable, with the reason
        ok, detail = (
            False,
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "),
        )
    return Check(ok, detail, (time.perf_counter() - start) * 1000)


def check_health(runtime: Runtime, *, timeout: float = 3.0) -> dict[str, Check]:
    checks: dict[str, Check] = {}

    def database() -> str:
        with runtime.ledger.connect() as conn:
            conn.execute(text("SELECT 1"))
        return runtime.ledger.dialect.name

    checks["database"] = _timed(database)

    def amazon() -> str:
        if runtime.marketplace is not None:
            return "in-process simulator"
        endpoint = next(iter(runtime.accounts.values())).endpoint
        with httpx.Client(timeout=timeout, transport=runtime.transport) as client:
            response = client.get(endpoint.rstrip("/") + "/")
        return f"{endpoint} answered HTTP {response.status_code}"  # any answer: the service is reachable

    checks["amazon"] = _timed(amazon)
    for name, shop in runtime.shops.items():

        def probe(shop=shop) -> str:
            ping = getattr(shop, "ping", None)
            if ping is not None:
                return str(ping() or "reachable")
            client = getattr(shop, "client", None)
            if client is not None and hasattr(client, "list"):  # PrestaShop: one cheap webservice read
                client.list("orders", fields=["id"], sort_by="[id_DESC]", limit=1)
                return f"{getattr(client, 'base_url', 'webservice')} answered"
            count = shop.count_orders()  # the built-in store: its tables answer
            return f"{count} orders"

        checks[f"shop:{name}"] = _timed(probe)
    return checks
