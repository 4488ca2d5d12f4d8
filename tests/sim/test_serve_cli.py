"""`amzorders simulator serve` as a user runs it: a process on loopback that answers token and search."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sim_helpers import order, scenario

from amzorders.clock import format_instant

AMZORDERS = Path(sys.executable).with_name("amzorders")


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    """Orders of yesterday (the wall clock's), so `serve` without --speed shows them whatever the date."""
    path = tmp_path / "s.json"
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = format_instant(today - timedelta(days=1))
    orders = [order(f"405-{i:07d}-0000000", [(yesterday, "UNSHIPPED")]) for i in range(15)]
    start, end = format_instant(today - timedelta(days=2)), format_instant(today + timedelta(days=2))
    path.write_text(json.dumps(scenario(orders=orders, start=start, end=end)))
    return path


def _serve(*args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [str(AMZORDERS), "simulator", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            return process, lines
    process.kill()
    pytest.fail(f"the simulator did not start: {lines}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_prints_url_and_credentials_and_answers_token_then_paginated_search(scenario_file):
    process, lines = _serve("--scenario", str(scenario_file), "--port", "0")
    try:
        url = lines[0].split("listening on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        text = "\n".join(lines)
        assert "amzorders-sim" in text and "sim-secret" in text and "Atzr|sim-A1SELLER" in text
        with httpx.Client(base_url=url, timeout=10) as client:
            grant = {"grant_type": "refresh_token", "refresh_token": "Atzr|sim-A1SELLER",
                     "client_id": "amzorders-sim", "client_secret": "sim-secret"}  # fmt: skip
            token = client.post("/auth/o2/token", data=grant).json()["access_token"]
            headers = {"x-amz-access-token": token}
            since = format_instant(datetime.now(UTC) - timedelta(days=3))
            params = {"lastUpdatedAfter": since, "maxResultsPerPage": "10"}
            first = client.get("/orders/2026-01-01/orders", params=params, headers=headers).json()
            assert len(first["orders"]) == 10
            rest = client.get(
                "/orders/2026-01-01/orders",
                params={**params, "paginationToken": first["pagination"]["nextToken"]},
                headers=headers,
            ).json()
            assert len(rest["orders"]) == 5 and "pagination" not in rest
            # 2 of the 20 searchOrders tokens are spent: 18 more answers, then 429 on the wall clock too.
            codes = [client.get("/orders/2026-01-01/orders", params=params, headers=headers).status_code
                     for _ in range(19)]  # fmt: skip
            assert codes == [200] * 18 + [429]
    finally:
        _stop(process)
    assert process.returncode is not None


def test_serve_with_speed_starts_the_clock_at_the_scenarios_start(scenario_file):
    process, lines = _serve("--scenario", str(scenario_file), "--port", "0", "--speed", "60")
    try:
        start = json.loads(scenario_file.read_text())["start"]
        assert f"simulated now: {start[:15]}" in lines[0]
    finally:
        _stop(process)
