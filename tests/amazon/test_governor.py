"""The quota governor on its own: bucket maths (property-tested), priorities, learning from Amazon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amzorders.amazon.bucket import BucketState
from amzorders.amazon.constants import GET_ORDER, SEARCH_ORDERS
from amzorders.amazon.governor import (
    DEFAULT_PLANS,
    MemoryBucketStore,
    Priority,
    QuotaGovernor,
    UnknownOperation,
    UsagePlan,
    reserve_for,
)
from amzorders.clock import SimClock

START = datetime(2026, 11, 1, tzinfo=UTC)
SELLER = "A1SELLER"


def governor_with(plan: UsagePlan, clock: SimClock, **kwargs) -> QuotaGovernor:
    return QuotaGovernor(MemoryBucketStore(), clock, {"op": plan}, **kwargs)


# -- properties ---------------------------------------------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=30, allow_nan=False),  # seconds before the next request
        st.sampled_from(list(Priority)),
        st.integers(min_value=1, max_value=3),  # tokens asked
        st.booleans(),  # Amazon throttles us unexpectedly before this request
    ),
    max_size=120,
)
plans = st.builds(
    UsagePlan,
    rate=st.floats(min_value=0.005, max_value=5, allow_nan=False),
    burst=st.integers(min_value=3, max_value=40),
)


@settings(max_examples=300, deadline=None)
@given(plan=plans, steps=steps, allowance=st.floats(min_value=0, max_value=1))
def test_admitted_never_exceeds_burst_plus_rate_times_elapsed_in_any_window(plan, steps, allowance):
    clock = SimClock(START)
    governor = governor_with(plan, clock, latency_allowance=allowance)
    grants: list[tuple[float, int]] = []  # (seconds since start, tokens)
    for dt, priority, tokens, throttled in steps:
        clock.advance(dt)
        if throttled:
            governor.observe_throttle(SELLER, "op")
        if governor.try_acquire(SELLER, "op", priority, tokens=tokens) == 0.0:
            grants.append(((clock.now() - START).total_seconds(), tokens))
    # Token-bucket conformance: in every window [t_i, t_j], what was admitted fits burst + rate x length.
    for i in range(len(grants)):
        admitted = 0
        for j in range(i, len(grants)):
            admitted += grants[j][1]
            elapsed = grants[j][0] - grants[i][0]
            assert admitted <= plan.burst + plan.rate * elapsed + 1e-6


@settings(max_examples=300, deadline=None)
@given(
    plan=plans,
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=30, allow_nan=False),
            st.sampled_from([Priority.PENDING_WATCH, Priority.CATCH_UP]),
            st.integers(min_value=1, max_value=3),
        ),
        max_size=80,
    ),
)
def test_lower_priorities_never_take_the_incremental_import_below_the_reserve(plan, steps):
    """Whatever catch-up and pending-watch passes do, the incremental import finds at least
    min(what it would have had alone, the PENDING_WATCH reserve) tokens."""
    clock = SimClock(START)
    governor = governor_with(plan, clock)
    alone = BucketState.full(plan, START)  # the same bucket, never touched by the lower priorities
    guaranteed = reserve_for(Priority.PENDING_WATCH, plan.burst)
    for dt, priority, tokens in steps:
        clock.advance(dt)
        if tokens <= plan.burst - reserve_for(priority, plan.burst):
            governor.try_acquire(SELLER, "op", priority, tokens=tokens)
        untouched = alone.refilled(clock.now()).tokens
        assert governor.tokens_left(SELLER, "op") >= min(untouched, guaranteed) - 1e-9


@settings(max_examples=200, deadline=None)
@given(plan=plans, waits=st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), max_size=40))
def test_a_catch_up_grant_always_leaves_its_reserve(plan, waits):
    clock = SimClock(START)
    governor = governor_with(plan, clock)
    reserve = reserve_for(Priority.CATCH_UP, plan.burst)
    for dt in waits:
        clock.advance(dt)
        if governor.try_acquire(SELLER, "op", Priority.CATCH_UP) == 0.0:
            assert governor.tokens_left(SELLER, "op") >= reserve


@settings(max_examples=200, deadline=None)
@given(plan=plans, steps=steps, priority=st.sampled_from(list(Priority)), tokens=st.integers(1, 3))
def test_wait_time_is_exactly_when_the_grant_comes(plan, steps, priority, tokens):
    """Planning agrees with granting: not a moment before `wait_time`, and then at once."""
    clock = SimClock(START)
    governor = governor_with(plan, clock)
    for dt, step_priority, step_tokens, throttled in steps:
        clock.advance(dt)
        if throttled:
            governor.observe_throttle(SELLER, "op")
        governor.try_acquire(SELLER, "op", step_priority, tokens=step_tokens)
    if tokens > plan.burst - reserve_for(priority, plan.burst):
        return
    wait = governor.wait_time(SELLER, "op", tokens=tokens, priority=priority)
    if wait > 0.01:
        clock.advance(wait - 0.01)
        assert governor.try_acquire(SELLER, "op", priority, tokens=tokens) > 0.0
        clock.advance(0.01)
    else:
        clock.advance(wait)
    assert governor.try_acquire(SELLER, "op", priority, tokens=tokens) == pytest.approx(0.0, abs=1e-6)


# -- behaviour ---------------------------------------------------------------------------------------------


def test_default_plans_are_amazons_v2026_table():
    assert DEFAULT_PLANS[SEARCH_ORDERS] == UsagePlan(0.0056, 20)
    assert DEFAULT_PLANS[GET_ORDER] == UsagePlan(0.5, 30)


def test_a_new_bucket_grants_the_burst_at_once_then_one_token_per_refill_period(clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0)
    for _ in range(30):
        assert governor.acquire(SELLER, GET_ORDER) == 0.0
    assert clock.now() == START
    waited = governor.acquire(SELLER, GET_ORDER)
    assert waited == pytest.approx(2.0, abs=0.01)  # 0.5 token/s
    assert (clock.now() - START).total_seconds() == pytest.approx(2.0, abs=0.01)


def test_acquire_keeps_the_latency_allowance_in_the_bucket(clock):
    governor = governor_with(UsagePlan(2.0, 5), clock, latency_allowance=0.25)
    for _ in range(4):
        governor.acquire(SELLER, "op")
    # The fifth token would leave 0 < 2 x 0.25 tokens: wait until 1.5 tokens are there.
    assert governor.wait_time(SELLER, "op") == pytest.approx(0.25)
    governor.acquire(SELLER, "op")
    assert (clock.now() - START).total_seconds() == pytest.approx(0.25, abs=0.01)


def test_wait_time_plans_several_tokens_and_beyond_the_burst(clock):
    governor = governor_with(UsagePlan(0.5, 10), clock, latency_allowance=0)
    assert governor.wait_time(SELLER, "op", tokens=10) == 0.0
    for _ in range(10):
        governor.acquire(SELLER, "op")
    assert governor.wait_time(SELLER, "op", tokens=4) == pytest.approx(8.0)
    assert governor.wait_time(SELLER, "op", tokens=25) == pytest.approx(50.0)
    # Planning is read-only: nothing was taken.
    assert governor.tokens_left(SELLER, "op") == pytest.approx(0.0)


def test_wait_time_counts_the_reserve_of_lower_priorities(clock):
    governor = governor_with(UsagePlan(1.0, 20), clock, latency_allowance=0)
    for _ in range(15):
        governor.acquire(SELLER, "op")
    assert governor.wait_time(SELLER, "op", priority=Priority.INCREMENTAL) == 0.0
    assert governor.wait_time(SELLER, "op", priority=Priority.PENDING_WATCH) == pytest.approx(1.0)
    assert governor.try_acquire(SELLER, "op", Priority.PENDING_WATCH) == pytest.approx(1.0)
    assert governor.wait_time(SELLER, "op", priority=Priority.CATCH_UP) == pytest.approx(6.0)


def test_catch_up_waits_while_the_incremental_import_drains_the_bucket(clock):
    governor = governor_with(UsagePlan(1.0, 20), clock, latency_allowance=0)
    granted = [governor.try_acquire(SELLER, "op", Priority.CATCH_UP) == 0.0 for _ in range(20)]
    assert granted.count(True) == 10  # catch-up stops at the reserve (half the burst) ...
    granted = [governor.try_acquire(SELLER, "op", Priority.INCREMENTAL) == 0.0 for _ in range(20)]
    assert granted.count(True) == 10  # ... which the incremental import then gets at once


def test_tokens_above_a_priority_reserve_say_what_its_calls_could_still_take(clock):
    governor = governor_with(UsagePlan(1.0, 20), clock, latency_allowance=0)
    for _ in range(7):
        governor.acquire(SELLER, "op")
    assert governor.tokens_above_reserve(SELLER, "op", Priority.CATCH_UP) == pytest.approx(3.0)
    granted = [governor.try_acquire(SELLER, "op", Priority.CATCH_UP) == 0.0 for _ in range(5)]
    assert granted.count(True) == 3
    assert governor.tokens_above_reserve(SELLER, "op", Priority.CATCH_UP) == pytest.approx(0.0)
    assert governor.tokens_above_reserve(SELLER, "op", Priority.LATE_SWEEP) == pytest.approx(5.0)
    for _ in range(4):
        governor.acquire(SELLER, "op")
    assert governor.tokens_above_reserve(SELLER, "op", Priority.CATCH_UP) == pytest.approx(-4.0)
    clock.advance(timedelta(seconds=2.5))
    assert governor.tokens_above_reserve(SELLER, "op", Priority.CATCH_UP) == pytest.approx(-1.5)


def test_an_announced_rate_replaces_the_plan_rate(clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0)
    assert governor.rate(SELLER, SEARCH_ORDERS) == 0.0056  # the table's, until Amazon says otherwise
    for _ in range(20):
        governor.acquire(SELLER, SEARCH_ORDERS)
    governor.observe_rate_limit(SELLER, SEARCH_ORDERS, 0.1)  # this seller has a bigger plan
    assert governor.wait_time(SELLER, SEARCH_ORDERS) == pytest.approx(10.0)
    assert governor.rate(SELLER, SEARCH_ORDERS) == 0.1
    governor.observe_rate_limit(SELLER, SEARCH_ORDERS, 0.0055)  # lower than the table
    assert governor.wait_time(SELLER, SEARCH_ORDERS) == pytest.approx(1 / 0.0055)
    for nonsense in (0.0, -1.0, float("nan"), float("inf")):
        governor.observe_rate_limit(SELLER, SEARCH_ORDERS, nonsense)
    assert governor.wait_time(SELLER, SEARCH_ORDERS) == pytest.approx(1 / 0.0055)
    assert governor.rate(SELLER, SEARCH_ORDERS) == 0.0055


def test_a_throttle_empties_the_bucket_and_pauses_its_refill(clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0, throttle_pause=3.0)
    governor.acquire(SELLER, GET_ORDER)
    assert governor.tokens_left(SELLER, GET_ORDER) == pytest.approx(29)
    governor.observe_throttle(SELLER, GET_ORDER)
    assert governor.tokens_left(SELLER, GET_ORDER) == 0.0
    assert governor.wait_time(SELLER, GET_ORDER) == pytest.approx(3.0 + 2.0)
    clock.advance(3.0)
    assert governor.tokens_left(SELLER, GET_ORDER) == 0.0  # nothing refilled during the pause
    clock.advance(2.0)
    assert governor.try_acquire(SELLER, GET_ORDER) == 0.0


def test_buckets_are_per_seller_and_operation(clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock, latency_allowance=0)
    for _ in range(20):
        governor.acquire("A1", SEARCH_ORDERS)
    assert governor.tokens_left("A1", SEARCH_ORDERS) == pytest.approx(0)
    assert governor.tokens_left("A2", SEARCH_ORDERS) == 20
    assert governor.tokens_left("A1", GET_ORDER) == 30


def test_a_configured_plan_burst_applies_to_an_existing_bucket(clock):
    store = MemoryBucketStore()
    QuotaGovernor(store, clock).acquire(SELLER, GET_ORDER)
    bigger = QuotaGovernor(store, clock, {GET_ORDER: UsagePlan(0.5, 10)})
    assert bigger.tokens_left(SELLER, GET_ORDER) == 10


def test_unknown_operation_and_impossible_requests_are_refused_clearly(clock):
    governor = QuotaGovernor(MemoryBucketStore(), clock)
    with pytest.raises(UnknownOperation, match="no usage plan for operation 'cancelOrder'"):
        governor.acquire(SELLER, "cancelOrder")
    with pytest.raises(ValueError, match="cannot take 31 token"):
        governor.acquire(SELLER, GET_ORDER, tokens=31)


def test_a_bucket_written_by_a_later_clock_is_rebased_without_creating_tokens():
    later = BucketState(tokens=2.0, rate=1.0, burst=10, updated_at=START + timedelta(days=30))
    state = later.refilled(START)
    assert state.tokens == 2.0 and state.updated_at == START
    assert state.refilled(START + timedelta(seconds=3)).tokens == pytest.approx(5.0)


def test_a_bucket_written_by_a_slightly_fast_clock_waits_for_ours():
    """Hosts sharing a database disagree by a few seconds: the row's time is kept, never refilled twice."""
    ahead = BucketState(tokens=2.0, rate=1.0, burst=10, updated_at=START + timedelta(seconds=10))
    assert ahead.refilled(START) == ahead
    assert ahead.refilled(START + timedelta(seconds=13)).tokens == pytest.approx(5.0)
