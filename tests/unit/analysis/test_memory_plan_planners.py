"""Properties of every planner: plans verify, fit, respect the bound, and CP-SAT never loses."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from tests.unit.analysis.memory_plan_strategies import buffer_sets
from tinyslm_ir.analysis.memory_plan import (
    Buffer,
    MemoryPlanInfeasibleError,
    aligned_lower_bound,
    lower_bound,
    verify_plan,
)
from tinyslm_ir.analysis.planners import (
    Status,
    canonical_search,
    greedy_plan,
    plan_memory,
    solve_cpsat,
)
from tinyslm_ir.analysis.planners.cpsat import add_buffer, add_no_overlap


@settings(max_examples=100, deadline=None)
@given(buffer_sets())
def test_greedy_plans_verify(buffers: list[Buffer]) -> None:
    plan = greedy_plan(buffers)
    verify_plan(buffers, plan, plan.peak)
    assert plan.peak >= lower_bound(buffers)


@settings(max_examples=40, deadline=None)
@given(buffer_sets())
def test_cpsat_never_loses_to_its_hint(buffers: list[Buffer]) -> None:
    greedy = greedy_plan(buffers)
    result = solve_cpsat(buffers, greedy.peak, time_limit_s=2.0, hint=greedy, workers=2)
    assert result.plan is not None
    verify_plan(buffers, result.plan, greedy.peak)
    assert lower_bound(buffers) <= result.bound <= result.plan.peak <= greedy.peak


@settings(max_examples=40, deadline=None)
@given(buffer_sets(max_buffers=9))
def test_canonical_search_is_exact(buffers: list[Buffer]) -> None:
    # CP-SAT proves the optimum on tiny sets; the search must hit it and find nothing below.
    result = solve_cpsat(buffers, 10_000, time_limit_s=5.0, workers=2)
    assert result.status is Status.OPTIMAL and result.plan is not None
    best = result.plan.peak
    found = canonical_search(buffers, best, time_limit_s=5.0)
    assert found is not None
    verify_plan(buffers, found, best)
    if best > 0:
        assert canonical_search(buffers, best - 1, time_limit_s=5.0) is None


@settings(max_examples=40, deadline=None)
@given(buffer_sets(max_buffers=9))
def test_aligned_bound_is_a_bound(buffers: list[Buffer]) -> None:
    # Between the plain bound and the proven optimum: tighter, and never over-claiming.
    result = solve_cpsat(buffers, 10_000, time_limit_s=5.0, workers=2)
    assert result.status is Status.OPTIMAL and result.plan is not None
    assert lower_bound(buffers) <= aligned_lower_bound(buffers) <= result.plan.peak


def test_aligned_bound_counts_padding() -> None:
    # Two 5-byte buffers live together at 8-byte alignment cannot peak below 8 + 5.
    pair = [Buffer("a", 5, 0, 2, 8), Buffer("b", 5, 0, 2, 8)]
    assert lower_bound(pair) == 10
    assert aligned_lower_bound(pair) == 13


@settings(max_examples=60, deadline=None)
@given(buffer_sets(), st.floats(0.5, 1.5))
def test_plan_memory_fits_or_explains(buffers: list[Buffer], slack: float) -> None:
    bound = lower_bound([b for b in buffers])
    capacity = int(bound * slack)
    try:
        plan = plan_memory(buffers, capacity, time_limit_s=1.0, alignment=4, workers=2)
    except MemoryPlanInfeasibleError as e:
        assert e.capacity == capacity
        assert e.best_peak is None or e.best_peak > capacity
        assert e.lower_bound >= lower_bound(buffers)
        return
    verify_plan(buffers, plan, capacity)
    assert all(plan.offsets[b.name] % 4 == 0 for b in buffers if b.offset is None)
    assert lower_bound(buffers) <= plan.peak <= capacity


def test_infeasible_capacity_reports_bound_and_best_peak() -> None:
    buffers = [Buffer("a", 100, 0, 2), Buffer("b", 60, 1, 3)]
    with pytest.raises(MemoryPlanInfeasibleError) as err:
        plan_memory(buffers, 150, time_limit_s=1.0, alignment=1)
    assert err.value.lower_bound == 160
    assert err.value.best_peak == 160
    assert err.value.proven
    assert "160" in str(err.value)


def test_fragmentation_needs_search() -> None:
    # Every greedy ordering leaves a hole here (peak 15); the optimum is the lower bound, 13.
    buffers = [
        Buffer("a", 6, 5, 6),
        Buffer("b", 5, 4, 6),
        Buffer("c", 4, 1, 5),
        Buffer("d", 2, 4, 5),
        Buffer("e", 6, 2, 3),
        Buffer("f", 3, 6, 8),
        Buffer("g", 3, 1, 3),
    ]
    assert greedy_plan(buffers).peak == 15
    plan = plan_memory(buffers, 14, time_limit_s=5.0, alignment=1, workers=2)
    verify_plan(buffers, plan, 14)
    assert plan.peak == lower_bound(buffers) == 13
    assert plan.optimal


def _decoder_schedule(layers: int, seq: int, d: int, ffn: int) -> list[Buffer]:
    """Activations of a prefill decoder: a residual stream plus per-op scratch, and KV caches."""
    rng = random.Random(0)
    buffers, step = [], 0
    residual = Buffer("x0", seq * d, 0, 3)
    buffers.append(residual)
    for layer in range(layers):
        shapes = [
            ("norm", seq * d),
            ("q", seq * d),
            ("k", seq * d),
            ("v", seq * d),
            ("scores", 16 * seq * seq),
            ("probs", 16 * seq * seq),
            ("attn", seq * d),
            ("proj", seq * d),
            ("norm2", seq * d),
            ("gate", seq * ffn),
            ("up", seq * ffn),
            ("act", seq * ffn),
            ("down", seq * d),
        ]
        for k, (name, size) in enumerate(shapes):
            life = 2 if k % 3 else rng.randint(2, 5)
            buffers.append(Buffer(f"l{layer}.{name}", size, step + k, step + k + life))
        step += len(shapes)
        buffers.append(Buffer(f"l{layer}.kv", 2 * seq * d, step - 10, layers * 13 + 10))
        buffers.append(Buffer(f"x{layer + 1}", seq * d, step - 1, step + 14))
    return buffers


def test_transformer_schedule_is_near_the_bound() -> None:
    buffers = _decoder_schedule(layers=8, seq=32, d=64, ffn=256)
    plan = plan_memory(buffers, 2 * 1024 * 1024, time_limit_s=5.0, workers=2)
    verify_plan(buffers, plan, 2 * 1024 * 1024)
    assert plan.peak <= 1.05 * lower_bound(buffers)


def test_greedy_handles_thousands_of_buffers() -> None:
    buffers = _decoder_schedule(layers=200, seq=16, d=64, ffn=256)
    assert len(buffers) > 3000
    plan = greedy_plan(buffers)
    verify_plan(buffers, plan, plan.peak)
    assert plan.peak <= 1.10 * lower_bound(buffers)


def test_cpsat_blocks_take_variable_sizes() -> None:
    # The tiling pass's use: pick the largest tile sizes whose buffers still fit in L1.
    model = cp_model.CpModel()
    sizes = [
        model.new_int_var_from_domain(cp_model.Domain.from_values([8, 16, 32]), f"s{i}")
        for i in range(3)
    ]
    blocks = [
        add_buffer(model, f"t{i}", start=i, end=i + 2, size=sizes[i], capacity=48) for i in range(3)
    ]
    add_no_overlap(model, blocks, 48)
    model.maximize(sum(sizes))
    solver = cp_model.CpSolver()
    assert solver.solve(model) == cp_model.OPTIMAL
    chosen = [solver.value(s) for s in sizes]
    assert chosen[0] + chosen[1] <= 48 and chosen[1] + chosen[2] <= 48
    assert sum(chosen) == 32 + 16 + 32
