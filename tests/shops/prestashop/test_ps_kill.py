"""A real kill -9 of an importer process mid-run, then a rerun: one PrestaShop order per Amazon order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from ps_day import simulated_day
from ps_helpers import test_mapping

from amzorders.shops.prestashop import PrestaShopShop

IMPORTER = """
import sys
sys.path.insert(0, sys.argv[3])
from ps_day import simulated_day
from ps_helpers import test_mapping
from amzorders.shops.prestashop import PrestaShopShop
with PrestaShopShop.connect(sys.argv[1], sys.argv[2], test_mapping()) as shop:
    for order in simulated_day(int(sys.argv[4]), seed=int(sys.argv[5])):
        shop.create_order(order)
"""


def test_kill_9_mid_run_then_rerun_leaves_no_duplicate(fake_server, fake_shop):
    count, seed = 80, 21
    here = str(Path(__file__).parent)
    args = [fake_server.url, fake_shop.api_key, here, str(count), str(seed)]
    process = subprocess.Popen([sys.executable, "-c", IMPORTER, *args])
    try:
        deadline = time.monotonic() + 120
        while len(fake_shop.orders()) < count // 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert process.poll() is None, "the importer ended before it could be killed"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    killed_at = len(fake_shop.orders())
    assert 0 < killed_at < count

    drafts = simulated_day(count, seed=seed)
    with PrestaShopShop.connect(fake_server.url, fake_shop.api_key, test_mapping()) as shop:
        references = {d.amazon_order_id: shop.create_order(d).reference for d in drafts}

    orders = fake_shop.orders()
    assert len(orders) == count == len(set(references.values()))
    assert max(Counter(o["id_cart"] for o in orders).values()) == 1
    for order in drafts:
        stored = fake_shop.order(int(references[order.amazon_order_id]))
        assert Decimal(stored["total_paid"]) == order.total.amount, order.amazon_order_id
