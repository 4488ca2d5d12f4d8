"""Operating the engine: idempotent re-runs, concurrent engines, locks, shop failures, bad JSON, PII."""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta as td

import httpx

from amzorders.clock import format_instant
from amzorders.ledger.db import open_ledger
from amzorders.ledger.orders import OrderBook
from amzorders.shops.builtin import BuiltinStore
from amzorders.shops.port import ShopOrderStatus
from amzorders.sim.transport import SimTransport
from amzorders.sync.engine import SyncEngine, lock_key
from amzorders.sync.reconcile import ReconciliationReport
from amzorders.sync.rules import previous_imports
from amzorders.sync.settings import SyncSettings
from sync.conftest import START, ScenarioBuilder
from sync.engine_shops import FlakyShop

H, D, M = td(hours=1), td(days=1), td(minutes=1)


def merchant_orders(n: int, *, days: float = 1, spacing=7 * M) -> tuple[ScenarioBuilder, list[str]]:
    b = ScenarioBuilder(days=days)
    ids = [
        b.order(
            "MERCHANT", [(n_ * spacing + 11 * td(seconds=1), "PENDING"), (n_ * spacing + 3 * M, "UNSHIPPED")]
        )
        for n_ in range(n)
    ]
    return b, ids


def test_running_everything_twice_creates_nothing_twice(make_world):
    b, _ = merchant_orders(12)
    fba = b.order("AMAZON", [(M, "PENDING"), (H, "UNSHIPPED"), (3 * H, "SHIPPED")])
    world = make_world(b.build())
    world.run(6 * H)
    assert world.store.count_orders() == 13
    engine = world.engine
    for _ in range(2):
        assert all(s.ok for s in engine.sync(world.account))
        for s in [
            *engine.sync(world.account, mode="recheck"),
            *engine.sync(world.account, mode="doublecheck"),
        ]:
            assert s.ok and s.created == 0 and s.updated == 0, s
    fresh = world.new_engine()  # another process: nothing in memory
    assert [s.created for s in fresh.sync(world.account)] == [0, 0]
    fresh.close()
    assert world.store.count_orders() == 13
    assert world.shop_status(fba) == "shipped"
    assert world.marketplace.stats.throttled == 0


