"""`bench.split`: a real in-process simulation timed by component, the originals restored afterwards."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from bench.markdown import extract_section, replace_section

from amzorders.ledger.orders import OrderBook
from amzorders.ledger.shop_work import ShopWork
from amzorders.simulate.builder import ScenarioBuilder
from amzorders.sync.engine import SyncEngine
from bench import split


def tiny_scenario() -> dict:
    b = ScenarioBuilder(days=0.3)
    for minute in range(0, 150, 10):
        b.merchant_flow(timedelta(minutes=minute + 3), timedelta(minutes=4), timedelta(hours=3))
    b.fba_flow(timedelta(hours=2, minutes=11), timedelta(hours=2, minutes=20))
    return b.build()


def test_each_component_gets_its_own_time_and_the_originals_come_back(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_scenario()), encoding="utf-8")
    originals = (OrderBook.record_snapshots, ShopWork.due_for_shop, SyncEngine._run)

    result = split.measure(path, "tiny", timedelta(hours=1))

    by_label = {c.label: t for c, t in result.components.items()}
    assert result.created == 16
    assert by_label["ledger: record a page of Amazon orders"].calls > 0
    assert by_label["built-in store: create orders"].calls > 0
    assert by_label["order drafts (rules)"].calls == 16
    # the client's own time excludes the simulator it calls through the transport
    client = by_label["Amazon client: httpx, JSON decoding, governor, tokens"]
    marketplace = by_label["marketplace behind the HTTP transport"]
    assert client.calls > 0 and marketplace.calls >= client.calls
    assert all(t.own_s >= 0 for t in result.components.values())
    assert 0 <= result.unattributed_s < result.wall_s
    assert {"incremental", "push"} <= set(result.runs)
    assert (OrderBook.record_snapshots, ShopWork.due_for_shop, SyncEngine._run) == originals
    assert "due_for_shop" not in vars(OrderBook)  # inherited before, inherited again

    text = split.render(result, "python -m bench.split tiny")
    assert "| ledger: record a page of Amazon orders | product |" in text
    assert "µs per created order" in text and "| incremental | " in text


def test_a_component_whose_entry_point_is_gone_is_named():
    first = split.COMPONENTS[0]
    gone = split.Component("vanished", "product", "ledger.orders.OrderBook", "no_such_method")
    match = r"ledger\.orders\.OrderBook\.no_such_method is gone"
    with pytest.raises(LookupError, match=match), split.instrumented((first, gone)):
        pass
    owner = split._owner(first.owner)
    assert getattr(owner, first.attribute).__module__ != split.__name__  # the first one was put back


def test_write_keeps_the_other_sections(tmp_path):
    (tmp_path / "tiny.json").write_text(json.dumps(tiny_scenario()), encoding="utf-8")
    manifest = tmp_path / "suite.toml"
    manifest.write_text(
        'format = "amzorders-bench-suite/1"\n'
        '[[scenario]]\nname = "tiny"\nkind = "file"\npath = "tiny.json"\ngrace = "1h"\n',
        encoding="utf-8",
    )
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(replace_section("# Benchmarks\n", "ceiling", "## Ceiling\nkept"), encoding="utf-8")
    argv = ["tiny", "--write", "--manifest", str(manifest), "--output", str(output)]
    assert split.main([*argv, "--cache-dir", str(tmp_path / "c")]) == 0
    text = output.read_text(encoding="utf-8")
    assert extract_section(text, "ceiling").strip() == "## Ceiling\nkept"
    body = extract_section(text, "split")
    assert body.startswith("## Where the time goes") and "Command: `python -m bench.split tiny " in body