def test_two_engines_on_one_sqlite_file_in_threads_make_no_duplicate(make_world, sqlite_url):
    b, ids = merchant_orders(40, spacing=3 * M)
    world = make_world(b.build())
    other_ledger = open_ledger(sqlite_url)  # a second "process": its own engine and connections
    other = SyncEngine(
        ledger=other_ledger,
        shop=BuiltinStore(other_ledger, world.clock),
        accounts=[world.account],
        governor=world.engine.governor,
        clock=world.clock,
        settings=world.settings,
        transport=SimTransport(world.marketplace),
    )
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def sync(engine):
        try:
            outcomes.extend(s.outcome for s in engine.sync(world.account))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    for tick in range(1, 30):
        world.clock.advance_to(START + tick * 5 * M)
        threads = [threading.Thread(target=sync, args=(e,)) for e in (world.engine, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    other.close()
    other_ledger.dispose()
    assert errors == []
    assert set(outcomes) <= {"ok", "busy"}
    refs = [o.amazon_order_id for o in world.store.iter_orders()]
    assert sorted(refs) == sorted(ids)


def test_a_locked_account_returns_busy_and_does_nothing(make_world):
    b, _ = merchant_orders(3)
    world = make_world(b.build())
    world.clock.advance(H)
    books = world.engine.books
    key = lock_key("main", "import")
    assert books.try_lock(key, "someone-else", now=world.clock.now(), ttl=world.settings.lock_ttl)
    summary = world.engine.import_incremental(world.account)
    assert summary.outcome == "busy" and summary.api_calls == 0
    assert books.cursor("main", world.account.marketplace_group) is None
    assert books.recent_runs(account="main")[0]["outcome"] == "busy"
    assert world.engine.recheck(world.account).outcome == "ok"  # another pass is not held back
    books.release_lock(key, "someone-else")
    assert world.engine.import_incremental(world.account).outcome == "ok"


def test_shop_failures_never_hold_the_cursor_and_are_retried_with_backoff(make_world):
    b, ids = merchant_orders(3)
    world = make_world(b.build())
    shop = FlakyShop(world.store)
    world.engine = world.new_engine(shop)
    shop.down = True
    world.run(H)
    cursor = world.engine.books.cursor("main", world.account.marketplace_group)
    assert cursor == START + H - world.settings.visibility_delay  # the import went on
    row = world.engine.orders.get("main", ids[0])
    assert row.shop_state == "failed" and row.attempts >= 1 and "503" in row.last_error
    # backoff: a failed order is not hammered every run, and one unavailable answer stops the run
    calls = shop.calls
    world.engine.push_to_shop(world.account)
    assert shop.calls - calls <= 1
    assert world.engine.orders.get("main", ids[0]).attempts == row.attempts
    shop.down = False
    world.run(2 * H)
    assert [world.shop_status(i) for i in ids] == ["to_ship"] * 3
    assert world.engine.orders.get("main", ids[0]).shop_state == "created"


def test_backoff_grows_exponentially(make_world):
    b, ids = merchant_orders(1)
    world = make_world(b.build())
    shop = FlakyShop(world.store)
    world.engine = world.new_engine(shop)
    shop.down = True
    world.clock.advance(30 * M)
    world.engine.import_incremental(world.account)
    delays = []
    for _ in range(4):
        world.engine.push_to_shop(world.account)
        row = world.engine.orders.get("main", ids[0])
        delays.append(row.next_attempt_at - world.clock.now())
        world.clock.advance_to(row.next_attempt_at)
    assert delays == [M, 2 * M, 4 * M, 8 * M]


def test_rejected_orders_are_parked_and_unknown_skus_retried_automatically(make_world):
    b, ids = merchant_orders(3)
    world = make_world(b.build())
    shop = FlakyShop(world.store)
    world.engine = world.new_engine(shop)
    shop.rejected.add(ids[0])
    shop.unknown_skus.add("MUG-01")
    summaries = world.run(H)
    assert sum(s.parked for s in summaries) >= 3
    rejected = world.engine.orders.get("main", ids[0])
    assert (rejected.shop_state, rejected.park_reason) == ("parked", "rejected")
    assert "refused the address" in rejected.last_error
    sku = world.engine.orders.get("main", ids[1])
    assert (sku.shop_state, sku.park_reason) == ("parked", "unknown_sku")
    assert "MUG-01" in sku.last_error
    shop.unknown_skus.clear()  # the product was created in the shop
    world.run(H + world.settings.unknown_sku_retry + 10 * M)
    assert world.shop_status(ids[1]) == "to_ship" and world.shop_status(ids[2]) == "to_ship"
    assert world.shop_status(ids[0]) is None  # a human decides
    shop.rejected.clear()
    world.engine.orders.retry("main", ids[0], at=world.clock.now())
    world.engine.push_to_shop(world.account)
    assert world.shop_status(ids[0]) == "to_ship"


class CorruptingTransport(httpx.BaseTransport):
    """The simulator, except that one order's JSON comes back broken in every answer."""

    def __init__(self, inner: httpx.BaseTransport, order_id: str) -> None:
        self.inner = inner
        self.order_id = order_id

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/orders") and response.status_code == 200:
            body = json.loads(response.read())
            for order in body.get("orders", []):
                if order["orderId"] == self.order_id:
                    order["orderItems"] = "not a list"
            return httpx.Response(200, json=body, request=request)
        return response


def test_a_bad_order_json_is_parked_with_its_reason_and_the_others_go_on(make_world):
    b, ids = merchant_orders(4)
    world = make_world(b.build())
    world.engine.transport = CorruptingTransport(SimTransport(world.marketplace), ids[1])
    summaries = world.run(H)
    assert [world.shop_status(i) for i in (ids[0], ids[2], ids[3])] == ["to_ship"] * 3
    row = world.engine.orders.get("main", ids[1])
    assert (row.shop_state, row.park_reason) == ("parked", "data")
    assert "orderItems" in row.last_error
    problems = [p for s in summaries for p in s.problems]
    assert any(ids[1] in p and "orderItems" in p for p in problems)


def test_pii_is_purged_from_the_ledger_after_the_retention(make_world):
    b, ids = merchant_orders(2)
    world = make_world(b.build())
    world.run(H)
    assert world.engine.purge_pii() == 0
    world.clock.advance(td(days=world.settings.pii_retention_days + 1))
    assert world.engine.purge_pii() == 2
    raw = world.engine.orders.get("main", ids[0]).raw()
    assert "buyer" not in raw and "recipient" not in raw
    assert world.store.get_order(ids[0]).customer_email  # the shop keeps its customer


def test_status_change_after_creation_reaches_the_shop(make_world):
    b = ScenarioBuilder(days=1)
    order = b.order(
        "MERCHANT", [(M, "PENDING"), (10 * M, "UNSHIPPED"), (2 * H, "PARTIALLY_SHIPPED"), (3 * H, "SHIPPED")]
    )
    world = make_world(b.build())
    world.run(4 * H)
    history = [s for _, s in world.store.get_order(order).history]
    assert history == [ShopOrderStatus.TO_SHIP, ShopOrderStatus.PARTIALLY_SHIPPED, ShopOrderStatus.SHIPPED]


def test_the_engine_on_postgresql(make_world, pg_url):
    b, ids = merchant_orders(5)
    b.orders[0]["timeline"].append({"at": "2026-11-02T03:00:00Z", "status": "CANCELLED"})
    world = make_world(b.build(), url=pg_url)
    world.run(4 * H, every=15 * M)
    assert [world.shop_status(i) for i in ids] == ["cancelled"] + ["to_ship"] * 4
    assert all(s.ok for s in world.engine.sync(world.account))
    assert world.store.count_orders() == 5
    world.clock.advance(td(days=1))
    assert world.engine.reconcile(world.account).ok


def test_one_engine_runs_every_pass_of_an_account_at_once_from_threads(make_world, monkeypatch, db_url):
    """`serve` runs an account's import, push, pending watch, catch-ups and reconciliation on threads of
    one process, through one engine whose memories of recent versions are shared. With those kept tiny
    (every write evicts) and the interpreter switching threads as often as it can, every run ends ok or
    busy and each order reaches the shop once. (On PostgreSQL the import and the reconciliation writing
    the same new orders in their pages' orders deadlocked: one run in ten of a first version failed.)"""
    monkeypatch.setattr(OrderBook, "RECENT_PARSED", 3)
    monkeypatch.setattr(OrderBook, "RECENT_VERSIONS", 3)
    b, ids = merchant_orders(60, spacing=2 * M)
    cancelled = set(ids[::3])  # 25 minutes after they were placed
    for n, order in enumerate(b.orders):
        if order["order_id"] in cancelled:
            order["timeline"].append(
                {"at": format_instant(START + n * 2 * M + 25 * M), "status": "CANCELLED"}
            )
    # Threads waiting for quota on one virtual clock each move it on for all: waits kept short, so that
    # time does not leap hours between a token's fetch and its use (real time never does).
    short_waits = dict.fromkeys(
        (
            "incremental_max_wait_s",
            "pending_watch_max_wait_s",
            "catch_up_max_wait_s",
            "spare_quota_max_wait_s",
        ),
        20.0,
    )
    world = make_world(b.build(), db_url, settings=SyncSettings(**short_waits))
    account, engine = world.account, world.engine
    passes = [
        lambda: [engine.import_incremental(account)],
        lambda: [engine.push_to_shop(account)],
        lambda: [engine.watch_pending(account)],
        lambda: [engine.recheck(account), engine.doublecheck(account)],
        lambda: [engine.reconcile(account, START.date(), spare_quota=True)],
    ]
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(one_pass):
        try:
            for result in one_pass():
                if isinstance(result, ReconciliationReport):
                    outcomes.append("ok" if result.error is None else f"error: {result.error}")
                else:
                    outcomes.append(result.outcome if result.ok else f"{result.outcome}: {result.error}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for tick in range(1, 2 * 12 * 6):  # 6 hours of 5-minute ticks
            world.clock.advance_to(START + tick * 5 * M)
            threads = [threading.Thread(target=run, args=(p,)) for p in passes]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert errors == []
    assert set(outcomes) <= {"ok", "busy"}
    world.run(1 * D)
    stored = list(world.store.iter_orders())
    shop = {o.amazon_order_id: o.status for o in stored}
    assert len(shop) == len(stored)  # once each
    assert {i: s for i, s in shop.items() if i not in cancelled} == dict.fromkeys(
        set(ids) - cancelled, "to_ship"
    )
    # a cancelled order is cancelled in the shop, or was never created (only seen cancelled: the passes
    # take each other's quota, and threads waiting on the virtual clock move it on)
    assert cancelled & shop.keys() and {shop[i] for i in cancelled & shop.keys()} == {"cancelled"}


def test_after_a_switch_orders_the_previous_importer_may_have_created_are_left_to_it(make_world):
    """A merchant stops the previous importer at the switch and starts amzorders, whose first import
    looks a day back: an order already importable then may be in the shop already (that importer leaves
    nothing amzorders can read), so it is left to that importer instead of created twice, and the
    reconciliation does not report it. Orders still waiting at the switch, and every later one, are
    created; `retry` creates one left to the previous importer; one Amazon cancels asks a human to
    cancel it in the shop."""
    switch = START + 2 * H
    b = ScenarioBuilder(days=1)
    taken = b.order("MERCHANT", [(10 * M, "PENDING"), (15 * M, "UNSHIPPED")])  # the previous importer's
    cancelled = b.order("MERCHANT", [(40 * M, "PENDING"), (45 * M, "UNSHIPPED"), (3 * H, "CANCELLED")])
    pending = b.order("MERCHANT", [(20 * M, "PENDING"), (3 * H, "UNSHIPPED")])  # still pending at the switch
    fba = b.order("AMAZON", [(30 * M, "PENDING"), (35 * M, "UNSHIPPED"), (4 * H, "SHIPPED")])
    later = b.order("MERCHANT", [(150 * M, "PENDING"), (155 * M, "UNSHIPPED")])
    world = make_world(b.build(), settings=SyncSettings(switch_over_at=switch))
    world.clock.advance_to(switch)
    summaries = world.run(8 * H)
    book = OrderBook(world.ledger)
    assert {o.amazon_order_id for o in world.store.iter_orders()} == {pending, fba, later}
    row = book.get(world.account.name, taken)
    assert (row.shop_state, row.park_reason) == ("previous", None)
    assert f"`amzorders orders retry {taken}` creates it" in row.last_error
    row = book.get(world.account.name, cancelled)  # cancelled on Amazon after the switch
    attention = (
        f"order {cancelled}: cancelled on Amazon; it was left to the previous importer at the switch, "
        "which may have created it: if the shop has it, cancel it there"
    )
    assert (row.shop_state, row.last_error) == ("cancelled", attention)
    assert [r.kind for r in summaries if attention in r.problems] == ["incremental"]  # said once
    world.run(26 * H)
    assert world.shop_status(taken) is None  # nothing is tried until a human says so
    report = world.engine.reconcile(world.account, START.date())
    assert report.error is None and report.amazon_orders == 5
    assert report.discrepancies == []  # the previous importer's order is not reported as missing...
    assert world.shop_status(taken) is None  # ...nor created by a repair
    assert book.retry(world.account.name, taken, at=world.clock.now())
    world.engine.push_to_shop(world.account)
    assert world.shop_status(taken) == ShopOrderStatus.TO_SHIP


def test_a_switch_from_an_importer_that_took_fba_orders_before_shipping_leaves_them_to_it(make_world):
    """A module set to import FBA orders at UNSHIPPED had created the FBA order waiting at the switch:
    with its statuses configured, amzorders leaves it to that module when Amazon ships it instead of
    creating it a second time (by default it would, FBA orders being imported once shipped), and says
    to mark it shipped in the shop, which that module would have done."""
    switch = START + 2 * H
    b = ScenarioBuilder(days=1)
    fba = b.order("AMAZON", [(30 * M, "PENDING"), (35 * M, "UNSHIPPED"), (4 * H, "SHIPPED")])
    pending = b.order("MERCHANT", [(20 * M, "PENDING"), (3 * H, "UNSHIPPED")])  # it took no PENDING
    took = previous_imports(["UNSHIPPED", "SHIPPED"])
    world = make_world(b.build(), settings=SyncSettings(switch_over_at=switch, previous_importer_took=took))
    world.clock.advance_to(switch)
    book = OrderBook(world.ledger)
    world.run(3 * H)  # until 3 h after the start of the day: the FBA order is not shipped yet
    assert (
        "first seen UNSHIPPED (AMAZON), a status it imported: left to it"
        in book.get(world.account.name, fba).last_error
    )
    summaries = world.run(8 * H)
    assert {o.amazon_order_id for o in world.store.iter_orders()} == {pending}
    row = book.get(world.account.name, fba)
    # that importer no longer runs to move its shop order: a human is told, once
    shipped = (
        f"order {fba}: shipped by Amazon; it was left to the previous importer at the switch, which may "
        "have created it: if the shop has it, mark it shipped there"
    )
    assert (row.status, row.shop_state, row.last_error) == ("SHIPPED", "previous", shipped)
    assert [r.kind for r in summaries if shipped in r.problems] == ["incremental"]


def test_a_long_host_name_still_takes_the_lock(make_world, db_url, monkeypatch):
    """The lock holder names the host: an EC2 or Kubernetes name (44+ characters) overflowed the 64 of
    `account_locks.holder`, and on PostgreSQL every run of every pass failed."""
    import amzorders.sync.engine as engine_module

    long_name = "ip-172-31-45-123.eu-central-1.compute.internal.example-cluster.local"
    monkeypatch.setattr(engine_module.socket, "gethostname", lambda: long_name)
    b = ScenarioBuilder(days=1)
    b.order("MERCHANT", [(M, "UNSHIPPED")])
    world = make_world(b.build(), url=db_url)
    world.clock.advance(10 * M)
    assert world.engine.import_incremental(world.account).outcome == "ok"
    assert world.engine.push_to_shop(world.account).created == 1


class _SlowBatch(FlakyShop):
    """A batch creation that takes longer than the lock's time to live; another process's push takes the
    expired lock meanwhile and creates the same orders."""

    def __init__(self, world) -> None:
        super().__init__(world.store)
        self.world, self.slow = world, True

    def create_orders(self, drafts):
        if self.slow:
            self.slow = False
            self.world.clock.advance(31 * M)  # the lock's time to live is 30 minutes
            other = self.world.new_engine()
            assert other.push_to_shop(self.world.account).created == len(drafts)
            other.close()
        return [self.store.create_order(d) for d in drafts]


def test_a_push_whose_lock_was_taken_over_writes_nothing(make_world, db_url):
    """The heartbeat ran only where Amazon's pages are recorded: a push slower than the lock's time to
    live, whose lock another push took over, wrote its outcomes anyway (every creation told twice, in the
    orders' histories, the runs and the metrics)."""
    b = ScenarioBuilder(days=1)
    ids = [b.order("MERCHANT", [(n * M + td(seconds=11), "UNSHIPPED")]) for n in range(5)]
    world = make_world(b.build(), url=db_url)
    world.clock.advance(20 * M)
    assert world.engine.import_incremental(world.account).ok
    slow = world.new_engine(store=_SlowBatch(world))
    lost = slow.push_to_shop(world.account)
    slow.close()
    assert lost.outcome == "error" and "lock" in lost.error
    book = OrderBook(world.ledger)
    for order in ids:
        kinds = [e["kind"] for e in book.events(world.account.name, order)]
        assert kinds.count("shop_created") == 1, kinds
    assert world.store.count_orders() == 5


def test_a_reconciliation_that_finds_the_account_busy_stores_no_report(make_world):
    """Another run held the account's reconciliation lock: the busy run stored a report for the day
    (nothing listed, not resumable), which hid the day's real, partial one from the hourly resumption."""
    b = ScenarioBuilder(days=2)
    for n in range(40):
        b.order("MERCHANT", [(n * 30 * M + td(seconds=11), "UNSHIPPED")])
    world = make_world(b.build())
    world.run(12 * H)
    day = START.date()
    partial = world.engine.reconcile(world.account, day, spare_quota=True)  # the day is not over
    assert partial.partial is not None and partial.report_id is not None
    world.clock.advance(13 * H)
    key = lock_key(world.account.name, "reconcile")
    assert world.engine.books.try_lock(key, "otherhost:1:x", now=world.clock.now(), ttl=td(minutes=30))
    busy = world.engine.reconcile(world.account, day, spare_quota=True)
    assert "busy" in busy.error and busy.report_id is None
    world.engine.books.release_lock(key, "otherhost:1:x")
    (latest,) = world.engine.books.latest_reports(world.account.name, since=day)
    assert latest.id == partial.report_id
    world.engine._reconciliation_waiting.clear()
    resumed = world.engine.resume_reconciliation(world.account)
    assert resumed is not None and resumed.report_id == partial.report_id
